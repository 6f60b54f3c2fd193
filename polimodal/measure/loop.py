"""The measurement loop as workflow steps (``workflow/rules/coding.smk``), over paths.

Config ``coding:`` (checked at start-up by :func:`polimodal.measure.options.check_coding`):

- :func:`draw_or_keep`: batch ``N`` of the coding sample, drawn with ``coding.batches[N-1]``'s design
  from the codable corpus (fetched, not unavailable, not excluded by ``languages``) and batch
  ``N-1``'s state. The batch, its state and the uncodable items are written once: the rule marks
  them protected, so a changed design stops the run instead of silently redrawing coded items.
- :func:`export_step`: the batch as a Label Studio project (tasks JSON + labeling config XML) and
  as a coding sheet (CSV and XLSX).
- the demo's coders (``coding.simulate``): :func:`polimodal.synthetic.coding.simulate_step`.
- :func:`codes_step`: every coded file of the coders' folder (``coding.codes``/batchN/*.json,
  .csv, .xlsx) read, checked and gathered into one table; the coders' files are the record and
  are only ever read, never written.
- :func:`settle_step`: agreement per task and the settled labels (``coding.adjudicate``).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from polimodal.errors import ConfigError, LabelError
from polimodal.experiments.tasks import Task
from polimodal.types import PathLike

log = logging.getLogger(__name__)

#: The file types the coders' folder may hold, read as Label Studio exports or coding sheets.
CODED_SUFFIXES = (".json", ".csv", ".xlsx")


def _read(path: PathLike | None) -> pd.DataFrame:
    return pd.read_parquet(path) if path and Path(path).exists() else pd.DataFrame()


def _write(frame: pd.DataFrame, path: PathLike) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if path.suffix == ".parquet":
        frame.to_parquet(tmp, index=False)
    else:
        frame.to_csv(tmp, index=False, sep="\t" if path.suffix == ".tsv" else ",")
    tmp.replace(path)


def corpus_items(
    sheet: pd.DataFrame,
    videos: PathLike,
    unavailable: PathLike | None = None,
    excluded: PathLike | None = None,
) -> pd.DataFrame:
    """The sheet's items (``item_id`` and the sheet's columns) with ``codable`` and ``reason``: an
    item is codable when the run fetched it (``videos``), did not record it unavailable and did not
    leave it out for its language (``excluded``)."""
    items = sheet.rename(columns={"video_id": "item_id"}).copy()
    fetched = set(pd.read_parquet(videos, columns=["video_id"])["video_id"])
    missing = _read(unavailable)
    why = dict(zip(missing.get("video_id", []), missing.get("kind", []), strict=True))
    gone = set(_read(excluded).get("video_id", []))
    for vid in gone:
        why.setdefault(vid, "language excluded")
    items["reason"] = [
        why.get(i, "") if i in fetched and i not in gone else why.get(i, "not fetched")
        for i in items["item_id"]
    ]
    items["codable"] = items["reason"] == ""
    return items


def draw_or_keep(
    items: pd.DataFrame,
    design_cfg: Mapping[str, Any],
    batch: int,
    *,
    previous_state: PathLike | None,
    scores: PathLike | None,
    out_batch: PathLike,
    out_state: PathLike,
    out_design: PathLike,
    out_uncodable: PathLike,
) -> pd.DataFrame:
    """Draw batch ``batch`` with ``design_cfg`` (see the module docstring) after ``previous_state``,
    and return the drawn rows; unless the batch was drawn before: then its files are kept as they
    are when ``design_cfg`` is the design they were drawn with, and a ConfigError names both
    designs when it is not (a drawn batch is never redrawn; its items may be coded already)."""
    from polimodal.measure.design import draw_batch

    uncodable = items.loc[~items["codable"], ["item_id", "reason"]]
    _write(uncodable, out_uncodable)
    wanted = json.loads(json.dumps(dict(design_cfg)))
    paths = [Path(out_batch), Path(out_state), Path(out_design)]
    if all(p.exists() for p in paths):
        before = json.loads(paths[2].read_text())
        if before != wanted:
            raise ConfigError(
                f"coding.batches[{batch - 1}]: batch {batch} was drawn with {before} ({paths[2]}); the "
                f"config now says {wanted}. A drawn batch is never redrawn: restore its design, or add "
                "a new batch"
            )
        for p in paths:
            p.touch()
        log.info("coding batch %d: kept as drawn (%s)", batch, paths[0])
        return pd.read_parquet(paths[0])
    design = design_from_config(design_cfg, where=f"coding.batches[{batch - 1}]")
    if scores is not None:
        table = pd.read_parquet(scores) if str(scores).endswith(".parquet") else pd.read_csv(scores)
        column = design.score
        if "classes" in table.columns:  # a CLASSIFIED table: one score per class
            classes = [str(c) for c in table["classes"].iloc[0]]
            table[column] = [row[classes.index(str(design_cfg["value"]))] for row in table["scores"]]
        items = items.merge(table[["video_id", column]].rename(columns={"video_id": "item_id"}), how="left")
    state = _read(previous_state)
    drawn, new_state = draw_batch(items, design, batch=batch, state=state if len(state) else None)
    _write(drawn, out_batch)
    _write(new_state, out_state)
    paths[2].write_text(json.dumps(wanted, indent=1, sort_keys=True))
    log.info(
        "coding batch %d: %d item(s) drawn (expected %d, %s); %d item(s) cannot be coded: %s",
        batch,
        len(drawn),
        design.n,
        design.method,
        len(uncodable),
        uncodable["reason"].value_counts().to_dict(),
    )
    return drawn


def batch_frames(drawn: Sequence[PathLike], sheet: pd.DataFrame) -> dict[int, pd.DataFrame]:
    """Batch number -> its items (``item_id`` and the sheet's columns), from the drawn batches."""
    indexed = sheet.rename(columns={"video_id": "item_id"}).set_index("item_id")
    out = {}
    for path in drawn:
        rows = pd.read_parquet(path)
        number = int(Path(path).parent.name.removeprefix("batch"))
        out[number] = indexed.loc[list(rows["item_id"])].reset_index()
    return out


def design_from_config(cfg: Mapping[str, Any], where: str = "coding.batches[0]") -> Any:
    """A :class:`~polimodal.measure.design.SampleDesign` from one entry of ``coding.batches``."""
    from polimodal.measure.design import SampleDesign

    known = {"n", "seed", "method", "strata", "allocation", "floor", "task", "model", "value"}
    unknown = sorted(set(cfg) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; known: {sorted(known)}")
    score = None
    if cfg.get("method") == "scores":
        for key in ("task", "model", "value"):
            if key not in cfg:
                raise ConfigError(f"{where}: method scores needs `{key}` (the task, model and value scored)")
        score = f"score_{cfg['value']}"
    return SampleDesign(
        n=cfg.get("n"),  # type: ignore[arg-type]
        seed=int(cfg.get("seed", 0)),
        method=str(cfg.get("method", "random")),
        strata=cfg.get("strata"),
        allocation=cfg.get("allocation", "proportional"),
        score=score,
        floor=float(cfg.get("floor", 0.2)),
    )


def batch_items(
    items: pd.DataFrame,
    batch: PathLike | Sequence[str],
    videos: PathLike,
    transcripts: PathLike | None,
    frames: Any = None,
) -> pd.DataFrame:
    """The batch's items as coders see them: title, url, transcript text, the sheet's columns and,
    with ``frames`` (a :class:`~polimodal.data.frames.FrameStore`), the kept frames. ``batch``: a
    drawn batch's table, or its item ids."""
    ids = list(pd.read_parquet(batch)["item_id"]) if isinstance(batch, str | os.PathLike) else list(batch)
    out = items.set_index("item_id").loc[ids].reset_index()
    meta = pd.read_parquet(videos, columns=["video_id", "title", "webpage_url"]).set_index("video_id")
    texts = _read(transcripts)
    text = dict(zip(texts.get("video_id", []), texts.get("text", []), strict=True))
    out["title"] = [meta["title"].get(i) or "" for i in out["item_id"]]
    source = out["source"] if "source" in out.columns else pd.Series("", index=out.index)
    out["url"] = [meta["webpage_url"].get(i) or s for i, s in zip(out["item_id"], source, strict=True)]
    out["text"] = [text.get(i) or "" for i in out["item_id"]]
    if frames is not None:
        out["frames"] = [frames.frames(i) if i in frames else [] for i in out["item_id"]]
    return out


def export_step(
    items: pd.DataFrame,
    tasks: Sequence[Task],
    batch: int,
    *,
    out_json: PathLike,
    out_xml: PathLike,
    out_csv: PathLike,
    out_xlsx: PathLike,
    n_frames: int = 8,
) -> None:
    """The batch as a Label Studio project and as coding sheets (CSV, XLSX)."""
    from polimodal.measure.coding import project_token
    from polimodal.measure.labelstudio import label_studio_tasks, labeling_config
    from polimodal.measure.sheet import write_coding_sheet

    ls = label_studio_tasks(items, tasks, batch, project_token(tasks, batch), n_frames=max(n_frames, 1))
    Path(out_json).write_text(json.dumps(ls))
    Path(out_xml).write_text(labeling_config(tasks))
    sheet_items = items.drop(columns=[c for c in ("frames", "audio") if c in items.columns])
    write_coding_sheet(sheet_items, tasks, Path(out_csv))
    write_coding_sheet(sheet_items, tasks, Path(out_xlsx))
    log.info("coding batch %d: %d item(s) exported for %d task(s)", batch, len(items), len(tasks))


def read_coded_file(path: Path, tasks: Sequence[Task], items: pd.DataFrame, batch: int) -> pd.DataFrame:
    """One coded file's codes in long form: a Label Studio export (.json) of this batch's project,
    a coding sheet (.csv/.xlsx), or the simulated coders' table (a .csv with a ``task`` column)."""
    from polimodal.measure.agreement import CODE_COLUMNS, check_codes
    from polimodal.measure.coding import project_token
    from polimodal.measure.labelstudio import read_label_studio_export
    from polimodal.measure.sheet import read_coding_sheets

    if path.suffix == ".json":
        return read_label_studio_export(path, tasks, items, project_token(tasks, batch))
    if path.suffix == ".csv":
        head = pd.read_csv(path, nrows=0)
        if list(head.columns) == CODE_COLUMNS:  # long form (simulated coders, or written by hand)
            codes = pd.read_csv(path, dtype=str, keep_default_na=False)
            unknown = sorted(set(codes["item_id"]) - set(items["item_id"].astype(str)))
            if unknown:
                raise LabelError(f"{path}: item {unknown[0]!r} is not in coding batch {batch}")
            return check_codes(codes, {t.name: list(t.values) for t in tasks})
    return read_coding_sheets([path], tasks, items)


def codes_step(
    files_by_batch: Mapping[int, Sequence[PathLike]],
    batches: Mapping[int, pd.DataFrame],
    tasks: Sequence[Task],
    out: PathLike,
) -> pd.DataFrame:
    """Every coded file's codes (item_id, coder, task, value, batch, file) in one table, checked: an
    item coded twice by the same coder for a task (in two files) is a LabelError naming both files."""
    from polimodal.measure.agreement import check_codes

    parts = []
    for batch, paths in sorted(files_by_batch.items()):
        items = batches[batch]
        for path in sorted(map(Path, paths)):
            codes = read_coded_file(path, tasks, items, batch)
            parts.append(codes.assign(batch=batch, file=str(path)))
            log.info("%s: %d code(s) for batch %d", path, len(codes), batch)
    columns = ["item_id", "coder", "task", "value", "batch", "file"]
    codes = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    twice = codes[codes.duplicated(["item_id", "coder", "task"], keep=False)]
    if len(twice):
        first = twice.iloc[0]
        files = sorted(
            set(twice.loc[(twice.item_id == first.item_id) & (twice.coder == first.coder), "file"])
        )
        raise LabelError(
            f"item {first.item_id!r} is coded twice by coder {first.coder!r} for task {first.task!r} "
            f"(in {files}): keep one of the codes; no file was changed"
        )
    if len(codes):
        check_codes(codes[["item_id", "coder", "task", "value"]], {t.name: list(t.values) for t in tasks})
    _write(codes[columns], out)
    return codes


def settle_step(
    codes_path: PathLike,
    rule: str,
    bootstrap: int,
    *,
    out_agreement: PathLike,
    out_labels: PathLike,
    out_unsettled: PathLike,
    tasks: Sequence[Task] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Agreement per task (CSV) and the settled labels (TSV: ``video_id``, each task's label,
    ``<task>_n_coders`` and ``<task>_agreed``), the disagreements left to settle by hand (CSV).
    ``tasks``: the label columns (default: the tasks coded). Returns (agreement, settled, unsettled)."""
    from polimodal.measure.agreement import adjudicate, agreement

    codes = pd.read_parquet(codes_path)
    names = [t.name for t in tasks] if tasks is not None else sorted(codes["task"].unique())
    if codes.empty:
        table = pd.DataFrame(columns=["task"])
        settled = pd.DataFrame(columns=["item_id", "task", "value", "n_coders", "agreed"])
        unsettled = pd.DataFrame(columns=["item_id", "task", "codes", "reason"])
    else:
        table = agreement(codes, n_boot=bootstrap, seed=0)
        settled, unsettled = adjudicate(codes, rule)
    _write(table.drop(columns=["cohen_kappa_pairs"], errors="ignore"), out_agreement)
    labels = pd.DataFrame({"video_id": sorted(settled["item_id"].unique())})
    for name in names:
        part = settled[settled["task"] == name].set_index("item_id")
        labels[name] = labels["video_id"].map(part["value"]).fillna("")
        labels[f"{name}_n_coders"] = labels["video_id"].map(part["n_coders"]).fillna(0).astype(int)
        labels[f"{name}_agreed"] = (
            labels["video_id"].map(part["agreed"]).map({True: "yes", False: "no"}).fillna("")
        )
    _write(labels, out_labels)
    _write(unsettled, out_unsettled)
    log.info(
        "agreement:\n%s\nsettled (%s): %d, to settle by hand: %d",
        table.round(3).to_string(index=False),
        rule,
        len(settled),
        len(unsettled),
    )
    return table, settled, unsettled


def declared_step(
    items: pd.DataFrame,
    tasks: Sequence[Task],
    declared: str,
    *,
    out_labels: PathLike,
    out_state: PathLike,
) -> pd.DataFrame:
    """A sheet coded elsewhere (config ``coding.declared``) as the loop's coded sample: its labelled,
    codable rows are the coded items (their labels the settled labels), and their inclusion
    probabilities are the declared design's (:func:`~polimodal.measure.design.declared_probabilities`:
    ``random``, or a column of probabilities). Writes the labels (as :func:`settle_step` does) and a
    state whose ``q`` is one minus each item's probability."""
    from polimodal.measure.design import declared_probabilities

    codable = items[items["codable"]].reset_index(drop=True)
    labels = pd.DataFrame({"video_id": codable["item_id"].astype(str)})
    for task in tasks:
        labels[task.name] = codable[task.column].fillna("").astype(str).str.strip().to_numpy()
    coded = labels[(labels[[t.name for t in tasks]] != "").any(axis=1)]
    sample = codable[codable["item_id"].isin(coded["video_id"])]
    pi = declared_probabilities(sample, len(codable), declared)
    assert pi is not None
    state = pd.DataFrame({"item_id": codable["item_id"].astype(str)})
    state["q"] = 1.0 - state["item_id"].map(pi).fillna(0.0)
    state["drawn"] = state["item_id"].isin(coded["video_id"])
    state["batch"] = 0
    _write(coded.reset_index(drop=True), out_labels)
    _write(state, out_state)
    log.info("coding.declared %s: %d coded item(s) of %d codable", declared, len(coded), len(codable))
    return coded
