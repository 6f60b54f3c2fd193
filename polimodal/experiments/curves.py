"""Precision–recall curves and the threshold a user picks for few false positives.

A macro F1 says how good a classifier is at its default decision; a user who will classify millions
of videos and read the positives by hand wants fewer false positives and asks what recall that
costs. Every model writes one score per class and video (PREDICTIONS ``classes``/``scores``:
probabilities, SVM decision values, or — for frame models — the mean of the frames'
probabilities); ranking the test videos by one class's score gives its precision–recall curve.

- :func:`pr_curves`: per task × model × class (one-vs-rest), the curve over the test videos of
  all folds pooled (``threshold, precision, recall``), via scikit-learn.
- :func:`operating_points`: per task × model × class, the lowest threshold whose precision reaches
  ``target`` (default 0.9) and the recall it keeps; none when no threshold reaches it, and the
  average precision (area under the curve) beside it.
- :func:`plot_pr_curves`: one panel per class of a task, a curve per model.

Scores are compared within one model only (an SVM's decision values are not probabilities), so the
thresholds are per model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from polimodal.experiments.metrics import read_predictions
from polimodal.experiments.plots import _save, plt
from polimodal.types import PathLike

CURVE_COLUMNS = ["task", "model", "class", "threshold", "precision", "recall"]
POINT_COLUMNS = ["task", "model", "class", "target_precision", "threshold", "precision", "recall",
                 "average_precision", "n_positive", "n"]  # fmt: skip


def _class_scores(g: pd.DataFrame, cls: str) -> np.ndarray:
    return np.array([s[list(c).index(cls)] for c, s in zip(g["classes"], g["scores"], strict=True)], float)


def _groups(predictions: pd.DataFrame, split: str):
    p = predictions[predictions["split"] == split]
    for (task, model), g in p.groupby(["task", "model"], sort=True):
        classes = list(g["classes"].iloc[0])
        for cls in classes:
            y = (g["label"] == cls).to_numpy()
            yield task, model, cls, y, _class_scores(g, cls)


def pr_curves(predictions: pd.DataFrame, split: str = "test") -> pd.DataFrame:
    """Precision–recall points per task × model × class (columns :data:`CURVE_COLUMNS`)."""
    from sklearn.metrics import precision_recall_curve

    frames = []
    for task, model, cls, y, s in _groups(predictions, split):
        if y.sum() == 0:
            continue
        precision, recall, thresholds = precision_recall_curve(y, s)
        # the last point (precision 1, recall 0) has no threshold: give it +inf
        thresholds = np.append(thresholds, np.inf)
        frames.append(
            pd.DataFrame(
                {
                    "task": task,
                    "model": model,
                    "class": cls,
                    "threshold": thresholds,
                    "precision": precision,
                    "recall": recall,
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CURVE_COLUMNS)


def operating_points(predictions: pd.DataFrame, target: float = 0.9, split: str = "test") -> pd.DataFrame:
    """The lowest threshold with precision ≥ ``target`` per task × model × class (:data:`POINT_COLUMNS`).

    Lowest threshold = most recall at that precision. When no threshold reaches the target the
    row has NaN threshold and recall 0, so it is visible that the model cannot deliver it.
    """
    from sklearn.metrics import average_precision_score, precision_recall_curve

    rows = []
    for task, model, cls, y, s in _groups(predictions, split):
        row = {"task": task, "model": model, "class": cls, "target_precision": target,
               "n_positive": int(y.sum()), "n": len(y)}  # fmt: skip
        if y.sum() == 0:
            rows.append({**row, "threshold": np.nan, "precision": np.nan, "recall": np.nan,
                         "average_precision": np.nan})  # fmt: skip
            continue
        precision, recall, thresholds = precision_recall_curve(y, s)
        ok = np.flatnonzero(precision[:-1] >= target)
        ap = float(average_precision_score(y, s))
        if len(ok):
            best = ok[np.argmax(recall[ok])]
            rows.append({**row, "threshold": float(thresholds[best]), "precision": float(precision[best]),
                         "recall": float(recall[best]), "average_precision": ap})  # fmt: skip
        else:
            rows.append({**row, "threshold": np.nan, "precision": np.nan, "recall": 0.0,
                         "average_precision": ap})  # fmt: skip
    return pd.DataFrame(rows, columns=POINT_COLUMNS)


def plot_pr_curves(curves: pd.DataFrame, points: pd.DataFrame, task: str, out: PathLike) -> Path:
    """Precision–recall curves of ``task``: a panel per class, a line per model, the chosen points marked."""
    c = curves[curves["task"] == task]
    classes = list(dict.fromkeys(c["class"]))
    n = max(1, len(classes))
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n, 3.4), squeeze=False)
    for ax, cls in zip(axes[0], classes, strict=False):
        for model, g in c[c["class"] == cls].groupby("model", sort=True):
            line = ax.step(g["recall"], g["precision"], where="post", label=model)[0]
            pt = points[(points["task"] == task) & (points["model"] == model) & (points["class"] == cls)]
            if len(pt) and np.isfinite(pt["threshold"].iloc[0]):
                ax.scatter(pt["recall"], pt["precision"], color=line.get_color(), zorder=3)
        target = points["target_precision"].iloc[0] if len(points) else None
        if target is not None:
            ax.axhline(target, color="#999999", lw=0.8, ls="--")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_title(f"{task}: {cls}", fontsize=9)
    if not classes:
        axes[0][0].text(0.5, 0.5, "no scores", ha="center", va="center")
        axes[0][0].axis("off")
    else:
        axes[0][-1].legend(fontsize=7, loc="lower left")
    return _save(fig, out)


def write_precision_recall(
    predictions: Sequence[PathLike], *, curves_out: PathLike, points_out: PathLike, target: float = 0.9
) -> pd.DataFrame:
    """The test curves (Parquet) and operating points at ``target`` precision (CSV) of the predictions."""
    preds = read_predictions(predictions)
    curves = pr_curves(preds)
    points = operating_points(preds, target=target)
    Path(curves_out).parent.mkdir(parents=True, exist_ok=True)
    curves.to_parquet(curves_out, index=False)
    points.to_csv(points_out, index=False)
    return points


def plot_task_pr(curves: PathLike, points: PathLike, task: str, out: PathLike) -> Path:
    """:func:`plot_pr_curves` from the files :func:`write_precision_recall` wrote."""
    labels = {"task": str, "model": str, "class": str}
    return plot_pr_curves(pd.read_parquet(curves), pd.read_csv(points, dtype=labels), task, out)
