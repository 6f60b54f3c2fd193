"""Cross-modal queries over the aligned table (the AfD analysis of Arnold & Küpfer, by hand).

- :func:`pitch_by_group`: pitch of the words (or segments) that match a pattern — a regex or a
  word list — grouped by any column(s) of the sample sheet, with the mean, sd and a 95 %
  confidence interval (t distribution), optionally beside the other words of the same groups
  as the reference; :func:`plot_pitch_by_group` draws it.
- :func:`highest_pitch`: the reverse direction: the words said at the highest relative pitch.
- :func:`frames_while_said` / :func:`contact_sheet`: the frames shown while a term is said.

The measure is a column of the ALIGNED table (default ``f0_mean_z``: speaker-relative pitch).
Intervals are over the units of ``level``: ``word`` (each matching word counts once; words of
one video are not independent, so these intervals are optimistic) or ``video`` (each video's
mean first, then the interval over videos: the conservative choice for inference).
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from polimodal.corpus.schemas import ALIGNED
from polimodal.errors import ConfigError
from polimodal.options import choice, options_from_section
from polimodal.types import PathLike

log = logging.getLogger(__name__)

#: Columns of the :func:`pitch_by_group` table after the group columns.
RESULT_COLUMNS = ["matches", "n", "n_videos", "mean", "sd", "ci_low", "ci_high"]
LEVELS = ("word", "video")
UNITS = ("word", "segment")


def read_aligned(where: PathLike | Sequence[PathLike]) -> pd.DataFrame:
    """The ALIGNED rows of a results folder (``<where>/aligned/*.parquet``), a folder of shard
    files, or a list of files."""
    if isinstance(where, str | Path):
        where = Path(where)
        if where.is_file():
            paths = [where]
        else:
            folder = where / "aligned" if (where / "aligned").is_dir() else where
            paths = sorted(folder.glob("*.parquet"))
    else:
        paths = [Path(p) for p in where]
    if not paths:
        raise ConfigError(f"{where}: no aligned table (results/aligned/*.parquet) found")
    for p in paths:  # a results folder without aligned/ holds other tables (videos.parquet, ...)
        missing = [c for c in ("video_id", "word") if c not in pq.read_schema(p).names]
        if missing:
            raise ConfigError(
                f"{where}: no aligned tables: {p} is not one (no column(s) {missing}); the align rule "
                "writes them to results/aligned/ (videos corpus only)"
            )
    tables = [pq.read_table(p).to_pandas() for p in paths]
    return pd.concat(tables, ignore_index=True) if tables else ALIGNED.empty_table().to_pandas()


def word_matcher(pattern: str | None = None, words: Sequence[str] | None = None) -> re.Pattern[str]:
    """A case-insensitive regex matching a whole word: ``pattern`` or any of ``words``."""
    if (pattern is None) == (words is None):
        raise ConfigError("give a regex pattern or a word list (exactly one of them)")
    if words is not None:
        pattern = "|".join(re.escape(w.strip()) for w in words if w.strip())
        if not pattern:
            raise ConfigError("the word list is empty")
    try:
        return re.compile(rf"(?:{pattern})", re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(f"query pattern {pattern!r}: {exc}") from None


def _normalise(word: str) -> str:
    return re.sub(r"^[^\w]+|[^\w]+$", "", word.strip())


def segments_of(aligned: pd.DataFrame) -> pd.DataFrame:
    """One row per transcript segment: its text and pitch (the words' means weighted by voiced frames)."""
    a = aligned.copy()
    w = a["n_voiced"].astype(float)
    numeric = [c for c in a.columns if c.startswith(("f0_", "intensity")) and not c.startswith("f0_sd")]
    for c in numeric:
        a[c + "__w"] = a[c].astype(float) * w
    a["__w"] = w.where(a["f0_mean"].notna(), 0.0)
    g = a.groupby(["video_id", "segment_id"], sort=False)
    out = g.agg(
        word=("word", " ".join), start=("start", "min"), end=("end", "max"), n_voiced=("n_voiced", "sum")
    )
    for c in numeric:
        out[c] = g[c + "__w"].sum(min_count=1) / g["__w"].sum().replace(0, np.nan)
    return out.reset_index()


def select(
    aligned: pd.DataFrame,
    pattern: str | None = None,
    words: Sequence[str] | None = None,
    *,
    unit: str = "word",
) -> pd.DataFrame:
    """The aligned rows (``unit`` word) or segments (``unit`` segment) with a ``matches`` column.

    A word matches when the regex matches the *whole* word (punctuation stripped, any case); a
    segment matches when the regex is found anywhere in its text.
    """
    if unit not in UNITS:
        raise ConfigError(f"query unit {unit!r}: one of {list(UNITS)}")
    rx = word_matcher(pattern, words)
    if unit == "segment":
        table = segments_of(aligned)
        table["matches"] = table["word"].map(lambda t: rx.search(t) is not None)
    else:
        table = aligned.copy()
        table["matches"] = table["word"].map(lambda t: rx.fullmatch(_normalise(t)) is not None)
    return table


def _interval(values: np.ndarray) -> tuple[float, float, float, float]:
    from scipy import stats

    values = values[np.isfinite(values)]
    n = len(values)
    if n == 0:
        return (np.nan,) * 4  # type: ignore[return-value]
    mean = float(values.mean())
    if n == 1:
        return mean, np.nan, np.nan, np.nan
    sd = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n))
    return mean, sd, mean - half, mean + half


def pitch_by_group(
    aligned: pd.DataFrame,
    sheet: pd.DataFrame | None,
    by: Sequence[str] | str = (),
    pattern: str | None = None,
    words: Sequence[str] | None = None,
    *,
    unit: str = "word",
    measure: str = "f0_mean_z",
    level: str = "word",
    reference: bool = True,
) -> pd.DataFrame:
    """Pitch of the matching words/segments per group of the sheet's ``by`` column(s).

    Returns one row per group (and, with ``reference``, one more per group for the words that do
    *not* match, ``matches`` False): group columns, then :data:`RESULT_COLUMNS`. Units without a
    value of ``measure`` (unvoiced words) are left out. ``sheet`` may be None when ``by`` is empty.
    """
    by = [by] if isinstance(by, str) else list(by)
    if level not in LEVELS:
        raise ConfigError(f"query level {level!r}: one of {list(LEVELS)}")
    table = select(aligned, pattern, words, unit=unit)
    if measure not in table.columns:
        known = [c for c in table.columns if c.startswith(("f0_", "intensity"))]
        raise ConfigError(f"query measure {measure!r} is not a column of the aligned table; one of {known}")
    if by:
        if sheet is None:
            raise ConfigError(f"grouping by {by} needs the sample sheet")
        missing = [c for c in by if c not in sheet.columns]
        if missing:
            raise ConfigError(
                f"group column(s) {missing} not in the sample sheet (columns: {list(sheet.columns)})"
            )
        table = table.merge(sheet[["video_id", *by]].astype({"video_id": str}), on="video_id", how="left")
    table = table[np.isfinite(table[measure].astype(float))]
    if not reference:
        table = table[table["matches"]]
    keys = [*by, "matches"]
    rows = []
    for key, part in table.groupby(keys, sort=True, dropna=False):
        values = part[measure].astype(float)
        if level == "video":
            values = values.groupby(part["video_id"]).mean()
        mean, sd, lo, hi = _interval(values.to_numpy())
        key = key if isinstance(key, tuple) else (key,)
        rows.append([*key, len(part), part["video_id"].nunique(), mean, sd, lo, hi])
    out = pd.DataFrame(rows, columns=[*by, *RESULT_COLUMNS])
    out["matches"] = out["matches"].astype(bool)
    return out.sort_values([*by, "matches"], ascending=[True] * len(by) + [False], ignore_index=True)


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


def highest_pitch(
    aligned: pd.DataFrame, n: int = 20, *, measure: str = "f0_mean_z", min_voiced: int = 3
) -> pd.DataFrame:
    """The ``n`` words said at the highest ``measure`` (words with at least ``min_voiced`` voiced frames)."""
    table = aligned[(aligned["n_voiced"] >= min_voiced) & aligned[measure].notna()]
    cols = ["video_id", "segment_id", "word_idx", "word", "start", "end", measure, "f0_mean", "frame_idx"]
    cols = list(dict.fromkeys(cols))
    return table.sort_values(measure, ascending=False).head(n)[cols].reset_index(drop=True)


def frames_while_said(
    aligned: pd.DataFrame,
    frames: Sequence[PathLike],
    pattern: str | None = None,
    words: Sequence[str] | None = None,
    *,
    max_frames: int = 16,
) -> list[tuple[str, bytes]]:
    """``(caption, jpeg)`` of the kept frames shown while a matching word is said (each frame once,
    in order of first mention; at most ``max_frames``). ``frames``: FRAMES files (e.g. every shard's)."""
    hits = select(aligned, pattern, words)
    hits = hits[hits["matches"] & hits["frame_idx"].notna()]
    wanted = hits.drop_duplicates(["video_id", "frame_idx"]).head(max_frames)
    if wanted.empty:
        return []
    keys = {
        (v, int(f)): w
        for v, f, w in zip(wanted["video_id"], wanted["frame_idx"], wanted["word"], strict=True)
    }
    found: dict[tuple[str, int], bytes] = {}
    vids = sorted({v for v, _ in keys})
    for path in frames:
        t = pq.read_table(path, columns=["video_id", "frame_idx", "jpeg"], filters=[("video_id", "in", vids)])
        for v, f, j in zip(
            *(t.column(c).to_pylist() for c in ("video_id", "frame_idx", "jpeg")), strict=True
        ):
            if (v, f) in keys and j is not None:
                found[(v, f)] = j
    return [(f"{v} #{f}: {keys[(v, f)]}", found[(v, f)]) for v, f in keys if (v, f) in found]


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


@dataclass(frozen=True)
class QueryOptions:
    """Settings of the ``query`` config section: the cross-modal query of the report."""

    pattern: str | None = None  # regex a whole word must match (any case); null and no words: no query
    words: list[str] = field(default_factory=list)  # or a word list (used when pattern is null)
    by: list[str] = field(default_factory=list)  # sample sheet column(s) to group by
    unit: str = choice("word", UNITS)  # word | segment (a segment matches when the regex occurs in it)
    measure: str = "f0_mean_z"  # a column of the aligned table
    level: str = choice("word", LEVELS)  # confidence intervals over words or over videos
    top: int = 20  # the words said at the highest relative pitch, listed beside
    max_frames: int = 16  # frames of the contact sheet

    @property
    def enabled(self) -> bool:
        return bool(self.pattern) or bool(self.words)

    def check(self, where: str) -> None:
        if self.pattern:
            word_matcher(self.pattern)
        if self.measure not in ALIGNED.names or not self.measure.startswith(("f0_", "intensity")):
            names = [n for n in ALIGNED.names if n.startswith(("f0_", "intensity"))]
            raise ConfigError(f"{where}.measure: {self.measure!r} is not one of {names}")
        if self.top < 1 or self.max_frames < 1:
            raise ConfigError(f"{where}: top and max_frames must be >= 1")

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> QueryOptions:
        return options_from_section(cls, section, "config query")


def run_query(
    aligned: PathLike | Sequence[PathLike],
    sheet: pd.DataFrame,
    options: QueryOptions,
    *,
    table_out: PathLike,
    figure_out: PathLike,
    top_out: PathLike | None = None,
    frames: Sequence[PathLike] = (),
    sheet_out: PathLike | None = None,
) -> pd.DataFrame:
    """The query of ``options`` as a CSV table and a figure (+ the top words and a contact sheet)."""
    table = read_aligned(aligned)
    pattern = options.pattern or None
    words = None if pattern else list(options.words)
    result = pitch_by_group(
        table,
        sheet,
        options.by,
        pattern,
        words,
        unit=options.unit,
        measure=options.measure,
        level=options.level,
    )
    Path(table_out).parent.mkdir(parents=True, exist_ok=True)
    result.to_csv(table_out, index=False)
    what = pattern or ", ".join(options.words)
    title = f"{options.measure} of the {options.unit}s matching {what!r}" + (
        f" by {', '.join(options.by)}" if options.by else ""
    )
    plot_pitch_by_group(result, figure_out, by=options.by, title=title, measure=options.measure)
    if top_out is not None:
        highest_pitch(table, options.top, measure=options.measure).to_csv(top_out, index=False)
    if sheet_out is not None:
        items = frames_while_said(table, frames, pattern, words, max_frames=options.max_frames)
        contact_sheet(items, sheet_out)
    log.info("query %s:\n%s", title, result.to_string(index=False))
    return result
