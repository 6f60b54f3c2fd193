"""``polimodal coding …``: the measurement loop by hand, over a run's results (until its workflow
steps land). Everything lives in one folder (``--coding``, default ``results/coding``):

- ``batches.parquet``: every drawn item, one row per item and batch it was drawn in (appended;
  never rewritten), and ``state.parquet``: each corpus item's probability of not having been
  drawn yet (:mod:`polimodal.measure.design`; its inclusion probability is one minus that);
- ``codes.parquet``: every code imported (item_id, coder, task, value, batch, file), appended; a
  code already there (same item, coder and task) is an error, never overwritten;
- ``agreement.csv``, ``labels.tsv`` (one row per coded item: the settled label of each task, the
  number of coders and whether they agreed: the sheet's label columns) and ``unsettled.csv``.

Commands: ``draw``, ``export``, ``import``, ``agreement``, ``estimate`` (see ``--help`` of each).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from polimodal.errors import ConfigError, LabelError, PolimodalError

CODING = Path("results/coding")


def _tasks(config: dict[str, Any]) -> list[Any]:
    from polimodal.experiments.tasks import tasks_from_config

    return tasks_from_config(config)


def _config(path: Path) -> dict[str, Any]:
    from polimodal.config import load_config

    return load_config(path)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path) if path.exists() else pd.DataFrame()


def _append(frame: pd.DataFrame, path: Path) -> None:
    """``frame``'s rows appended to the Parquet table at ``path``, written atomically."""
    old = _read(path)
    out = pd.concat([old, frame], ignore_index=True) if len(old) else frame
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    out.to_parquet(tmp, index=False)
    tmp.replace(path)


def corpus_items(config: dict[str, Any], results: Path) -> pd.DataFrame:
    """The sheet's items with ``item_id``, their columns, and ``codable`` / ``reason``
    (:func:`polimodal.measure.loop.corpus_items` over the run's ``results``)."""
    from polimodal.corpus.samples import read_sample_sheet
    from polimodal.measure.loop import corpus_items as codable

    videos = results / "videos.parquet"
    if not videos.exists():
        raise ConfigError(f"{videos} does not exist: run the workflow (snakemake) before drawing a sample")
    return codable(read_sample_sheet(config["samples"]), videos, results / "unavailable.parquet")


def draw(args: argparse.Namespace) -> str:
    from polimodal.measure.design import SampleDesign, draw_batch

    config = _config(args.config)
    items = corpus_items(config, args.results)
    if args.scores is not None:
        scores = pd.read_csv(args.scores) if args.scores.suffix == ".csv" else pd.read_parquet(args.scores)
        items = items.merge(
            scores[["video_id", args.score]].rename(columns={"video_id": "item_id"}), how="left"
        )
    allocation: Any = "proportional"
    if args.allocation:
        allocation = {k: int(v) for k, v in (a.split("=", 1) for a in args.allocation.split(","))}
    design = SampleDesign(
        n=args.n, seed=args.seed, method=args.method, strata=args.strata, allocation=allocation,
        score=args.score, floor=args.floor,
    )  # fmt: skip
    batches, state = _read(args.coding / "batches.parquet"), _read(args.coding / "state.parquet")
    batch = int(batches["batch"].max()) + 1 if len(batches) else 1
    drawn, new_state = draw_batch(items, design, batch=batch, state=state if len(state) else None)
    uncodable = items.loc[~items["codable"], ["item_id", "reason"]]
    _append(drawn, args.coding / "batches.parquet")
    new_state.to_parquet(args.coding / "state.parquet", index=False)
    (args.coding / f"design{batch}.json").write_text(json.dumps(design.__dict__, default=str, indent=1))
    uncodable.to_csv(args.coding / "uncodable.csv", index=False)
    reasons = {k: int(v) for k, v in uncodable["reason"].value_counts().items()}
    return (
        f"batch {batch}: {len(drawn)} item(s) drawn (expected {args.n}, {args.method}); "
        f"{len(uncodable)} item(s) cannot be coded ({reasons}), "
        f"listed in {args.coding / 'uncodable.csv'}"
    )


def batch_items(config: dict[str, Any], results: Path, coding: Path, batch: int) -> pd.DataFrame:
    """The batch's items as the coding forms show them (:func:`polimodal.measure.loop.batch_items`)."""
    from polimodal.measure.loop import batch_items as shown

    drawn = _read(coding / "batches.parquet")
    ids = drawn.loc[drawn.get("batch", pd.Series(dtype=int)) == batch, "item_id"] if len(drawn) else []
    if len(ids) == 0:
        raise ConfigError(f"{coding}: no batch {batch} (draw one with `polimodal coding draw`)")
    items = corpus_items(config, results)
    return shown(items, list(ids), results / "videos.parquet", results / "transcripts.parquet")


