"""Evaluation: metrics per task × model × fold × split, then mean ± sd over folds.

Outputs (plain tables, readable with pandas alone):

- **metrics** (tidy, one row per task × model × fold × split × metric × class): columns ``task,
  model, modality, fold, split, metric, class, value``. ``metric`` ∈ accuracy, macro_f1,
  weighted_f1 (``class`` = ``""``) and precision, recall, f1, support (one row per class).
- **confusion** (tidy): ``task, model, fold, split, true, predicted, n`` for every pair of classes.
- **summary over folds** (tidy): ``task, model, modality, split, metric, class, mean, sd, n_folds``
  (sd = sample standard deviation, ddof 1; 0 with one fold).
- **summary table**: one row per task × model on the test split: ``task, model, modality,
  n_folds, macro_f1_mean, macro_f1_sd, accuracy_mean, accuracy_sd, weighted_f1_mean,
  weighted_f1_sd, macro_f1`` (the text "0.812 ± 0.021").

Per-class precision/recall/F1 follow scikit-learn with ``zero_division=0``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from polimodal.corpus.experiment_schemas import PREDICTIONS
from polimodal.corpus.schemas import read_parquet
from polimodal.models.selection import macro_f1
from polimodal.types import PathLike

log = logging.getLogger(__name__)
METRIC_COLUMNS = ["task", "model", "modality", "fold", "split", "metric", "class", "value"]
CONFUSION_COLUMNS = ["task", "model", "fold", "split", "true", "predicted", "n"]


def classification_metrics(
    y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str]
) -> list[dict]:
    """Metric rows (``metric, class, value``) for one set of predictions."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    classes = list(classes)
    rows: list[dict] = [
        {
            "metric": "accuracy",
            "class": "",
            "value": float(accuracy_score(y_true, y_pred)) if len(y_true) else 0.0,
        },
    ]
    rows.append(
        {
            "metric": "macro_f1",
            "class": "",
            "value": macro_f1(y_true, y_pred, classes) if len(y_true) else 0.0,
        }
    )
    weighted = (
        f1_score(y_true, y_pred, labels=classes, average="weighted", zero_division=0) if len(y_true) else 0.0
    )
    rows.append({"metric": "weighted_f1", "class": "", "value": float(weighted)})
    p, r, f, s = (
        precision_recall_fscore_support(y_true, y_pred, labels=classes, average=None, zero_division=0)
        if len(y_true)
        else (np.zeros(len(classes)),) * 4
    )
    for j, c in enumerate(classes):
        for name, arr in (("precision", p), ("recall", r), ("f1", f), ("support", s)):
            rows.append({"metric": name, "class": c, "value": float(arr[j])})
    return rows


def confusion(y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str]) -> np.ndarray:
    """Confusion matrix, rows = true class, columns = predicted class, in ``classes`` order."""
    from sklearn.metrics import confusion_matrix

    if not len(y_true):
        return np.zeros((len(classes), len(classes)), dtype=int)
    return confusion_matrix(y_true, y_pred, labels=list(classes))


