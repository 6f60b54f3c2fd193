"""The study's comparisons, from the summary table the workflow already writes.

The YouTube study reports its results as comparisons rather than one bar chart per task:

- **overview**: every task × model, macro F1 mean ± sd over folds, coloured by modality;
- **fine-tuned vs zero-shot**: each generative checkpoint with and without LoRA, paired;
- **modalities**: per task the best text-only, image-only, audio and multimodal model;
- **VLM vs LLM**: the vision-language models against the text-only generative models, each with
  the same fine-tuning (zero-shot against zero-shot, LoRA against LoRA).

:func:`comparisons_table` gives them as one tidy table (``comparison, task, a, b, a_macro_f1,
b_macro_f1, difference``: ``difference`` = a − b); :func:`plot_comparisons` draws the figures.
What is compared comes from the config, read through :class:`ModelInfo`: a zero-shot model and a
LoRA model are a pair when they are the same kind and name the same checkpoint (``model:``).
A comparison that the config cannot make (no VLM, no LoRA twin) is simply absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from polimodal.experiments.plots import MODALITY_COLOURS, _save, plt
from polimodal.types import PathLike

COMPARISON_COLUMNS = ["comparison", "task", "a", "b", "a_macro_f1", "b_macro_f1", "difference"]
MODALITIES = ("text", "image", "audio", "multimodal")


@dataclass(frozen=True)
class ModelInfo:
    """What the comparisons need to know of a configured model."""

    kind: str
    checkpoint: str = ""  # `model:` of the config ("" for kinds without one)
    finetune: str = ""  # none | lora for generative kinds, "" otherwise

    @classmethod
    def from_config(cls, models: Mapping[str, Mapping[str, Any]]) -> dict[str, ModelInfo]:
        return {
            name: cls(
                kind=str(cfg.get("kind", "")),
                checkpoint=str(cfg.get("model", "") or ""),
                finetune=str(cfg.get("finetune", "none")) if cfg.get("kind") in ("llm", "vlm") else "",
            )
            for name, cfg in models.items()
        }


def finetune_pairs(models: Mapping[str, ModelInfo]) -> list[tuple[str, str]]:
    """``(lora model, zero-shot model)`` pairs: same kind, same checkpoint."""
    pairs = []
    for name, info in sorted(models.items()):
        if info.finetune != "lora":
            continue
        for other, o in sorted(models.items()):
            if o.finetune == "none" and (o.kind, o.checkpoint) == (info.kind, info.checkpoint):
                pairs.append((name, other))
                break
    return pairs


def _score(table: pd.DataFrame, task: str, model: str) -> float | None:
    row = table[(table["task"] == task) & (table["model"] == model)]
    return float(row["macro_f1_mean"].iloc[0]) if len(row) else None


def _best(t: pd.DataFrame, models: list[str]) -> tuple[str, float] | None:
    part = t[t["model"].isin(models)]
    if part.empty:
        return None
    row = part.sort_values(["macro_f1_mean", "model"], ascending=[False, True], kind="stable").iloc[0]
    return str(row["model"]), float(row["macro_f1_mean"])


def comparisons_table(table: pd.DataFrame, models: Mapping[str, ModelInfo]) -> pd.DataFrame:
    """Every comparison the config allows, per task (columns :data:`COMPARISON_COLUMNS`).

    ``table`` is the summary table (``task, model, modality, macro_f1_mean, ...``).
    """
    rows: list[dict[str, Any]] = []

    def add(comparison: str, task: str, a: tuple[str, float] | None, b: tuple[str, float] | None) -> None:
        if a is not None and b is not None:
            rows.append(
                {
                    "comparison": comparison,
                    "task": task,
                    "a": a[0],
                    "b": b[0],
                    "a_macro_f1": a[1],
                    "b_macro_f1": b[1],
                    "difference": a[1] - b[1],
                }
            )

    pairs = finetune_pairs(models)
    for task, t in table.groupby("task", sort=True):
        for lora, zero in pairs:
            a, b = _score(table, task, lora), _score(table, task, zero)
            add(
                "fine-tuned vs zero-shot",
                task,
                None if a is None else (lora, a),
                None if b is None else (zero, b),
            )
        by_modality = {m: _best(t, list(t.loc[t["modality"] == m, "model"])) for m in MODALITIES}
        for other in ("text", "image", "audio"):
            add(f"multimodal vs {other}-only", task, by_modality["multimodal"], by_modality[other])
        for finetune in ("none", "lora"):
            vlm = [m for m, i in models.items() if i.kind == "vlm" and i.finetune == finetune]
            llm = [m for m, i in models.items() if i.kind == "llm" and i.finetune == finetune]
            label = "zero-shot" if finetune == "none" else "fine-tuned"
            add(f"VLM vs LLM ({label})", task, _best(t, vlm), _best(t, llm))
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def plot_overview(table: pd.DataFrame, out: PathLike) -> Path:
    """All tasks in one figure: a group of bars per task, one bar per model, coloured by modality."""
    tasks = sorted(table["task"].unique())
    models = list(dict.fromkeys(table.sort_values(["modality", "model"], kind="stable")["model"]))
    width = 0.8 / max(1, len(models))
    fig, ax = plt.subplots(figsize=(max(5.0, 1.2 * len(tasks) * max(1, len(models)) * 0.35 + 2), 3.8))
    for j, model in enumerate(models):
        part = table[table["model"] == model].set_index("task").reindex(tasks)
        modality = part["modality"].dropna().iloc[0] if part["modality"].notna().any() else ""
        x = np.arange(len(tasks)) - 0.4 + width * (j + 0.5)
        ax.bar(
            x,
            part["macro_f1_mean"].fillna(0),
            width,
            yerr=part["macro_f1_sd"].fillna(0),
            color=MODALITY_COLOURS.get(modality, MODALITY_COLOURS[""]),
            edgecolor="white",
            capsize=2,
        )
        for xi, v in zip(x, part["macro_f1_mean"], strict=True):
            if np.isfinite(v):
                ax.text(xi, 0.01, model, rotation=90, ha="center", va="bottom", fontsize=6, color="white")
    ax.set_xticks(range(len(tasks)), tasks)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("macro F1 (test, mean ± sd over folds)")
    ax.set_title("All tasks and models")
    present = [m for m in MODALITY_COLOURS if m and m in set(table["modality"])]
    ax.legend(
        handles=[plt.Rectangle((0, 0), 1, 1, color=MODALITY_COLOURS[m]) for m in present],
        labels=present,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=8,
        title="modality",
    )
    return _save(fig, out)


def plot_comparison(comparisons: pd.DataFrame, which: str, out: PathLike, title: str = "") -> Path:
    """One comparison family (``which`` is a prefix of ``comparison``): a dumbbell per task and pair.

    Each row joins b (open circle) to a (filled circle); the label gives the difference.
    """
    c = comparisons[comparisons["comparison"].str.startswith(which)].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(6.5, 0.45 * max(1, len(c)) + 1.2))
    if c.empty:
        ax.text(0.5, 0.5, f"no {which} comparison in this config", ha="center", va="center")
        ax.axis("off")
        return _save(fig, out)
    y = np.arange(len(c))[::-1]
    for yi, row in zip(y, c.itertuples(), strict=True):
        ax.plot([row.b_macro_f1, row.a_macro_f1], [yi, yi], color="#999999", zorder=1)
        ax.scatter([row.b_macro_f1], [yi], facecolors="white", edgecolors="black", zorder=2)
        ax.scatter([row.a_macro_f1], [yi], color="black", zorder=2)
        ax.text(1.07, yi, f"{row.difference:+.2f}", va="center", fontsize=8)
    ax.set_yticks(y, [f"{r.task}: {r.a} vs {r.b}" for r in c.itertuples()], fontsize=8)
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("macro F1 (test, mean over folds); filled: first named, open: second")
    ax.set_title(title or which)
    return _save(fig, out)


def plot_comparisons(table: pd.DataFrame, comparisons: pd.DataFrame, out_dir: PathLike) -> dict[str, Path]:
    """The overview and one figure per comparison family in ``out_dir``."""
    out_dir = Path(out_dir)
    return {
        "overview": plot_overview(table, out_dir / "overview.png"),
        "finetune": plot_comparison(comparisons, "fine-tuned vs zero-shot", out_dir / "finetune.png"),
        "modality": plot_comparison(
            comparisons, "multimodal vs", out_dir / "modality.png", "best multimodal vs best unimodal model"
        ),
        "vlm_llm": plot_comparison(
            comparisons, "VLM vs LLM", out_dir / "vlm_vs_llm.png", "best VLM vs best LLM, same fine-tuning"
        ),
    }


def write_comparisons(
    table: PathLike | pd.DataFrame,
    models: Mapping[str, Mapping[str, Any]],
    *,
    csv_out: PathLike,
    html_out: PathLike,
    figures: Mapping[str, PathLike],
) -> pd.DataFrame:
    """The comparisons of the summary table (CSV) as CSV, HTML and the figures named in ``figures``
    (keys ``overview``, ``finetune``, ``modality``, ``vlm_llm``)."""
    table = table if isinstance(table, pd.DataFrame) else pd.read_csv(table, keep_default_na=False)
    comparisons = comparisons_table(table, ModelInfo.from_config(models))
    Path(csv_out).parent.mkdir(parents=True, exist_ok=True)
    comparisons.to_csv(csv_out, index=False)
    html = comparisons.to_html(index=False, border=0, float_format="%.3f") if len(comparisons) else ""
    Path(html_out).write_text(html or "<p>No comparison: the run has one kind of model only.</p>")
    plot_overview(table, figures["overview"])
    titles = {
        "finetune": ("fine-tuned vs zero-shot", "fine-tuned vs zero-shot, same checkpoint"),
        "modality": ("multimodal vs", "best multimodal vs best unimodal model"),
        "vlm_llm": ("VLM vs LLM", "best VLM vs best LLM, same fine-tuning"),
    }
    for key, (which, title) in titles.items():
        plot_comparison(comparisons, which, figures[key], title)
    return comparisons
