"""Figures of the cross-modal queries: pitch by group with its intervals, contact sheets of frames."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from polimodal.types import PathLike


def plot_pitch_by_group(
    result: pd.DataFrame, out: PathLike, *, by: Sequence[str] | str = (), title: str = "", measure: str = ""
) -> Path:
    """Means with 95 % intervals of :func:`pitch_by_group`: one row per group, matching words in
    colour, the other words (reference) in grey."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by = [by] if isinstance(by, str) else list(by)
    groups = result[by].astype(str).agg(" / ".join, axis=1) if by else pd.Series(["all"] * len(result))
    labels = list(dict.fromkeys(groups))
    fig, ax = plt.subplots(figsize=(6, 0.6 * len(labels) + 1.6))
    for matches, colour, offset, name in [
        (True, "#d62728", 0.12, "matching"),
        (False, "#7f7f7f", -0.12, "other words"),
    ]:
        part = result[result["matches"] == matches]
        if part.empty:
            continue
        y = np.array([labels.index(g) for g in groups[part.index]]) + offset
        err = np.vstack([part["mean"] - part["ci_low"], part["ci_high"] - part["mean"]]).astype(float)
        err = np.nan_to_num(err)
        ax.errorbar(part["mean"], y, xerr=err, fmt="o", color=colour, capsize=3, label=name)
        for yi, n, m in zip(y, part["n"], part["mean"], strict=True):
            ax.annotate(
                f"n={n}", (m, yi), textcoords="offset points", xytext=(4, 4), fontsize=7, color=colour
            )
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(-0.6, len(labels) - 0.4)
    ax.invert_yaxis()
    ax.set_xlabel(f"{measure or 'pitch'}: mean and 95% CI")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8, loc="best")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return out


def contact_sheet(
    items: Sequence[tuple[str, bytes]], out: PathLike, *, columns: int = 4, side: int = 200
) -> Path:
    """A JPEG grid of ``(caption, jpeg)`` items (PIL), each scaled to ``side`` px wide."""
    from PIL import Image, ImageDraw

    if not items:  # a small sheet that says so, rather than no file
        blank = Image.new("RGB", (columns * side, 40), "white")
        ImageDraw.Draw(blank).text((4, 12), "no matching word has a kept frame", fill="black")
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        blank.save(out, format="JPEG", quality=90)
        return out
    thumbs = []
    for caption, jpeg in items:
        img = Image.open(io.BytesIO(jpeg)).convert("RGB")
        img = img.resize((side, max(1, round(img.height * side / img.width))))
        thumbs.append((caption, img))
    cell_h = max(t.height for _, t in thumbs) + 16
    rows = (len(thumbs) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * side, rows * cell_h), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (caption, img) in enumerate(thumbs):
        x, y = (i % columns) * side, (i // columns) * cell_h
        sheet.paste(img, (x, y))
        draw.text((x + 2, y + img.height + 2), caption[:34], fill="black")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out, format="JPEG", quality=90)
    return out
