"""Train / validation / test splits shared by every model of a task.

What a *fold* is, exactly
-------------------------
For a task with usable videos V (labelled, in the task's subset, available), ``experiments.seed``
= s, ``experiments.folds`` = F, ``test_size`` = t (default 0.2), ``validation_size`` = v (0.2):

1. **Test set (one per task, the same in every fold).** V is split once, stratified by label,
   into a test set (≈ t of each class) and a development set (the rest), with random generator
   ``numpy.random.default_rng([s, 0])``.
2. **Fold k = 0 … F-1.** The development set is split again, stratified, into a training set
   (≈ 1 - v) and a validation set (≈ v), with generator ``default_rng([s, k + 1])``. Folds are
   therefore *repeated random sub-samplings* of the development set: validation sets of different
   folds are drawn independently and may overlap; they are not the parts of a k-fold partition.
3. A model is trained on fold k's training set, selects hyper-parameters / epochs / thresholds on
   fold k's validation set, and is scored on the validation and the (shared) test set. Metrics
   are reported per fold and as mean ± sd over the F folds: the sd measures sensitivity to the
   training sample and the model's own randomness, with the test rows held fixed.

Stratified draw (both steps): the videos of each class, sorted by video_id, are shuffled with the
generator (classes in the order of the task's ``values``), and the first
``k_c = max(1, floor(n_c · frac + 0.5))`` go to the held-out part, capped at ``n_c - 1`` so that
every class keeps at least one training example (a class of one video holds out none). Everything
is deterministic given the seed, the task's values and the set of usable videos (the sheet order
does not matter).

The SPLITS table (``results/splits/{task}.parquet``,
:data:`polimodal.corpus.experiment_schemas.SPLITS`) has one row per fold × video with ``split`` ∈
{train, validation, test}; test rows repeat in every fold.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from polimodal.corpus.experiment_schemas import SPLITS
from polimodal.corpus.posts import DEFAULT_TEXT_COLUMNS
from polimodal.corpus.samples import read_sample_sheet
from polimodal.corpus.schemas import write_parquet
from polimodal.errors import ConfigError
from polimodal.experiments.tasks import Task, available_videos, language_exclusions, task_labels
from polimodal.options import options_from_section
from polimodal.types import PathLike

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExperimentOptions:
    """Config section ``experiments``: the settings that define the splits, and which models run."""

    seed: int = 42  # fixes the test split and every fold's train/validation split
    folds: int = 3
    test_size: float = 0.2  # share of each class held out as the test set
    validation_size: float = 0.2  # share of the non-test part of each class used for validation
    models: list[str] | None = None  # names of `models` to run; None: all of them
    group_by: list[str] = field(default_factory=list)  # sheet columns (or language) for results by group
    group_min_n: int = 10  # smaller groups (or single-class ones) are marked too small
    target_precision: float = 0.9  # the operating point's precision (few false positives)

    def check(self, where: str) -> None:
        if int(self.group_min_n) < 1:
            raise ConfigError(f"{where}.group_min_n: must be >= 1, got {self.group_min_n}")
        if not 0 < float(self.target_precision) <= 1:
            raise ConfigError(f"{where}.target_precision: must be in (0, 1], got {self.target_precision}")
        if int(self.folds) < 1:
            raise ConfigError(f"{where}.folds: must be >= 1, got {self.folds}")
        for key in ("test_size", "validation_size"):
            if not 0 < float(getattr(self, key)) < 1:
                raise ConfigError(f"{where}.{key}: must be in (0, 1), got {getattr(self, key)}")

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> ExperimentOptions:
        """Build from the ``experiments`` config section; missing keys take the defaults."""
        return options_from_section(cls, section, "config experiments")


def stratified_holdout(
    video_ids: Sequence[str],
    labels: Sequence[str],
    classes: Sequence[str],
    frac: float,
    rng: np.random.Generator,
) -> tuple[list[str], list[str]]:
    """``(kept, held_out)`` video ids: a stratified random ``frac`` of each class is held out."""
    if not 0 < frac < 1:
        raise ConfigError(f"split fraction must be in (0, 1), got {frac}")
    by_class: dict[str, list[str]] = {c: [] for c in classes}
    for vid, lab in zip(video_ids, labels, strict=True):
        if lab not in by_class:
            raise ConfigError(f"label {lab!r} of video {vid!r} is not one of {list(classes)}")
        by_class[lab].append(vid)
    kept: list[str] = []
    held: list[str] = []
    for c in classes:
        ids = sorted(by_class[c])
        n = len(ids)
        if n == 0:
            continue
        k = min(max(1, math.floor(n * frac + 0.5)), n - 1)
        perm = rng.permutation(n)
        held.extend(ids[i] for i in perm[:k])
        kept.extend(ids[i] for i in perm[k:])
    return sorted(kept), sorted(held)


def make_splits(
    task: str,
    labels: pd.DataFrame,
    classes: Sequence[str],
    **settings: Any,
) -> pa.Table:
    """The SPLITS table of one task from its usable ``labels`` (columns video_id, label).

    ``settings``: ``seed``, ``folds``, ``test_size``, ``validation_size`` (defaults and checks:
    :class:`ExperimentOptions`).
    """
    opts = options_from_section(ExperimentOptions, settings, "experiments")
    seed, test_size, validation_size = opts.seed, opts.test_size, opts.validation_size
    folds = opts.folds
    if labels["video_id"].duplicated().any():
        raise ConfigError(f"task {task!r}: duplicate video ids in labels")
    label_of = dict(zip(labels["video_id"], labels["label"], strict=True))
    ids, labs = list(label_of), list(label_of.values())
    dev, test = stratified_holdout(ids, labs, classes, test_size, np.random.default_rng([seed, 0]))
    rows = []
    for k in range(folds):
        train, val = stratified_holdout(
            dev, [label_of[v] for v in dev], classes, validation_size, np.random.default_rng([seed, k + 1])
        )
        for split, part in (("train", train), ("validation", val), ("test", test)):
            rows.extend(
                {"task": task, "fold": k, "video_id": v, "label": label_of[v], "split": split} for v in part
            )
    return pa.Table.from_pylist(rows, schema=SPLITS)


def write_splits(
    task: str,
    labels: pd.DataFrame,
    classes: Sequence[str],
    out: PathLike,
    **settings: Any,
) -> Path:
    """:func:`make_splits` written to ``out`` (checked against SPLITS)."""
    return write_parquet(make_splits(task, labels, classes, **settings), out, SPLITS)


def write_task_splits(
    name: str,
    task_cfg: Mapping[str, Any],
    sheet: PathLike,
    videos: PathLike,
    out: PathLike,
    excluded: PathLike | None = None,
    text_columns: Sequence[str] = DEFAULT_TEXT_COLUMNS,
    **settings: Any,
) -> Path:
    """The SPLITS of one task: its labelled, available videos split as described above.

    ``excluded``: the videos in a language the run does not keep (config ``languages``), left out
    before the draw (the split stays a function of the usable videos); a value they leave with
    too few videos is a LabelError naming ``languages``, the videos excluded per language and the
    value lost. ``text_columns``: a posts
    sheet's text columns (config ``posts.text_columns``). ``settings``: the split
    keys of the ``experiments`` section (:class:`ExperimentOptions`).
    """
    task = Task.from_config(name, task_cfg)
    sheet_df = read_sample_sheet(sheet, text_columns=text_columns)
    tl = task_labels(task, sheet_df, available_videos(videos), language_exclusions(excluded))
    log.info(
        "task %s: %d videos %s, %d unavailable or in a language not kept excluded",
        name,
        len(tl.labels),
        tl.counts(),
        len(tl.unavailable),
    )
    return write_splits(name, tl.labels, task.values, out, **settings)
