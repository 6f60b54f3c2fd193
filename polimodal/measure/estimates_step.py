"""The estimates of one task as a workflow step: the cross-fitted predictions of the whole corpus,
the settled codes and their inclusion probabilities → ``results/estimates/<task>/``.

Written: ``estimates.parquet`` / ``.csv`` (the three estimates of every value's share, over the
corpus, per group and as differences between groups; with ``truth`` when the sheet's labels are the
known truth, as in the demo), ``estimates.png`` (the figure) and, with a group column,
``regression.csv`` (the label regressed on the groups, linear probability, coded-only / predicted /
corrected, sandwich standard errors).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from polimodal.corpus.experiment_schemas import CLASSIFIED, SPLITS
from polimodal.corpus.schemas import read_parquet
from polimodal.errors import ConfigError
from polimodal.experiments.tasks import Task
from polimodal.measure.crossfit_jobs import check_out_of_part, coded_labels
from polimodal.measure.design import inclusion_probabilities
from polimodal.measure.estimate import add_pseudo_outcomes, regression, tuned_lambda
from polimodal.measure.report import corpus_table, known_truth, task_estimates, write_estimates
from polimodal.types import PathLike

log = logging.getLogger(__name__)


def estimates_step(
    task: Task,
    classified: Sequence[PathLike],
    splits: PathLike,
    labels: PathLike,
    state: PathLike,
    sheet: pd.DataFrame,
    *,
    group_by: str | None,
    truth: bool,
    out_dir: PathLike,
) -> pd.DataFrame:
    """Write the task's estimates (module docstring) and return the table."""
    frames = [read_parquet(p, CLASSIFIED).to_pandas() for p in classified]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if rows.empty:
        raise ConfigError(f"task {task.name!r}: no item was classified: no estimate")
    check_out_of_part(rows, read_parquet(splits, SPLITS).to_pandas())
    corpus = corpus_table(rows, task.values)
    gold = coded_labels(labels, task).set_index("video_id")["label"]
    corpus["gold"] = corpus["item_id"].map(gold)
    pi = inclusion_probabilities(pd.read_parquet(state))
    corpus["pi"] = corpus["item_id"].map(pi)
    coded = corpus["gold"].notna()
    lost = sorted(set(gold.index) - set(corpus["item_id"]))
    if lost:
        log.warning(
            "task %s: %d coded item(s) not in the classified corpus (e.g. %s)", task.name, len(lost), lost[0]
        )
    bad = coded & ~(corpus["pi"] > 0)
    if bad.any():
        raise ConfigError(
            f"task {task.name!r}: coded item {corpus.loc[bad, 'item_id'].iloc[0]!r} has no inclusion "
            "probability above 0 (it was not drawn by any batch of coding.batches)"
        )
    sheet = sheet.set_index("video_id")
    if group_by is not None:
        corpus[group_by] = corpus["item_id"].map(sheet[group_by].astype(str))
    table = task_estimates(corpus, list(task.values), group_by=group_by)
    if truth:
        known = pd.DataFrame(
            {"item_id": corpus["item_id"], "label": corpus["item_id"].map(sheet[task.column])}
        )
        if group_by is not None:
            known[group_by] = corpus[group_by]
        table = known_truth(table, known, group_by)
    out_dir = Path(out_dir)
    write_estimates(table, task.name, out_dir)
    regression = (
        regression_table(corpus, task, group_by)
        if group_by is not None
        else pd.DataFrame(columns=["term", "estimate", "se", "low", "high", "method", "task", "value"])
    )  # no group column (coding.group_by): no regression, an empty table
    regression.to_csv(out_dir / "regression.csv", index=False)
    log.info(
        "task %s: %d item(s), %d coded\n%s",
        task.name,
        len(corpus),
        int(coded.sum()),
        table.round(3).to_string(index=False),
    )
    return table


def regression_table(corpus: pd.DataFrame, task: Task, group_by: str) -> pd.DataFrame:
    """The last value's indicator regressed on ``group_by`` (linear probability), three ways."""
    value = str(task.values[-1])
    frame = pd.DataFrame(
        {
            "pred": corpus[f"score_{value}"].to_numpy(dtype=float),
            "gold": np.where(corpus["gold"].notna(), (corpus["gold"] == value).astype(float), np.nan),
            "coded": corpus["gold"].notna().to_numpy(),
            "pi": corpus["pi"].fillna(1.0).to_numpy(dtype=float),
            group_by: corpus[group_by].to_numpy(),
        }
    )
    lam = tuned_lambda(
        frame["pred"].to_numpy(), frame["gold"].to_numpy(), frame["coded"].to_numpy(), frame["pi"].to_numpy()
    )
    frame = add_pseudo_outcomes(frame, lam)
    methods = {"coded": "gold", "predicted": "pred", "corrected": "y_tilde"}
    tables = [regression(frame, [group_by], outcome=o).assign(method=m) for m, o in methods.items()]
    return pd.concat(tables, ignore_index=True).assign(task=task.name, value=value)
