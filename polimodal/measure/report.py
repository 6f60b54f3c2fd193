"""The estimates of a task as tables and a figure: the three estimates per group, side by side.

:func:`task_estimates` turns one task's corpus table (every item's predicted scores, the coded
items' gold labels and inclusion probabilities) into the long table of
:func:`polimodal.measure.estimate.estimate_shares`, one block per label value;
:func:`write_estimates` writes it as Parquet and CSV with the figure. :data:`WHICH_TO_REPORT` is the
sentence the report prints under it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from polimodal.errors import ConfigError
from polimodal.measure.estimate import METHODS, estimate_shares
from polimodal.types import PathLike

WHICH_TO_REPORT = (
    "Report the corrected estimate with its interval. It combines the classifier's predictions for "
    "the whole corpus with the coded sample and its inclusion probabilities, so the classifier's "
    "errors (also where they differ between groups) do not bias it, and its interval counts the "
    "uncertainty of both. The coded-only estimate is unbiased too but wider; the counted predictions "
    "carry the classifier's bias, and their interval does not cover it."
)

COLOURS = {"coded": "#7f7f7f", "predicted": "#d62728", "corrected": "#1f77b4"}


def task_estimates(
    corpus: pd.DataFrame,
    values: Sequence[str],
    *,
    group_by: str | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Estimates of each value's share, over the corpus and per group.

    ``corpus``: one row per item with ``score_<value>`` for each value (the classifier's
    probability; a 0/1 indicator of the predicted label works too; the predicted label, which
    ``predicted`` counts, is the value of highest score), ``gold`` (the coded label as
    text, empty or NaN when not coded), ``pi`` (inclusion probability of coded items) and the
    ``group_by`` column. A coded item's gold label outside ``values`` is a ConfigError naming it.
    """
    gold = corpus["gold"].fillna("").astype(str)
    coded = gold != ""
    bad = coded & ~gold.isin([str(v) for v in values])
    if bad.any():
        i = corpus.index[bad][0]
        raise ConfigError(
            f"item {corpus.at[i, 'item_id']!r}: coded label {gold[i]!r} is none of {list(values)}"
        )
    scores = corpus[[f"score_{v}" for v in values if f"score_{v}" in corpus.columns]]
    predicted = (
        scores.idxmax(axis=1).str.removeprefix("score_") if len(scores.columns) == len(values) else None
    )
    blocks = []
    for value in values:
        column = f"score_{value}"
        if column not in corpus.columns:
            raise ConfigError(f"the corpus table has no column {column!r} (the predicted score of {value!r})")
        frame = pd.DataFrame(
            {
                "pred": corpus[column].to_numpy(dtype=float),
                "gold": np.where(coded, (gold == str(value)).astype(float), np.nan),
                "coded": coded.to_numpy(),
                "pi": corpus["pi"].to_numpy(dtype=float),
            }
        )
        if predicted is not None:  # what a count of predicted labels counts
            frame["label"] = (predicted == str(value)).astype(float).to_numpy()
        if group_by is not None:
            frame[group_by] = corpus[group_by].astype(str).to_numpy()
        blocks.append(estimate_shares(frame, group_by=group_by, level=level).assign(value=str(value)))
    table = pd.concat(blocks, ignore_index=True)
    return table[["value", *[c for c in table.columns if c != "value"]]]


def plot_estimates(table: pd.DataFrame, value: str, title: str, out: PathLike) -> Path:
    """One row per group (and difference), the three estimates of ``value``'s share with their
    intervals, side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    part = table[table["value"] == value]
    groups = list(dict.fromkeys(part["group"]))
    fig, ax = plt.subplots(figsize=(6.5, 0.55 * len(groups) + 1.4))
    for k, method in enumerate(METHODS):
        rows = part[part["method"] == method].set_index("group").reindex(groups)
        y = np.arange(len(groups)) + (k - 1) * 0.22
        ax.errorbar(
            rows["estimate"],
            y,
            xerr=[rows["estimate"] - rows["low"], rows["high"] - rows["estimate"]],
            fmt="o",
            color=COLOURS[method],
            label=method,
            capsize=3,
        )
    ax.set_yticks(np.arange(len(groups)), groups)
    ax.invert_yaxis()
    ax.axvline(0, color="#cccccc", lw=0.8)
    ax.set_xlabel(f"share of {value!r} (95 % interval)")
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def write_estimates(
    table: pd.DataFrame, task: str, out_dir: PathLike, *, value: str | None = None
) -> dict[str, Path]:
    """``estimates.parquet``, ``estimates.csv`` and ``estimates.png`` (the figure of ``value``, by
    default the last value: for a 0/1 task, the positive one) under ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table = table.assign(task=task)
    paths = {"parquet": out_dir / "estimates.parquet", "csv": out_dir / "estimates.csv"}
    table.to_parquet(paths["parquet"], index=False)
    table.to_csv(paths["csv"], index=False)
    shown = value if value is not None else str(table["value"].iloc[-1])
    paths["png"] = plot_estimates(table, shown, f"{task}: share of {shown!r}", out_dir / "estimates.png")
    return paths


