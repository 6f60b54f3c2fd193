"""Figures of the report (matplotlib, Agg backend: no display needed).

- :func:`plot_macro_f1`: one task, bar per model, height = test macro F1 mean over folds, error bar
  = sd, bar colour = modality (text / image / multimodal), like the seed's "Results overview".
- :func:`plot_confusion`: one task, a heat map per model of the test confusion matrix summed over
  folds (cell text = count), rows = true label, columns = predicted label.
- :func:`plot_data_table`: the data table (N and % per value per task) as a figure.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from polimodal.types import PathLike

MODALITY_COLOURS = {"text": "#1f77b4", "image": "#ff7f0e", "multimodal": "#2ca02c", "": "#7f7f7f"}


def _save(fig: plt.Figure, out: PathLike) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return out


def plot_macro_f1(table: pd.DataFrame, task: str, out: PathLike) -> Path:
    """Bar chart of macro F1 (mean ± sd over folds, test split) by model for ``task``.

    ``table`` is :func:`polimodal.experiments.metrics.summary_table`'s output.
    """
    t = table[table["task"] == task].sort_values("macro_f1_mean", ascending=False, kind="stable")
    fig, ax = plt.subplots(figsize=(max(3.5, 0.9 * len(t) + 1.5), 3.5))
    colours = [MODALITY_COLOURS.get(m, MODALITY_COLOURS[""]) for m in t["modality"]]
    x = np.arange(len(t))
    ax.bar(x, t["macro_f1_mean"], yerr=t["macro_f1_sd"], color=colours, capsize=4)
    for xi, (m, s) in enumerate(zip(t["macro_f1_mean"], t["macro_f1_sd"], strict=True)):
        ax.text(xi, min(m + s + 0.02, 1.02), f"{m:.2f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, t["model"], rotation=30, ha="right")
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("macro F1 (test, mean ± sd over folds)")
    ax.set_title(f"{task}")
    present = [m for m in MODALITY_COLOURS if m and m in set(t["modality"])]
    ax.legend(
        handles=[Patch(color=MODALITY_COLOURS[m], label=m) for m in present],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=8,
        title="modality",
    )
    return _save(fig, out)


def plot_confusion(confusion: pd.DataFrame, task: str, out: PathLike, split: str = "test") -> Path:
    """Heat maps of ``split`` confusion matrices (summed over folds), one panel per model."""
    c = confusion[(confusion["task"] == task) & (confusion["split"] == split)]
    models = sorted(c["model"].unique())
    n = max(1, len(models))
    fig, axes = plt.subplots(1, n, figsize=(3.4 * n, 3.2), squeeze=False)
    for ax, model in zip(axes[0], models, strict=False):
        g = c[c["model"] == model]
        classes = list(dict.fromkeys(g["true"]))
        m = (
            g.groupby(["true", "predicted"])["n"]
            .sum()
            .unstack(fill_value=0)
            .reindex(index=classes, columns=classes, fill_value=0)
            .to_numpy()
        )
        ax.imshow(m, cmap="Blues")
        for i in range(len(classes)):
            for j in range(len(classes)):
                ax.text(
                    j,
                    i,
                    str(m[i, j]),
                    ha="center",
                    va="center",
                    color="white" if m[i, j] > m.max() / 2 else "black",
                    fontsize=9,
                )
        ax.set_xticks(range(len(classes)), classes, rotation=30, ha="right")
        ax.set_yticks(range(len(classes)), classes)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(model)
    if not models:
        axes[0][0].text(0.5, 0.5, "no predictions", ha="center", va="center")
        axes[0][0].axis("off")
    fig.suptitle(f"{task}: confusion ({split}, summed over folds)")
    return _save(fig, out)


def plot_data_table(data_table: pd.DataFrame, out: PathLike) -> Path:
    """The data table (``polimodal.experiments.tasks.data_table``) rendered as a figure."""
    df = data_table.copy()
    df["percent"] = df["percent"].map(lambda v: f"{v:.1f}%")
    fig, ax = plt.subplots(figsize=(6, 0.3 * (len(df) + 2) + 0.4))
    ax.axis("off")
    tab = ax.table(
        cellText=df.astype(str).to_numpy(), colLabels=list(df.columns), loc="center", cellLoc="left"
    )
    tab.auto_set_font_size(False)
    tab.set_fontsize(8)
    tab.scale(1, 1.2)
    ax.set_title("Data: videos per task and label (available videos; unavailable ones excluded)", fontsize=9)
    return _save(fig, out)


def make_plots(
    table: PathLike | pd.DataFrame,
    confusion: PathLike | pd.DataFrame,
    task: str,
    f1_out: PathLike,
    confusion_out: PathLike,
) -> None:
    """The two figures of ``task`` from the summary table (CSV) and confusion table (Parquet)."""
    table = table if isinstance(table, pd.DataFrame) else pd.read_csv(table, keep_default_na=False)
    confusion = confusion if isinstance(confusion, pd.DataFrame) else pd.read_parquet(confusion)
    plot_macro_f1(table, task, f1_out)
    plot_confusion(confusion, task, confusion_out)