def evaluate_predictions(
    predictions: pd.DataFrame, modalities: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(metrics, confusion)`` tidy tables from a PREDICTIONS frame of any number of runs."""
    modalities = modalities or {}
    mrows: list[dict] = []
    crows: list[dict] = []
    keys = ["task", "model", "fold", "split"]
    for (task, model, fold, split), g in predictions.groupby(keys, sort=True):
        classes = list(g["classes"].iloc[0])
        key = {"task": task, "model": model, "fold": int(fold), "split": split}
        for row in classification_metrics(g["label"].tolist(), g["predicted"].tolist(), classes):
            mrows.append({**key, "modality": modalities.get(model, ""), **row})
        cm = confusion(g["label"].tolist(), g["predicted"].tolist(), classes)
        for i, t in enumerate(classes):
            for j, p in enumerate(classes):
                crows.append({**key, "true": t, "predicted": p, "n": int(cm[i, j])})
    return (
        pd.DataFrame(mrows, columns=METRIC_COLUMNS),
        pd.DataFrame(crows, columns=CONFUSION_COLUMNS),
    )


def summarise(metrics: pd.DataFrame) -> pd.DataFrame:
    """Mean ± sd over folds of every metric (tidy)."""
    keys = ["task", "model", "modality", "split", "metric", "class"]
    g = metrics.groupby(keys, sort=True, dropna=False)["value"]
    out = g.agg(mean="mean", sd=lambda v: float(np.std(v, ddof=1)) if len(v) > 1 else 0.0, n_folds="count")
    return out.reset_index()


def summary_table(summary: pd.DataFrame, split: str = "test") -> pd.DataFrame:
    """One row per task × model: macro F1 (and accuracy, weighted F1) mean ± sd on ``split``."""
    s = summary[(summary["split"] == split) & (summary["class"] == "")]
    rows = []
    for (task, model, modality), g in s.groupby(["task", "model", "modality"], sort=False):
        row: dict = {"task": task, "model": model, "modality": modality, "n_folds": int(g["n_folds"].max())}
        for metric in ("macro_f1", "accuracy", "weighted_f1"):
            m = g[g["metric"] == metric]
            row[f"{metric}_mean"] = float(m["mean"].iloc[0]) if len(m) else float("nan")
            row[f"{metric}_sd"] = float(m["sd"].iloc[0]) if len(m) else float("nan")
        row["macro_f1"] = f"{row['macro_f1_mean']:.3f} ± {row['macro_f1_sd']:.3f}"
        rows.append(row)
    cols = [
        "task",
        "model",
        "modality",
        "n_folds",
        "macro_f1_mean",
        "macro_f1_sd",
        "accuracy_mean",
        "accuracy_sd",
        "weighted_f1_mean",
        "weighted_f1_sd",
        "macro_f1",
    ]
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values(["task", "macro_f1_mean"], ascending=[True, False], kind="stable").reset_index(
        drop=True
    )


def read_metrics(path: PathLike) -> pd.DataFrame:
    """The tidy metrics table :func:`evaluate` wrote (Parquet, or CSV by suffix)."""
    path = Path(path)
    if path.suffix == ".csv":
        return pd.read_csv(path, keep_default_na=False)
    return pd.read_parquet(path)


def read_predictions(paths: Iterable[PathLike]) -> pd.DataFrame:
    frames = [read_parquet(p, PREDICTIONS).to_pandas() for p in paths]
    if not frames:
        return PREDICTIONS.empty_table().to_pandas()
    return pd.concat(frames, ignore_index=True)


def evaluate(
    prediction_paths: Iterable[PathLike],
    *,
    metrics_out: PathLike,
    confusion_out: PathLike,
    summary_out: PathLike,
    table_out: PathLike,
    metrics_csv_out: PathLike | None = None,
    html_out: PathLike | None = None,
    modalities: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read PREDICTIONS files, write metrics/confusion/summary (Parquet or CSV by suffix) and the
    task × model table (CSV, and HTML for the report); return the table."""
    preds = read_predictions(prediction_paths)
    metrics, conf = evaluate_predictions(preds, modalities)
    summ = summarise(metrics)
    table = summary_table(summ)
    outs = [(metrics, metrics_out), (metrics, metrics_csv_out), (conf, confusion_out), (summ, summary_out)]
    for df, out in [*outs, (table, table_out)]:
        if out is not None:
            _write(df, out)
    if html_out is not None:
        cols = ["task", "model", "modality", "n_folds", "macro_f1", "accuracy_mean", "weighted_f1_mean"]
        Path(html_out).write_text(table[cols].to_html(index=False, border=0, float_format="{:.3f}".format))
    log.info("summary (test split):\n%s", table.to_string(index=False))
    return table


def _write(df: pd.DataFrame, out: PathLike) -> None:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".parquet":
        df.to_parquet(out, index=False)
    else:
        df.to_csv(out, index=False)
