"""Channels → videos: the channels sheet, its channels' names and shards, and the settings of the step.

The workflow reads a video sheet (:mod:`polimodal.corpus.samples`: ``video_id``, ``source``,
labels); a study often starts from channels instead (a party's or outlet's channels, each with
its ideology). A **channels sheet** (tab-separated, or comma-separated when the name ends in .csv;
every value is text) has a column ``channel`` -- a channel URL (``https://www.youtube.com/@x``,
``.../channel/UC…``, a playlist, or any page or feed yt-dlp lists, e.g. an RSS feed), a YouTube
``@handle`` or a ``UC…`` channel id -- and any further columns (labels such as ``ideology``).
:mod:`polimodal.extract.channels` lists each channel with yt-dlp's flat listing (no media fetched)
and keeps every entry (LISTING); :mod:`polimodal.corpus.channel_selection` chooses each channel's
videos and :func:`polimodal.corpus.channel_videos.update_video_sheet` appends them to the video
sheet with the channel's columns, a ``channel`` column and what the listing said of each
(``listing_title``, ``listing_upload_time``: :data:`polimodal.corpus.videos.LISTING_COLUMNS`; the
ingest job falls back on them where the media's metadata lacks a title or date, e.g. a feed's
media file).

**Why two steps.** Shards are runs of the video sheet's rows, and the workflow makes its jobs
from them when it is parsed, so the video sheet must exist before the rest of the workflow can
be planned: ``snakemake list_videos`` (or ``polimodal channels``) writes it, then ``snakemake``
runs on it. No rule of the main workflow depends on the listing, so ``snakemake`` alone never
re-lists a channel.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import pandas as pd

from polimodal.corpus.columns import check_near_misses, near_misses
from polimodal.corpus.samples import shard_name
from polimodal.corpus.sheets import read_table_file
from polimodal.corpus.videos import LISTING_COLUMNS
from polimodal.errors import ConfigError, SampleSheetError
from polimodal.options import choice, options_from_section

#: The channels sheet's required column; a ``video_id``, ``source``, ``post_id`` or ``listing_*``
#: column would clash with the video sheet's own (made from the listing).
CHANNEL_COLUMN = "channel"
RESERVED_COLUMNS = ("video_id", "source", "post_id", *LISTING_COLUMNS)

_HANDLE_RE = re.compile(r"^@[\w.·-]{1,100}$")
_CHANNEL_ID_RE = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com"}
#: A YouTube channel's home (no tab): listing it lists videos, shorts and live streams.
_YOUTUBE_CHANNEL_HOME_RE = re.compile(r"^/(@[^/]+|channel/UC[A-Za-z0-9_-]{22}|c/[^/]+|user/[^/]+)$")


@dataclass
class ChannelOptions:
    """Settings of the channels → videos step; fields mirror config section ``channels``.

    The ``ingest`` section's ``sleep_interval``, ``retries``, ``socket_timeout`` and ``cookies``
    say how politely channels are listed.
    """

    #: The channels sheet (null: no channels step; the video sheet is written by hand).
    sheet: str | None = None
    #: Channels per listing job.
    shard_size: int = 50
    #: At most this many videos per channel in the video sheet (null: every video listed).
    max_videos: int | None = None
    #: false: a channel's first ``max_videos`` in listing order; true: a seeded random sample.
    sample: bool = False
    #: Seed of the random sample.
    seed: int = 0
    #: Earliest upload date kept (YYYY-MM-DD, inclusive; null: no bound).
    date_from: str | date | None = None
    #: Latest upload date kept (YYYY-MM-DD, inclusive; null: no bound).
    date_to: str | date | None = None
    #: With a date range: keep or drop the entries the listing gives no date for.
    undated: str = choice("keep", ("keep", "drop"))
    #: List a YouTube channel's /videos tab and drop live streams and shorts.
    exclude_shorts_live: bool = False
    #: Rewrite the carried columns of a channel's rows already in the video sheet.
    relabel: bool = False
    #: The listing round: raise it to list every channel again (new videos are appended).
    refresh: int = 0

    #: What a listing job's result depends on (its params and the per-channel keys).
    LISTING: ClassVar[tuple[str, ...]] = ("exclude_shorts_live", "refresh")

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> ChannelOptions:
        """Build from the ``channels`` section of the config (missing keys take defaults)."""
        return options_from_section(cls, section, "config channels")

    def check(self, where: str) -> None:
        if self.shard_size < 1:
            raise ConfigError(f"{where}.shard_size: must be >= 1, got {self.shard_size}")
        if self.max_videos is not None and self.max_videos < 1:
            raise ConfigError(f"{where}.max_videos: must be >= 1 or null, got {self.max_videos}")
        self.date_from = _iso_date(self.date_from, f"{where}.date_from")
        self.date_to = _iso_date(self.date_to, f"{where}.date_to")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ConfigError(f"{where}: date_from {self.date_from} is after date_to {self.date_to}")

    def listing_settings(self) -> dict[str, Any]:
        """The settings a channel's listing depends on (not the selection)."""
        return {name: getattr(self, name) for name in self.LISTING}

    def selection_settings(self) -> dict[str, Any]:
        """The settings that choose the videos from the listings (not where the sheets are)."""
        skip = {"sheet", "shard_size", *self.LISTING}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}

    @property
    def date_range(self) -> bool:
        return bool(self.date_from or self.date_to)


