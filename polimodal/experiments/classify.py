"""Classify the whole corpus with the chosen model(s) of each task.

Why political scientists train classifiers: to measure a concept over every video, labelled or
not. After the models are compared, each task's chosen model classifies every available video:

- :func:`choose_models`: which model(s) and which fold's checkpoint. By default the model with
  the best mean *validation* macro F1 over folds (the test split stays untouched by the choice),
  and for every applied model the fold whose validation macro F1 was best (its checkpoint is
  used as it is: no refit, so the classifier is exactly one that was evaluated);
- :func:`classify_shard`: one shard's videos through that model, CLASSIFIED rows with the
  predicted label, the class scores and ``lacks``: what a video did not have of what the model
  reads (no transcript, no kept frame). Such a video still gets a prediction (a text model sees
  the empty text; a frame model votes with no frame), flagged, never silently nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from polimodal.corpus.experiment_schemas import CLASSIFIED
from polimodal.corpus.schemas import VIDEOS, read_parquet, write_parquet
from polimodal.data.inputs import Files, lacking
from polimodal.errors import ConfigError
from polimodal.experiments.metrics import read_metrics
from polimodal.experiments.run import prepare
from polimodal.extract.language import excluded_ids
from polimodal.types import PathLike

log = logging.getLogger(__name__)

#: Columns of the table :func:`choose_models` writes (``results/classified/{task}/chosen.tsv``).
CHOSEN_COLUMNS = ["task", "model", "fold", "validation_macro_f1_mean", "fold_validation_macro_f1"]
#: The ``classify`` value that picks the best model on validation.
BEST = "best"


def choose_models(
    metrics: PathLike | pd.DataFrame,
    task: str,
    models: Sequence[str] | str = BEST,
    out: PathLike | None = None,
) -> pd.DataFrame:
    """The model(s) that classify ``task``'s corpus and the fold whose checkpoint each uses.

    ``models``: names, or ``"best"`` (the best mean validation macro F1 over folds; ties: the
    first in name order). Each model's fold: its best validation macro F1 (ties: the lowest fold).
    """
    df = metrics if isinstance(metrics, pd.DataFrame) else read_metrics(metrics)
    df = df[(df["task"] == task) & (df["metric"] == "macro_f1") & (df["class"] == "")]
    if df.empty:
        raise ConfigError(f"task {task!r}: no model was evaluated: nothing to choose from")
    val = df[df["split"] == "validation"]
    if val.empty:
        # every fold's validation split is empty (a task with very few videos per class): no
        # evidence to choose by, and the test split must not be used for it
        log.warning("task %s: no validation predictions; the first model and fold 0 are taken", task)
        val = df.assign(value=float("nan")).drop_duplicates(["model", "fold"])
    means = val.groupby("model")["value"].mean().sort_index()
    if models == BEST:
        chosen = [str(means.idxmax()) if means.notna().any() else str(means.index[0])]
    else:
        chosen = list(models)
        missing = [m for m in chosen if m not in means.index]
        if missing:
            raise ConfigError(f"classify.{task}: model(s) {missing} were not evaluated on {task!r}")
    rows = []
    for model in chosen:
        folds = val[val["model"] == model].sort_values(
            ["value", "fold"], ascending=[False, True], na_position="last"
        )
        best = folds.iloc[0]
        rows.append([task, model, int(best["fold"]), float(means[model]), float(best["value"])])
    table = pd.DataFrame(rows, columns=CHOSEN_COLUMNS)
    log.info("task %s: classify the corpus with\n%s", task, table.to_string(index=False))
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(out, sep="\t", index=False)
    return table


def read_chosen(path: PathLike) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype={"task": str, "model": str})


def chosen_fold(path: PathLike, model: str) -> int:
    """The fold whose checkpoint ``model`` classifies with (from :func:`choose_models`' table)."""
    table = read_chosen(path)
    row = table[table["model"] == model]
    if row.empty:
        raise ConfigError(f"{path}: model {model!r} was not chosen (chosen: {table['model'].tolist()})")
    return int(row["fold"].iloc[0])


def shard_video_ids(videos: PathLike, files: Files) -> list[str]:
    """The ids of a shard's VIDEOS file that are classified: all but those in a language the run
    does not keep (config ``languages``: ``files["excluded"]``)."""
    ids = read_parquet(videos, VIDEOS, columns=["video_id"]).column("video_id").to_pylist()
    excluded = excluded_ids(files.get("excluded"))  # type: ignore[arg-type]
    return [v for v in ids if v not in excluded] if excluded else ids


def classify_shard(
    task: str,
    model_name: str,
    model_cfg: Mapping[str, Any],
    classes: Sequence[str],
    model_dir: PathLike,
    fold: int,
    *,
    videos: PathLike,
    files: Files,
    out: PathLike,
    threads: int | None = None,
    prompt: Mapping[str, Any] | None = None,
) -> pa.Table:
    """Classify every video of a shard (its VIDEOS file) with the model trained in ``model_dir``.

    ``files``: file name → path of the shard's files of the model's inputs
    (:data:`polimodal.data.inputs.INPUTS`, shard level: ``transcripts`` and ``videos`` for
    ``text``, ``frames`` and ``dedup`` for ``frames`` ...; ``excluded``: the videos in a language
    the run does not keep, not classified). ``prompt``: the task's prompt, for
    generative models (see :func:`polimodal.experiments.run.run_fold`).
    """
    t0 = time.monotonic()
    ids = shard_video_ids(videos, files)
    table = classify_videos(
        task, model_name, model_cfg, classes, model_dir, fold, ids, files, threads=threads, prompt=prompt
    )
    write_parquet(table, out, CLASSIFIED)
    n_lacking = sum(1 for x in table.column("lacks").to_pylist() if x)
    labels = table.column("predicted").to_pylist()
    log.info(
        "task %s, model %s (fold %d): %d video(s) classified (%d lacking input) in %.1f s: %s",
        task,
        model_name,
        fold,
        len(ids),
        n_lacking,
        time.monotonic() - t0,
        dict(pd.Series(list(labels), dtype=object).value_counts()),
    )
    return table


def classify_videos(
    task: str,
    model_name: str,
    model_cfg: Mapping[str, Any],
    classes: Sequence[str],
    model_dir: PathLike,
    fold: int,
    ids: Sequence[str],
    files: Files,
    *,
    threads: int | None = None,
    prompt: Mapping[str, Any] | None = None,
) -> pa.Table:
    """The CLASSIFIED rows of ``ids`` by the model trained in ``model_dir`` (see :func:`classify_shard`)."""
    ids = list(ids)
    model, loaded = prepare(model_name, model_cfg, classes, files, ids, threads=threads, prompt=prompt)
    model.load(Path(model_dir))
    lacks = lacking(model.spec.inputs, files, loaded, ids)
    data = loaded.video_data(ids, [""] * len(ids))
    labels, scores = model.predict(data) if ids else ([], [])
    return pa.table(
        {
            "video_id": pa.array(ids, pa.string()),
            "task": pa.array([task] * len(ids), pa.string()),
            "model": pa.array([model_name] * len(ids), pa.string()),
            "fold": pa.array([fold] * len(ids), pa.int32()),
            "predicted": pa.array(list(labels), pa.string()),
            "classes": pa.array([list(classes)] * len(ids), pa.list_(pa.string())),
            "scores": pa.array([[float(x) for x in row] for row in scores], pa.list_(pa.float64())),
            "lacks": pa.array([lacks[v] for v in ids], pa.list_(pa.string())),
        }
    )


def gather_classified(shards: Sequence[PathLike], parquet_out: PathLike, csv_out: PathLike) -> pd.DataFrame:
    """One task × model's CLASSIFIED table from its shards, as Parquet and CSV (scores per class)."""
    from polimodal.corpus.schemas import concat_parquet

    concat_parquet(shards, parquet_out, CLASSIFIED)
    df = read_parquet(parquet_out, CLASSIFIED).to_pandas()
    flat = df[["video_id", "task", "model", "fold", "predicted"]].copy()
    if len(df):
        for j, c in enumerate(df["classes"].iloc[0]):
            flat[f"score_{c}"] = [row[j] for row in df["scores"]]
    flat["lacks"] = [";".join(x) for x in df["lacks"]]
    flat.to_csv(csv_out, index=False)
    return df


def distribution(classified: Sequence[PathLike]) -> pd.DataFrame:
    """Per task × model × predicted value: the number and share of the corpus's videos."""
    rows = []
    for path in classified:
        df = read_parquet(path, CLASSIFIED, columns=["task", "model", "predicted", "lacks"]).to_pandas()
        if df.empty:
            continue
        total = len(df)
        for (task, model, value), g in df.groupby(["task", "model", "predicted"], sort=True):
            rows.append(
                {
                    "task": task,
                    "model": model,
                    "value": value,
                    "n": len(g),
                    "percent": round(100 * len(g) / total, 1),
                    "n_lacking_input": int(sum(len(x) > 0 for x in g["lacks"])),
                }
            )
    return pd.DataFrame(rows, columns=["task", "model", "value", "n", "percent", "n_lacking_input"])


def write_distribution(classified: Sequence[PathLike], csv_out: PathLike, html_out: PathLike) -> pd.DataFrame:
    df = distribution(classified)
    df.to_csv(csv_out, index=False)
    Path(html_out).write_text(df.to_html(index=False, border=0))
    log.info("predicted labels over the corpus:\n%s", df.to_string(index=False))
    return df