def export(args: argparse.Namespace) -> str:
    from polimodal.measure.coding import project_token
    from polimodal.measure.labelstudio import label_studio_tasks, labeling_config
    from polimodal.measure.sheet import write_coding_sheet

    config = _config(args.config)
    tasks = _tasks(config)
    items = batch_items(config, args.results, args.coding, args.batch)
    out = Path(args.out)
    if out.suffix == ".json":
        out.write_text(
            json.dumps(label_studio_tasks(items, tasks, args.batch, project_token(tasks, args.batch)))
        )
        out.with_suffix(".xml").write_text(labeling_config(tasks))
        xml = out.with_suffix(".xml")
        return f"{out} (tasks to import) and {xml} (the labeling config): {len(items)} item(s)"
    write_coding_sheet(items, tasks, out)
    return f"{out}: {len(items)} item(s), one column per task"


def import_codes(args: argparse.Namespace) -> str:
    from polimodal.measure.agreement import check_codes
    from polimodal.measure.loop import read_coded_file

    config = _config(args.config)
    tasks = _tasks(config)
    items = batch_items(config, args.results, args.coding, args.batch)
    new = [
        read_coded_file(path, tasks, items, args.batch).assign(batch=args.batch, file=str(path))
        for path in args.files
    ]
    codes = pd.concat(new, ignore_index=True)
    old = _read(args.coding / "codes.parquet")
    if len(old):
        both = pd.concat([old, codes], ignore_index=True)
        twice = both.duplicated(["item_id", "coder", "task"], keep="first") & (both.index >= len(old))
        if twice.any():
            row = both[twice].iloc[0]
            before = old.loc[(old.item_id == row.item_id) & (old.coder == row.coder), "file"].iloc[0]
            raise LabelError(
                f"item {row.item_id!r} is already coded by coder {row.coder!r} for task {row.task!r} "
                f"(imported from {before}): "
                "nothing was imported, nothing already coded is changed"
            )
    check_codes(
        pd.concat([old, codes], ignore_index=True) if len(old) else codes,
        {t.name: list(t.values) for t in tasks},
    )
    _append(codes, args.coding / "codes.parquet")
    return f"{len(codes)} code(s) from {len(args.files)} file(s) added to {args.coding / 'codes.parquet'}"


def agreement_cmd(args: argparse.Namespace) -> str:
    from polimodal.measure.loop import settle_step

    codes = args.coding / "codes.parquet"
    if _read(codes).empty:
        raise ConfigError(f"{codes}: no codes yet (`polimodal coding import`)")
    out = {name: args.coding / name for name in ("agreement.csv", "labels.tsv", "unsettled.csv")}
    table, settled, unsettled = settle_step(
        codes, args.rule, args.bootstrap, out_agreement=out["agreement.csv"], out_labels=out["labels.tsv"],
        out_unsettled=out["unsettled.csv"],
    )  # fmt: skip
    return table.drop(columns=["cohen_kappa_pairs"], errors="ignore").round(3).to_string(index=False) + (
        f"\nsettled ({args.rule}): {len(settled)}; to settle by hand: {len(unsettled)} "
        f"({out['unsettled.csv']}); labels: {out['labels.tsv']}"
    )