def _iso_date(value: Any, where: str) -> str | None:
    """``value`` (a date, or text YYYY-MM-DD: YAML reads an unquoted date as a date) as YYYY-MM-DD."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()[:10]
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ConfigError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


# ----------------------------------------------------------------------------- channel names
def channel_url(value: str) -> str | None:
    """The URL of a channels-sheet value (None when it is none of a URL, @handle or UC… id).

    ``@handle`` → ``https://www.youtube.com/@handle``, ``UC…`` → ``.../channel/UC…``; a URL keeps
    its path and query, with the scheme and host in lower case (YouTube's hosts as
    ``www.youtube.com``) and no trailing ``/``, so that two spellings of a channel are one. A
    YouTube handle is in lower case too (YouTube ignores its case: ``@SomeParty`` is ``@someparty``);
    a ``UC…`` id and the path of any other URL keep their case.
    """
    value = value.strip()
    if _HANDLE_RE.fullmatch(value):
        return f"https://www.youtube.com/{value.lower()}"
    if _CHANNEL_ID_RE.fullmatch(value):
        return f"https://www.youtube.com/channel/{value}"
    if re.match(r"^(www\.|m\.)?youtube\.com/", value, re.IGNORECASE):
        value = "https://" + value
    if not re.match(r"^https?://[^/\s]+", value, re.IGNORECASE) or re.search(r"\s", value):
        return None
    parts = urlsplit(value)
    host = parts.netloc.lower()
    if host in _YOUTUBE_HOSTS:
        host = "www.youtube.com"
    path = parts.path.rstrip("/") if parts.path != "/" else ""
    if host == "www.youtube.com":
        path = re.sub(r"^/@[^/]+", lambda m: m.group(0).lower(), path)
    return urlunsplit((parts.scheme.lower(), host, path, parts.query, ""))


def listing_url(url: str, exclude_shorts_live: bool) -> str:
    """The URL to list: a YouTube channel's /videos tab when shorts and live streams are excluded."""
    parts = urlsplit(url)
    if (
        exclude_shorts_live
        and parts.netloc == "www.youtube.com"
        and _YOUTUBE_CHANNEL_HOME_RE.match(parts.path)
    ):
        return urlunsplit(parts._replace(path=parts.path + "/videos"))
    return url


