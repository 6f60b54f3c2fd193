"""Cross-fitting as workflow jobs: ``k`` trainings on the coded labels, each classifying its part.

How the workflow guarantees that no coded item is predicted by a model that trained on it
(:mod:`polimodal.measure.crossfit` says why the experiment folds cannot serve):

- :func:`crossfit_splits` writes a SPLITS table whose fold ``j`` trains (and validates) only on
  coded items outside part ``j`` (:func:`~polimodal.measure.crossfit.parts`: a hash of the item id
  and ``coding.crossfit.seed``) and tests on the coded items of part ``j``;
- the ``coding_train`` rule trains fold ``j`` of the crossfit model (:func:`run_fold`, as every
  experiment) on that table;
- :func:`classify_parts` classifies each item of a shard with the model of its own part, so every
  item, coded or not, is predicted by a model that never saw its label; the CLASSIFIED rows' ``fold``
  is the part, and :func:`check_out_of_part` checks it again before any estimate.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from polimodal.corpus.experiment_schemas import CLASSIFIED, SPLITS
from polimodal.corpus.schemas import write_parquet
from polimodal.data.inputs import Files
from polimodal.errors import ConfigError
from polimodal.experiments.tasks import Task
from polimodal.measure.crossfit import parts
from polimodal.measure.design import uniforms
from polimodal.types import PathLike

log = logging.getLogger(__name__)

#: A seed for the validation slice of each fold's training items (distinct from the parts' own).
_VALIDATION_BATCH = 10_000


def coded_labels(labels: PathLike, task: Task) -> pd.DataFrame:
    """The settled labels of ``task`` (video_id, label), from the agreement step's TSV."""
    table = pd.read_csv(labels, sep="\t", dtype=str, keep_default_na=False)
    if task.name not in table.columns:
        return pd.DataFrame({"video_id": [], "label": []})
    out = table[["video_id", task.name]].rename(columns={task.name: "label"})
    return out[out["label"] != ""].reset_index(drop=True)


def crossfit_splits(
    task: Task, labels: PathLike, *, k: int, seed: int, validation: float, out: PathLike
) -> pd.DataFrame:
    """The SPLITS table of the cross-fitted trainings (module docstring). Each fold's training items
    must hold every value of the task twice (a ConfigError says how many are coded otherwise)."""
    coded = coded_labels(labels, task)
    part = parts(coded["video_id"], k, seed)
    val = uniforms(coded["video_id"], seed, _VALIDATION_BATCH) < validation
    rows = []
    for j in range(k):
        split = np.where(part == j, "test", np.where(val, "validation", "train"))
        train = coded.loc[split == "train", "label"].value_counts()
        short = {v: int(train.get(v, 0)) for v in task.values if train.get(v, 0) < 2}
        if short:
            raise ConfigError(
                f"coding.crossfit, task {task.name!r}, part {j}: the coded items outside this part "
                f"train too few of {short} ({len(coded)} coded in all): code more items, or lower "
                "coding.crossfit.k"
            )
        rows.append(
            pd.DataFrame(
                {
                    "task": task.name,
                    "fold": j,
                    "video_id": coded["video_id"],
                    "label": coded["label"],
                    "split": split,
                }
            )
        )
    table = pd.concat(rows, ignore_index=True)
    write_parquet(pa.Table.from_pandas(table, schema=SPLITS, preserve_index=False), out, SPLITS)
    log.info(
        "task %s: %d coded item(s) in %d parts %s", task.name, len(coded), k, np.bincount(part, minlength=k)
    )
    return table


def classify_parts(
    task: str,
    model_name: str,
    model_cfg: Mapping[str, Any],
    classes: Sequence[str],
    model_dirs: Sequence[PathLike],
    *,
    seed: int,
    videos: PathLike,
    files: Files,
    out: PathLike,
    threads: int | None = None,
    prompt: Mapping[str, Any] | None = None,
) -> pa.Table:
    """Every video of a shard classified by the crossfit model of its part (``model_dirs[j]``)."""
    from polimodal.experiments.classify import classify_videos, shard_video_ids

    ids = shard_video_ids(videos, files)
    part = parts(pd.Series(ids, dtype=str), len(model_dirs), seed) if ids else np.array([], int)
    tables = []
    for j, model_dir in enumerate(model_dirs):
        mine = [v for v, p in zip(ids, part, strict=True) if p == j]
        if mine:
            tables.append(
                classify_videos(
                    task,
                    model_name,
                    model_cfg,
                    classes,
                    model_dir,
                    j,
                    mine,
                    files,
                    threads=threads,
                    prompt=prompt,
                )
            )
    table = pa.concat_tables(tables) if tables else CLASSIFIED.empty_table()
    write_parquet(table, out, CLASSIFIED)
    log.info("task %s: %d video(s) classified by the crossfit model of their part", task, table.num_rows)
    return table


def check_out_of_part(classified: pd.DataFrame, splits: pd.DataFrame) -> None:
    """ConfigError when a coded item was predicted by a fold that trained or validated on it."""
    seen = splits[splits["split"] != "test"][["video_id", "fold"]]
    inside = classified.merge(seen, on=["video_id", "fold"])
    if len(inside):
        raise ConfigError(
            f"item {inside['video_id'].iloc[0]!r} was predicted by crossfit part "
            f"{int(inside['fold'].iloc[0])}, which trained on it: the correction would be wrong"
        )