def estimate_cmd(args: argparse.Namespace) -> str:
    from polimodal.measure.report import WHICH_TO_REPORT, task_estimates, write_estimates

    config = _config(args.config)
    task = next((t for t in _tasks(config) if t.name == args.task), None)
    if task is None:
        raise ConfigError(f"--task {args.task!r}: no such task in {args.config}")
    classified = (
        pd.read_csv(args.classified) if args.classified.suffix == ".csv" else pd.read_parquet(args.classified)
    )
    labels = pd.read_csv(args.coding / "labels.tsv", sep="\t", dtype=str, keep_default_na=False)
    state = _read(args.coding / "state.parquet")
    pi = pd.Series(1 - state["q"].to_numpy(), index=state["item_id"].to_numpy())
    corpus = classified.rename(columns={"video_id": "item_id"})
    corpus["gold"] = corpus["item_id"].map(
        dict(zip(labels["video_id"], labels.get(task.name, ""), strict=True))
    )
    corpus["pi"] = corpus["item_id"].map(pi)
    coded = corpus["gold"].fillna("") != ""
    warning = ""
    splits = args.results / "splits" / f"{task.name}.parquet"
    if splits.exists() and "fold" in corpus.columns:
        s = pd.read_parquet(splits)
        trained = set(s.loc[(s["split"] == "train") & s["fold"].isin(corpus["fold"].unique()), "video_id"])
        inside = corpus.loc[coded & corpus["item_id"].isin(trained), "item_id"]
        if len(inside) and args.allow_in_sample:
            warning = (
                f"WARNING: {len(inside)} coded item(s) were in the classifying model's training set: "
                "their predictions are in-sample, the corrected estimate is not valid\n"
            )
        elif len(inside):
            raise ConfigError(
                f"{len(inside)} coded item(s) (e.g. {inside.iloc[0]!r}) were in the training set of the "
                "model that classified them: their predictions are in-sample and the correction would be "
                "wrong. Classify them with cross-fitted models (polimodal.measure.crossfit), or pass "
                "--allow-in-sample to estimate anyway (said in the output)"
            )
    if args.group_by:
        from polimodal.corpus.samples import read_sample_sheet

        sheet = read_sample_sheet(config["samples"])
        corpus[args.group_by] = corpus["item_id"].map(
            dict(zip(sheet["video_id"], sheet[args.group_by], strict=True))
        )
    table = task_estimates(corpus, list(task.values), group_by=args.group_by or None)
    paths = write_estimates(table, task.name, args.out / task.name)
    shown = table[(table["value"] == str(task.values[-1]))]
    return warning + (
        shown[["group", "kind", "method", "estimate", "low", "high", "n_coded"]]
        .round(4)
        .to_string(index=False)
        + f"\n{WHICH_TO_REPORT}\n"
        + ", ".join(str(p) for p in paths.values())
    )


COMMANDS = {
    "draw": draw,
    "export": export,
    "import": import_codes,
    "agreement": agreement_cmd,
    "estimate": estimate_cmd,
}


def register(sub: Any) -> None:
    """The ``coding`` subcommand and its own subcommands."""
    p = sub.add_parser(
        "coding", help="the measurement loop: draw a coding sample, export, import, agreement, estimates"
    )
    cmds = p.add_subparsers(dest="coding_cmd", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default="config/config.yaml", type=Path)
    common.add_argument("--results", default="results", type=Path)
    common.add_argument("--coding", default=CODING, type=Path)
    c = cmds.add_parser("draw", parents=[common], help="draw the next batch (appended to batches.parquet)")
    c.add_argument("--n", type=int, required=True, help="expected number of items")
    c.add_argument("--method", choices=["random", "stratified", "scores"], default="random")
    c.add_argument("--strata", help="stratified: the sheet column of the strata")
    c.add_argument(
        "--allocation", help="stratified: per-stratum sizes, e.g. left=50,right=50 (default: proportional)"
    )
    c.add_argument("--scores", type=Path, help="scores: a table (csv/parquet) with video_id and --score")
    c.add_argument("--score", help="scores: the column of scores (e.g. score_1 of a classified table)")
    c.add_argument(
        "--floor", type=float, default=0.2, help="scores: each item >= floor x its simple random chance"
    )
    c.add_argument("--seed", type=int, default=0)
    c = cmds.add_parser(
        "export",
        parents=[common],
        help="a batch as a Label Studio project (.json) or coding sheet (.csv/.xlsx)",
    )
    c.add_argument("--batch", type=int, required=True)
    c.add_argument("--out", required=True, type=Path)
    c = cmds.add_parser(
        "import", parents=[common], help="coded files (Label Studio JSON exports, coding sheets)"
    )
    c.add_argument("files", nargs="+", type=Path)
    c.add_argument("--batch", type=int, required=True)
    c = cmds.add_parser("agreement", parents=[common], help="agreement per task, and the settled labels")
    c.add_argument("--rule", default="majority", help="majority, adjudicator:NAME or list")
    c.add_argument("--bootstrap", type=int, default=1000)
    c = cmds.add_parser("estimate", parents=[common], help="a task's shares: coded, predicted and corrected")
    c.add_argument("--task", required=True)
    c.add_argument("--classified", required=True, type=Path, help="results/classified/TASK/MODEL.csv")
    c.add_argument("--group-by", help="a sheet column")
    c.add_argument("--out", type=Path, default=Path("results/estimates"))
    c.add_argument("--allow-in-sample", action="store_true")


def run(args: argparse.Namespace) -> int:
    try:
        print(COMMANDS[args.coding_cmd](args))
    except (PolimodalError, FileNotFoundError) as exc:
        print(f"polimodal coding {args.coding_cmd}: {exc}", file=sys.stderr)
        return 2
    return 0