def corpus_table(classified: pd.DataFrame, classes: Sequence[str]) -> pd.DataFrame:
    """One row per item (``item_id``, ``fold``, ``score_<value>``) from a CLASSIFIED table. Scores
    that are not probabilities (an SVM's margins) give way to the predicted label as 0/1."""
    out = pd.DataFrame({"item_id": classified["video_id"].astype(str), "fold": classified["fold"]})
    scores = np.array([list(row) for row in classified["scores"]], dtype=float).reshape(
        len(out), len(classes)
    )
    if not ((scores >= 0) & (scores <= 1)).all():  # margins (an SVM's), not probabilities: the labels
        predicted = classified["predicted"].astype(str).to_numpy()
        scores = np.stack([(predicted == str(v)).astype(float) for v in classes], axis=1)
    for j, value in enumerate(classes):
        out[f"score_{value}"] = scores[:, j]
    return out.reset_index(drop=True)


def known_truth(table: pd.DataFrame, truth: pd.DataFrame, group_by: str | None) -> pd.DataFrame:
    """``table`` with a ``truth`` column: each value's share of ``truth`` (item_id, label and the
    ``group_by`` column: the demo's sheet, whose labels are the truth over the whole corpus), over
    the corpus, per group and as the differences between groups."""
    shares: dict[tuple[str, str], float] = {}
    parts = [("all", truth)]
    if group_by is not None:
        parts += [(str(g), p) for g, p in truth.groupby(group_by, sort=True)]
    for value in table["value"].unique():
        for name, part in parts:
            shares[str(value), name] = float((part["label"].astype(str) == str(value)).mean())
    groups = [name for name, _ in parts[1:]]
    for value in table["value"].unique():
        for g in groups[1:]:
            shares[str(value), f"{g} - {groups[0]}"] = shares[str(value), g] - shares[str(value), groups[0]]
    return table.assign(
        truth=[
            shares.get((str(v), str(g)), np.nan) for v, g in zip(table["value"], table["group"], strict=True)
        ]
    )


def summary_lines(results: PathLike) -> list[str]:
    """``polimodal summary``'s lines of the measurement loop: agreement per task, and each task's
    share of its last value three ways (over the corpus)."""
    results = Path(results)
    lines: list[str] = []
    agreement = results / "coding" / "agreement.csv"
    if agreement.exists():
        table = pd.read_csv(agreement)
        lines.append(f"  agreement between coders ({agreement}):")
        for row in table.to_dict("records"):
            alpha = f"alpha {row.get('alpha', np.nan):.3f} [{row.get('alpha_low', np.nan):.3f}, "
            alpha += f"{row.get('alpha_high', np.nan):.3f}]"
            lines.append(
                f"      {row['task']:<16} {alpha}  agreement {row.get('percent_agreement', np.nan):.3f}  "
                f"items {row.get('n_items', '?')}, in disagreement {row.get('n_disagreements', '?')}"
            )
    for path in sorted((results / "estimates").glob("*/estimates.csv")):
        table = pd.read_csv(path, dtype={"value": str, "group": str})
        value = table["value"].iloc[-1]
        rows = table[(table["value"] == value) & (table["group"] == "all")]
        lines.append(f"  estimates, share of {value!r} over the corpus ({path}):")
        for row in rows.to_dict("records"):
            truth = f"  truth {row['truth']:.3f}" if "truth" in row and pd.notna(row["truth"]) else ""
            lines.append(
                f"      {row['method']:<10} {row['estimate']:.3f} [{row['low']:.3f}, {row['high']:.3f}]"
                f"  coded {row['n_coded']}{truth}"
            )
        if len(rows):
            lines.append("      report the corrected estimate (results/estimates; the report says why)")
    return lines
