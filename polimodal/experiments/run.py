"""Train and score one model on one task × fold: the body of the ``train`` rule.

:func:`run_fold` reads the task's SPLITS, reads what the model reads from ``files`` (the files of
its inputs, named as in :data:`polimodal.data.inputs.INPUTS`: the task's own tables, what the
workflow gives, or a corpus's tables; texts per the model's ``text_fields``), builds the model
(:func:`polimodal.models.build.build_model`), fits it on the training split with the
validation split for selection, predicts the validation and test splits and writes PREDICTIONS
(+ ``summary.json`` in ``workdir``). The model seed is ``experiments.seed + fold``.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from polimodal.corpus.experiment_schemas import PREDICTIONS
from polimodal.corpus.schemas import write_parquet
from polimodal.data.inputs import Files, LoadedInputs, load_inputs
from polimodal.data.texts import DEFAULT_TEXT_FIELDS
from polimodal.data.videodata import VideoData, read_splits
from polimodal.models.base import Model
from polimodal.models.build import build_model
from polimodal.types import PathLike

log = logging.getLogger(__name__)


def text_fields(model: Model) -> list[str]:
    """The text fields ``model`` reads (its dataclass's ``text_fields``; a kind that reads no text:
    the default, which its loader ignores)."""
    return list(getattr(model.options, "text_fields", DEFAULT_TEXT_FIELDS))


def prepare(
    model_name: str,
    model_cfg: Mapping[str, Any],
    classes: Sequence[str],
    files: Files,
    video_ids: Sequence[str],
    *,
    seed: int = 0,
    threads: int | None = None,
    prompt: Mapping[str, Any] | None = None,
) -> tuple[Model, LoadedInputs]:
    """The step training (:func:`run_fold`) and corpus classification
    (:func:`polimodal.experiments.classify.classify_shard`) share: build the model
    (:func:`~polimodal.models.build.build_model`), give torch ``threads`` (when given and the
    model uses torch; an SVM job does not import it) and read what the model reads of
    ``video_ids`` from ``files`` (its ``text_fields`` for the text)."""
    model = build_model(model_name, model_cfg, classes, seed=seed, prompt=prompt)
    if threads and "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(int(threads))
    loaded = load_inputs(
        model.spec.inputs, files, video_ids, text_fields=text_fields(model), model=model_name
    )
    return model, loaded


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
    files: Files,
    model_name: str,
    model_cfg: Mapping[str, Any],
    predictions_out: PathLike,
    workdir: PathLike,
    *,
    classes: Sequence[str],
    seed: int = 42,
    threads: int | None = None,
    prompt: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Fit ``model_name`` on ``task``'s fold ``fold`` and write its PREDICTIONS; return the summary.

    ``files``: file name → path(s) of the model's inputs (:mod:`polimodal.data.inputs`).
    ``threads``: when given and the model uses torch, ``torch.set_num_threads(threads)``.
    ``prompt``: the task's prompt (``tasks.<task>.prompt``), given to generative models as their
    ``prompt`` parameter unless their own section sets one.
    """
    t0 = time.monotonic()
    df = splits if isinstance(splits, pd.DataFrame) else read_splits(splits)
    ids = df["video_id"].astype(str).unique().tolist()
    model, data = prepare(
        model_name, model_cfg, classes, files, ids, seed=seed + fold, threads=threads, prompt=prompt
    )
    parts = data.fold(df, fold)
    log.info(
        "task %s, model %s (%s), fold %d: %s",
        task,
        model_name,
        model.kind,
        fold,
        ", ".join(f"{k} {len(v)}" for k, v in parts.items()),
    )
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
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
        kind=model.kind,
        fold=fold,
        seed=seed + fold,
        text_fields=text_fields(model),
        n={k: len(v) for k, v in parts.items()},
        seconds=round(time.monotonic() - t0, 3),
    )
    (workdir / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    log.info("done in %.1f s: %s", time.monotonic() - t0, predictions_out)
    return summary


def _to_arrow(df: pd.DataFrame):
    import pyarrow as pa

    return pa.Table.from_pandas(df, schema=PREDICTIONS, preserve_index=False)
