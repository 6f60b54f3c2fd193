"""A videos sheet: one row per video (the first kind of corpus, ``corpus: videos``, the default).

Columns (tab-separated, or comma-separated when the name ends in .csv; every value is text):

- ``video_id`` -- unique id (letters, digits, ``_ - .``: :data:`polimodal.corpus.samples.VIDEO_ID_RE`);
- ``source`` -- a YouTube id or URL, another http(s) URL or a local path (:func:`source_kind`);
- any further columns are labels (tasks name them).

:func:`polimodal.corpus.samples.read_sample_sheet` reads the file, drops blank lines and checks the
ids; :func:`check_header` and :func:`video_rows` add what only a videos sheet needs
(:class:`SampleSheetError` naming the line: a missing ``video_id``/``source`` column, a column
that is a known one misspelt, an empty source). The kind itself is declared in
:data:`polimodal.corpus.samples.SHEET_KINDS`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from polimodal.corpus.columns import check_near_misses, near_misses
from polimodal.errors import SampleSheetError

YOUTUBE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{11}$")
REQUIRED_COLUMNS = ("video_id", "source")
#: The columns a videos sheet is read by: its own, ``channel`` (the channels step matches a row to
#: its channel by it) and ``post_id`` (it makes a sheet a posts sheet). A header column that is one
#: of them spelt another way stops the reading (:mod:`polimodal.corpus.columns`).
KNOWN_COLUMNS = (*REQUIRED_COLUMNS, "channel", "post_id")


@dataclass(frozen=True)
class VideoSource:
    """One row of the sheet as the ingest stage needs it."""

    video_id: str
    source: str


def check_header(columns: list[str], path: Path, text_columns: Sequence[str] = ()) -> None:
    """The header of a videos sheet names ``video_id`` and ``source``, and no column that is a known
    column spelt another way (``Source``, ``video_ID``: :data:`KNOWN_COLUMNS`); ``text_columns``:
    posts only."""
    check_near_misses(near_misses(columns, KNOWN_COLUMNS), f"sample sheet {path}")
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise SampleSheetError(
            f"sample sheet {path}: missing column(s) {missing}; found {columns}"
            + (" (is it tab-separated?)" if len(columns) == 1 else "")
        )


def video_rows(
    df: pd.DataFrame, path: Path, line: pd.Series, text_columns: Sequence[str] = ()
) -> pd.DataFrame:
    """Check a videos sheet's rows (blank lines dropped, ids checked): every row has a source
    (``text_columns``: posts only)."""
    df["source"] = df["source"].str.strip()
    empty = df["source"] == ""
    if empty.any():
        rows = [f"line {line[i]} ({df.at[i, 'video_id']})" for i in df.index[empty][:10]]
        raise SampleSheetError(f"sample sheet {path}: empty source on " + ", ".join(rows))
    return df


def sheet_videos(sheet: pd.DataFrame, text_columns: Sequence[str] = ()) -> list[VideoSource]:
    """The videos of a sheet's rows, in sheet order."""
    return [VideoSource(v, s) for v, s in zip(sheet["video_id"], sheet["source"], strict=True)]


def source_kind(source: str) -> str:
    """``youtube`` (a bare 11-character id or a YouTube URL), ``url`` or ``local``."""
    if YOUTUBE_ID_RE.fullmatch(source):
        return "youtube"
    low = source.lower()
    if low.startswith(("http://", "https://")):
        if re.match(r"^https?://([a-z0-9-]+\.)*(youtube\.com|youtu\.be)/", low):
            return "youtube"
        return "url"
    return "local"