def channel_key(url: str) -> str:
    """A file-name-safe, stable id of a channel: a readable part of its URL and a digest of it."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s and s not in ("videos", "channel", "c", "user")]
    readable = segments[-1] if segments else parts.netloc
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", readable).strip("-")[:40] or "channel"  # no ".": file names
    return f"{slug}-{hashlib.sha1(url.encode(), usedforsecurity=False).hexdigest()[:10]}"


# ----------------------------------------------------------------------------- the channels sheet
def read_channel_sheet(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and check a channels sheet: one row per channel, column ``channel`` plus labels.

    Every column is text; blank lines are skipped; ``channel`` values are stripped and a
    ``channel_url`` column (:func:`channel_url`) is added. Raises :class:`SampleSheetError`
    naming the file, line (header = line 1), column and value for: a missing file, a byte that is
    not UTF-8, a missing ``channel`` column, a ``video_id``/``source``/``post_id`` column, an
    empty channel, a value that is no channel URL, @handle or UC… id, the same channel twice
    (also when spelt two ways: a handle in another case is the same), a sheet without rows, and a
    header column that is ``channel`` or a video sheet's column misspelt (``Channel``, ``chanel``:
    :mod:`polimodal.corpus.columns`).
    """
    path = Path(path)
    what = f"channels sheet {path}"
    df = read_table_file(path, what, "channel")
    # `Channel`, `chanel`, `Source`...: read as labels (and carried onto the video sheet) otherwise
    check_near_misses(near_misses(df.columns, (CHANNEL_COLUMN, *RESERVED_COLUMNS)), what)
    if CHANNEL_COLUMN not in df.columns:
        raise SampleSheetError(
            f"{what}: line 1 (header): no column {CHANNEL_COLUMN!r} (a channel URL, @handle or UC… id "
            f"per row); found {list(df.columns)}"
            + (" (is it tab-separated?)" if len(df.columns) == 1 else "")
        )
    clash = [c for c in RESERVED_COLUMNS if c in df.columns]
    if clash:
        raise SampleSheetError(
            f"{what}: line 1 (header): column(s) {clash} belong to the video sheet, which the listing "
            f"makes (video_id and source of each video listed); a channels sheet holds "
            f"{CHANNEL_COLUMN!r} and labels"
        )
    df = df[~(df == "").all(axis=1)]
    lines = [int(i) + 2 for i in df.index]
    df = df.reset_index(drop=True)
    df[CHANNEL_COLUMN] = df[CHANNEL_COLUMN].str.strip()
    if df.empty:
        raise SampleSheetError(f"{what} has no rows: add one row per channel below the header")
    empty = [lines[i] for i in df.index[df[CHANNEL_COLUMN] == ""]]
    if empty:
        raise SampleSheetError(f"{what}: column {CHANNEL_COLUMN!r} is empty on line(s) {empty[:10]}")
    urls = [channel_url(v) for v in df[CHANNEL_COLUMN]]
    bad = [
        f"line {lines[i]}: {v!r}"
        for i, (v, u) in enumerate(zip(df[CHANNEL_COLUMN], urls, strict=True))
        if u is None
    ]
    if bad:
        raise SampleSheetError(
            f"{what}: column {CHANNEL_COLUMN!r}: {len(bad)} value(s) that are no channel URL "
            "(http(s)://...), @handle or UC… channel id: " + "; ".join(bad[:10])
        )
    seen: dict[str, int] = {}
    dups = []
    for i, url in enumerate(urls):
        if url in seen:
            dups.append(f"{url} on lines {seen[url]} and {lines[i]}")
        else:
            seen[str(url)] = lines[i]
    if dups:
        raise SampleSheetError(f"{what}: the same channel twice: " + "; ".join(dups[:10]))
    df["channel_url"] = urls
    df.attrs["lines"] = lines
    return df


def carried_columns(channels: pd.DataFrame) -> list[str]:
    """The columns of a channels sheet carried onto each of its videos (besides ``channel``)."""
    return [c for c in channels.columns if c not in (CHANNEL_COLUMN, "channel_url")]


def channel_shard_digests(channels: pd.DataFrame, shard_size: int) -> list[str]:
    """One digest per shard of ``shard_size`` channels (file order) over its channels: a listing job
    reruns when its channels change, not when a label does."""
    values = list(channels[CHANNEL_COLUMN])
    out = []
    for start in range(0, len(values), shard_size):
        raw = "\x1e".join(values[start : start + shard_size]).encode()
        out.append(hashlib.sha1(raw, usedforsecurity=False).hexdigest()[:16])
    return out


def channel_shards(channels: pd.DataFrame, shard_size: int) -> list[str]:
    """The shard names (wildcard values) of a channels sheet."""
    return [shard_name(i) for i in range(len(channel_shard_digests(channels, shard_size)))]


def shard_channels(channels: pd.DataFrame, index: int, shard_size: int) -> list[tuple[str, str]]:
    """``(channel, channel_url)`` of the channels of shard ``index``."""
    rows = channels.iloc[index * shard_size : (index + 1) * shard_size]
    if rows.empty:
        raise SampleSheetError(f"channel shard {index} does not exist: the channels sheet is shorter")
    return list(zip(rows[CHANNEL_COLUMN], rows["channel_url"], strict=True))


def channel_cache(listing_out: str | os.PathLike[str]) -> Path:
    """The folder of a listing job's per-channel results (beside its output, never deleted by
    Snakemake, so a killed or rerun job does not list a finished channel again)."""
    out = Path(listing_out)
    return out.with_name(f".{out.name}.channels")
