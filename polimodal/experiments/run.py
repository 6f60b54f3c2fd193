"""Train and score one model on one task × fold: the body of the ``train`` rule.

:func:`run_fold` reads the task's SPLITS, builds the fold's :class:`~polimodal.experiments.data.VideoData`
(texts from transcripts/metadata per the model's ``text_fields``; frames only for models whose
modality is not ``text``; word / audio / frame-embedding sequences for models that read ``words``
or ``audio``), builds the model from the registry (``models.<name>.kind``), fits it
on the training split with the validation split for selection, predicts the validation and test
splits and writes PREDICTIONS (+ ``summary.json`` in ``workdir``). The model seed is
``experiments.seed + fold``.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from polimodal.corpus.schemas import PREDICTIONS, write_parquet
from polimodal.experiments.data import (
    FrameStore,
    VideoData,
    load_fold,
    read_splits,
    read_task_texts,
    read_texts,
)
from polimodal.models.registry import RUNNER_KEYS, check_model_config, model_class
from polimodal.types import PathLike

log = logging.getLogger(__name__)


@dataclass
class DataSources:
    """Where a fold's data is: the task's own tables (``texts`` + ``frames``, what the workflow
    gives, see :mod:`polimodal.experiments.taskdata`), or corpus-wide tables and shard files
    (``transcripts``/``videos`` + ``frames``/``dedup``; fine for a small corpus)."""

    texts: PathLike | None = None
    transcripts: PathLike | None = None
    videos: PathLike | None = None
    frames: Sequence[PathLike] = field(default_factory=list)
    dedup: Sequence[PathLike] | None = None
    #: ALIGNED, PITCH and EMBEDDINGS files (models that read ``words``/``audio``; the task's own,
    #: see :func:`polimodal.experiments.taskdata.build_task_sequences`, or every shard's + ``dedup``)
    aligned: Sequence[PathLike] = field(default_factory=list)
    pitch: Sequence[PathLike] = field(default_factory=list)
    embeddings: Sequence[PathLike] = field(default_factory=list)

    def read_texts(self, fields: Sequence[str]) -> dict[str, str]:
        if self.texts is not None:
            return read_task_texts(self.texts, fields)
        return read_texts(self.transcripts, self.videos, fields)


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
    prompt: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Fit ``model_name`` on ``task``'s fold ``fold`` and write its PREDICTIONS; return the summary.

    ``threads``: when given and the model uses torch, ``torch.set_num_threads(threads)``.
    ``prompt``: the task's prompt (``tasks.<task>.prompt``), given to generative models as their
    ``prompt`` parameter unless their own section sets one.
    """
    t0 = time.monotonic()
    spec = check_model_config(model_name, model_cfg)
    cls = model_class(spec.name)
    if threads and "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(int(threads))
    params = {k: v for k, v in model_cfg.items() if k not in RUNNER_KEYS}
    if spec.prompted and params.get("prompt") is None:
        params["prompt"] = prompt
    text_fields = list(model_cfg.get("text_fields") or ["transcript"])
    texts = data.read_texts(text_fields) if spec.reads("text") else {}
    store = FrameStore(data.frames, data.dedup) if spec.reads("frames") else None
    df = splits if isinstance(splits, pd.DataFrame) else read_splits(splits)
    sequences = None
    if spec.reads("words") or spec.reads("audio"):
        from polimodal.align.sequences import SequenceStore

        sequences = SequenceStore(
            data.aligned, data.pitch, data.embeddings, data.dedup if data.embeddings else None,
            video_ids=df["video_id"].astype(str).unique().tolist(),
        )  # fmt: skip
    parts = load_fold(df, fold, texts, store, sequences)
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


def _to_arrow(df: pd.DataFrame):
    import pyarrow as pa

    return pa.Table.from_pandas(df, schema=PREDICTIONS, preserve_index=False)
