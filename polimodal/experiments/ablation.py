"""The FND-CLIP ablation table: each fusion with and without the contrastive term, next to the
single-modality and CLIP baselines, per task (``results/tables/ablation.csv`` / ``.html``).

Rows come from the summary table of :func:`polimodal.experiments.metrics.evaluate` (test macro F1,
mean ± sd over folds). Every ``kind: fndclip`` model of the run is a row of the ablation, labelled
with its ``fusion`` and its λ (``contrastive``; parameters it does not set take the kind's
defaults); every other model of the run (BERT, CNN, CLIP, SVM, ...) is a baseline row, labelled
with its kind. Declare the ablation as several ``fndclip`` entries under ``models:``, e.g.
``fnd_dot: {kind: fndclip, fusion: dot}`` and ``fnd_dot_nocl: {kind: fndclip, fusion: dot,
contrastive: 0}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

import pandas as pd

from polimodal.models.torch.params import FndClipParams
from polimodal.types import PathLike

FUSION_ORDER = ("concat", "dot", "fusion_layer")
COLUMNS = [
    "task",
    "model",
    "kind",
    "modality",
    "fusion",
    "contrastive",
    "n_folds",
    "macro_f1",
    "macro_f1_mean",
    "accuracy_mean",
]


def ablation_models(models: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per model: ``model, kind, fusion, contrastive`` (the last two for fndclip only)."""
    defaults = {f.name: f.default for f in fields(FndClipParams)}
    rows = []
    for name, cfg in models.items():
        kind = str(cfg.get("kind"))
        row: dict[str, Any] = {"model": name, "kind": kind, "fusion": "", "contrastive": float("nan")}
        if kind == "fndclip":
            fusion = cfg.get("fusion") or defaults["fusion"]
            lam = cfg.get("contrastive")
            row.update(fusion=fusion, contrastive=float(defaults["contrastive"] if lam is None else lam))
        rows.append(row)
    return pd.DataFrame(rows, columns=["model", "kind", "fusion", "contrastive"])


def ablation_table(table: pd.DataFrame, models: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The ablation rows of a summary table (see the module docstring): FND-CLIP variants first
    (by fusion, then with the contrastive term before without), then the baselines by macro F1."""
    info = ablation_models(models)
    df = table.merge(info, on="model", how="inner")
    if df.empty:
        return pd.DataFrame(columns=COLUMNS)
    fnd = df["kind"] == "fndclip"
    df["_group"] = (~fnd).astype(int)
    df["_fusion"] = df["fusion"].map({f: i for i, f in enumerate(FUSION_ORDER)}).fillna(len(FUSION_ORDER))
    df["_lam"] = -df["contrastive"].fillna(0.0)
    df["_f1"] = -df["macro_f1_mean"]
    df = df.sort_values(["task", "_group", "_fusion", "_lam", "_f1"], kind="stable")
    return df[COLUMNS].reset_index(drop=True)


def write_ablation(
    table_csv: PathLike, models: Mapping[str, Mapping[str, Any]], *, csv_out: PathLike, html_out: PathLike
) -> pd.DataFrame:
    """Read the summary table CSV, write the ablation table as CSV and HTML (one table per task)."""
    table = pd.read_csv(table_csv, keep_default_na=False)
    for col in ("macro_f1_mean", "accuracy_mean"):
        table[col] = pd.to_numeric(table[col], errors="coerce")
    out = ablation_table(table, models)
    Path(csv_out).parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(csv_out, index=False)
    parts = []
    for task, g in out.groupby("task", sort=True):
        shown = g.drop(columns=["task", "macro_f1_mean"]).copy()
        shown["contrastive"] = [
            "" if k != "fndclip" else (f"λ = {v:g}" if v > 0 else "off")
            for k, v in zip(g["kind"], g["contrastive"], strict=True)
        ]
        parts.append(
            f"<h3>{task}</h3>\n" + shown.to_html(index=False, border=0, float_format="{:.3f}".format)
        )
    Path(html_out).write_text("\n".join(parts) or "<p>no model of the run</p>")
    return out
