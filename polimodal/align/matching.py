"""Which words or segments of the aligned table a query matches (a regex or a word list).

A word matches when the regex matches the *whole* word (punctuation stripped, any case); a
segment (one transcript segment: its words' text and pitch) matches when the regex is found
anywhere in its text. :mod:`polimodal.align.stats` and :mod:`polimodal.align.query` select with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from polimodal.errors import ConfigError

UNITS = ("word", "segment")


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
    if "speaker" in a.columns:  # diarized: the speaker of most of the segment's words
        out["speaker"] = g["speaker"].agg(lambda s: s.mode().iloc[0] if s.notna().any() else None)
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
