"""Train and score one model on one task × fold: the body of the ``train`` rule.

:func:`run_fold` reads the task's SPLITS, builds the fold's :class:`~polimodal.data.VideoData`
(texts from transcripts/metadata per the model's ``text_fields``; frames only for models whose
modality is not ``text``), builds the model from the registry (``models.<name>.kind``), fits it
on the training split with the validation split for selection, predicts the validation and test
splits and writes PREDICTIONS (+ ``summary.json`` in ``workdir``). The model seed is
``experiments.seed + fold``.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from polimodal.data import FrameStore, VideoData, load_fold, read_splits, read_texts
from polimodal.errors import ConfigError
from polimodal.models import get_model_class
from polimodal.samples import read_sample_sheet
from polimodal.schemas import PREDICTIONS, VIDEOS, read_parquet, write_parquet
from polimodal.splits import write_splits
from polimodal.tasks import Task, task_labels, write_data_table

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]

#: Keys of a model's config section that run_fold consumes (not passed to the model).
RUNNER_KEYS = ("kind", "text_fields")


@dataclass
class DataSources:
    """Where the per-video artifacts are (aggregates + frame shard files)."""

    transcripts: PathLike | None = None
    videos: PathLike | None = None
    frames: Sequence[PathLike] = field(default_factory=list)
    dedup: Sequence[PathLike] | None = None


def predictions_table(
    task: str,
    model: str,
    fold: int,
    split: str,
    data: VideoData,
    predicted: Sequence[str],
    scores: np.ndarray,
    classes: Sequence[str],
) -> pd.DataFrame:
    scores = np.asarray(scores, dtype=float)
    if len(predicted) != len(data) or scores.shape != (len(data), len(classes)):
        raise ValueError(
            f"{model}: predict returned {len(predicted)} labels and scores of shape {scores.shape} "
            f"for {len(data)} videos and {len(classes)} classes"
        )
    bad = sorted(set(predicted) - set(classes))
    if bad:
        raise ValueError(f"{model}: predicted label(s) {bad} not in {list(classes)}")
    return pd.DataFrame(
        {
            "task": task,
            "model": model,
            "fold": fold,
            "video_id": data.video_ids,
            "split": split,
            "label": data.labels,
            "predicted": list(predicted),
            "classes": [list(classes)] * len(data),
            "scores": [row.tolist() for row in scores],
        }
    )


def run_fold(
    task: str,
    fold: int,
    splits: PathLike | pd.DataFrame,
    data: DataSources,
    model_name: str,
    model_cfg: Mapping[str, Any],
    predictions_out: PathLike,
    workdir: PathLike,
    *,
    classes: Sequence[str],
    seed: int = 42,
    threads: int | None = None,
) -> dict[str, Any]:
    """Fit ``model_name`` on ``task``'s fold ``fold`` and write its PREDICTIONS; return the summary.

    ``threads``: when given and the model uses torch, ``torch.set_num_threads(threads)``.
    """
    t0 = time.monotonic()
    if "kind" not in model_cfg:
        raise ConfigError(f"model {model_name!r}: no 'kind' in its config")
    cls = get_model_class(str(model_cfg["kind"]))
    if threads and "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(int(threads))
    params = {k: v for k, v in model_cfg.items() if k not in RUNNER_KEYS}
    text_fields = list(model_cfg.get("text_fields") or ["transcript"])
    uses_text = cls.modality in ("text", "multimodal")
    texts = read_texts(data.transcripts, data.videos, text_fields) if uses_text else {}
    store = FrameStore(data.frames, data.dedup) if cls.modality != "text" else None
    df = splits if isinstance(splits, pd.DataFrame) else read_splits(splits)
    parts = load_fold(df, fold, texts, store)
    log.info(
        "task %s, model %s (%s), fold %d: %s",
        task,
        model_name,
        cls.kind,
        fold,
        ", ".join(f"{k} {len(v)}" for k, v in parts.items()),
    )
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    model = cls(list(classes), params, seed + fold)
    summary = dict(model.fit(parts["train"], parts["validation"], workdir) or {})
    tables = []
    for split in ("validation", "test"):
        predicted, scores = model.predict(parts[split])
        tables.append(
            predictions_table(task, model_name, fold, split, parts[split], predicted, scores, classes)
        )
    write_parquet(pd.concat(tables, ignore_index=True).pipe(_to_arrow), predictions_out, PREDICTIONS)
    summary.update(
        task=task,
        model=model_name,
        kind=cls.kind,
        fold=fold,
        seed=seed + fold,
        text_fields=text_fields,
        n={k: len(v) for k, v in parts.items()},
        seconds=round(time.monotonic() - t0, 3),
    )
    (workdir / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    log.info("done in %.1f s: %s", time.monotonic() - t0, predictions_out)
    return summary


def available_videos(videos: PathLike) -> list[str]:
    """Ids of the videos that could be processed (a VIDEOS table)."""
    return read_parquet(videos, VIDEOS, columns=["video_id"]).column("video_id").to_pylist()


def write_data_table_for_config(
    tasks_cfg: Mapping[str, Mapping[str, Any]],
    sheet: PathLike,
    videos: PathLike,
    *,
    csv_out: PathLike,
    md_out: PathLike | None = None,
    html_out: PathLike | None = None,
) -> pd.DataFrame:
    """Validate every task of ``tasks_cfg`` against the sheet and write the data table."""
    tasks = [Task.from_config(name, cfg) for name, cfg in tasks_cfg.items()]
    df = write_data_table(tasks, read_sample_sheet(sheet), available_videos(videos), csv_out, md_out)
    if html_out is not None:
        Path(html_out).write_text(df.to_html(index=False, border=0))
    log.info("data table of %d task(s):\n%s", len(tasks), df.to_string(index=False))
    return df


def write_task_splits(
    name: str,
    task_cfg: Mapping[str, Any],
    sheet: PathLike,
    videos: PathLike,
    out: PathLike,
    *,
    seed: int = 42,
    folds: int = 3,
    test_size: float = 0.2,
    validation_size: float = 0.2,
) -> Path:
    """The SPLITS of one task: its labelled, available videos split per :mod:`polimodal.splits`."""
    task = Task.from_config(name, task_cfg)
    tl = task_labels(task, read_sample_sheet(sheet), available_videos(videos))
    log.info(
        "task %s: %d videos %s, %d unavailable excluded",
        name,
        len(tl.labels),
        tl.counts(),
        len(tl.unavailable),
    )
    return write_splits(
        name,
        tl.labels,
        task.values,
        out,
        folds=folds,
        seed=seed,
        test_size=test_size,
        validation_size=validation_size,
    )


def _to_arrow(df: pd.DataFrame):
    import pyarrow as pa

    return pa.Table.from_pandas(df, schema=PREDICTIONS, preserve_index=False)
