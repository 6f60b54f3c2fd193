"""A videos sheet: one row per video (the first kind of corpus, ``corpus: videos``, the default).

Columns (tab-separated, or comma-separated when the name ends in .csv; every value is text):

- ``video_id`` -- unique id (letters, digits, ``_ - .``: :data:`polimodal.corpus.samples.VIDEO_ID_RE`);
- ``source`` -- a YouTube id or URL, another http(s) URL or a local path (:func:`source_kind`);
- ``listing_title``, ``listing_upload_time`` (optional) -- what a channel's listing said of the
  video (:data:`LISTING_COLUMNS`): written by ``list_videos`` (:mod:`polimodal.corpus.channel_videos`)
  on the rows it appends, empty on rows typed in by hand. The ingest job takes a video's title
  and upload time from them where the media's own metadata lacks one (a feed's media file has
  only its file name and the server's Last-Modified date; VIDEOS ``title_source`` /
  ``upload_time_source`` say which it was). ``listing_upload_time`` is ISO 8601
  (``2020-03-03T10:00:00Z``; a date alone is midnight UTC);
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
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from polimodal.corpus.columns import check_near_misses, near_misses
from polimodal.errors import SampleSheetError

YOUTUBE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{11}$")
REQUIRED_COLUMNS = ("video_id", "source")
#: The listing's title and upload time of a listed video (empty: not listed, or not known).
LISTING_COLUMNS = ("listing_title", "listing_upload_time")
#: The columns a videos sheet is read by: its own, ``channel`` (the channels step matches a row to
#: its channel by it) and ``post_id`` (it makes a sheet a posts sheet). A header column that is one
#: of them spelt another way stops the reading (:mod:`polimodal.corpus.columns`).
KNOWN_COLUMNS = (*REQUIRED_COLUMNS, "channel", "post_id", *LISTING_COLUMNS)


@dataclass(frozen=True)
class VideoSource:
    """One row of the sheet as the ingest stage needs it."""

    video_id: str
    source: str
    #: The channel listing's title and upload time (None: the row gives none).
    listing_title: str | None = None
    listing_upload_time: datetime | None = None

    def listed(self) -> dict[str, str]:
        """What the listing said of the video (empty for a row without listing values)."""
        values = {"title": self.listing_title, "upload_time": self.listing_upload_time}
        return {
            k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items() if v is not None
        }


def format_time(value: datetime) -> str:
    """A UTC time as ``listing_upload_time`` holds it (``2020-03-03T10:00:00Z``)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str) -> datetime | None:
    """A ``listing_upload_time`` value as a UTC time (None when empty; naive: UTC); ValueError if bad."""
    value = value.strip()
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


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
    if LISTING_COLUMNS[1] in df.columns:
        for i, value in zip(df.index, df[LISTING_COLUMNS[1]], strict=True):
            try:
                parse_time(value)
            except ValueError:
                raise SampleSheetError(
                    f"sample sheet {path}: line {line[i]} ({df.at[i, 'video_id']}), column "
                    f"{LISTING_COLUMNS[1]!r}: {value!r} is not an ISO 8601 time (2020-03-03T10:00:00Z)"
                ) from None
    return df


def sheet_videos(sheet: pd.DataFrame, text_columns: Sequence[str] = ()) -> list[VideoSource]:
    """The videos of a sheet's rows, in sheet order (with the listing's values where it has them)."""
    n = len(sheet)
    titles = sheet[LISTING_COLUMNS[0]] if LISTING_COLUMNS[0] in sheet.columns else [""] * n
    times = sheet[LISTING_COLUMNS[1]] if LISTING_COLUMNS[1] in sheet.columns else [""] * n
    return [
        VideoSource(v, s, t.strip() or None, parse_time(u))
        for v, s, t, u in zip(sheet["video_id"], sheet["source"], titles, times, strict=True)
    ]


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
