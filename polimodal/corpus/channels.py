"""Channels → videos: a channels sheet, the choice of each channel's videos, and the video sheet
they are appended to.

The workflow reads a video sheet (:mod:`polimodal.corpus.samples`: ``video_id``, ``source``,
labels); a study often starts from channels instead (a party's or outlet's channels, each with
its ideology). A **channels sheet** (tab-separated, or comma-separated when the name ends in .csv;
every value is text) has a column ``channel`` -- a channel URL (``https://www.youtube.com/@x``,
``.../channel/UC…``, a playlist, or any page or feed yt-dlp lists, e.g. an RSS feed), a YouTube
``@handle`` or a ``UC…`` channel id -- and any further columns (labels such as ``ideology``).
:mod:`polimodal.extract.channels` lists each channel with yt-dlp's flat listing (no media fetched)
and keeps every entry (LISTING); :func:`update_video_sheet` chooses each channel's videos and
appends them to the video sheet with the channel's columns, a ``channel`` column and what the
listing said of each (``listing_title``, ``listing_upload_time``:
:data:`polimodal.corpus.videos.LISTING_COLUMNS`; the ingest job falls back on them where the
media's metadata lacks a title or date, e.g. a feed's media file).

**Why two steps.** Shards are runs of the video sheet's rows, and the workflow makes its jobs
from them when it is parsed, so the video sheet must exist before the rest of the workflow can
be planned: ``snakemake list_videos`` (or ``polimodal channels``) writes it, then ``snakemake``
runs on it. No rule of the main workflow depends on the listing, so ``snakemake`` alone never
re-lists a channel.

**What is kept (append only).** Rows already in the video sheet stay unchanged and in place, so
no existing shard changes its digest and nothing done reruns; new videos are appended at the end
in channels-sheet order, each channel's in listing order. A video already in the sheet (same
``video_id`` or ``source``, from any channel or typed in by hand) is not added again. Re-listing
later (``channels.refresh``) or adding channels therefore only appends. ``relabel: true`` rewrites
the carried columns of a channel's existing rows from the channels sheet (ids, sources and order
unchanged: no shard reruns; experiments that read the labels do).

**Selection, per channel**, in this order:

1. ``exclude_shorts_live``: the YouTube channel's /videos tab is listed instead of the whole
   channel (which holds its shorts and live streams too), and entries with ``live_status``
   ``is_live``, ``was_live``, ``is_upcoming`` or ``post_live``, or a ``/shorts/`` URL, are dropped.
2. ``date_from`` / ``date_to`` (inclusive, UTC dates). Flat listings often lack dates: YouTube's
   give only an approximate date ("3 weeks ago", asked for with yt-dlp's ``approximate_date``),
   other sites none at all. An entry without a date is kept (``undated: keep``, the default) or
   dropped (``undated: drop``); either way it is counted (``undated`` in the reports). Without a
   date range nothing is dropped for its date.
3. ``max_videos``: at most that many of the channel's videos in the sheet, counting those
   already there: the first in listing order (newest first on YouTube) or, with ``sample: true``,
   a seeded random sample. The sample ranks each video by a hash of (``seed``, channel, video id)
   and takes the lowest ranks: the same sheet and settings give the same videos, adding a channel
   changes no other channel's sample, and a re-listing with new uploads keeps the earlier picks
   (a new upload enters only where its rank places it, if there is room).

Channels that cannot be listed (removed, private, geo-blocked, not found, ...) are recorded with
their reason in the unavailable table and never stop the run; the summary gives the channels
listed and unavailable (with the rate) and the videos listed, chosen and added.

**Availability rates** (:func:`availability_rates`; the study lost 3 % of its channels and 2 % of
their videos): the share of the channels sheet's channels that could not be listed (the listing
summary) and of the video sheet's videos that could not be fetched (the corpus's VIDEOS and
UNAVAILABLE tables), shown in the report's data table and overview and by ``polimodal summary``.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import pandas as pd
import pyarrow as pa

from polimodal.corpus.columns import check_near_misses, near_misses
from polimodal.corpus.samples import read_sample_sheet, shard_name
from polimodal.corpus.schemas import CHANNEL_STATUS, LISTING, UNAVAILABLE, VIDEOS, read_parquet
from polimodal.corpus.sheets import read_header, read_table_file, sheet_separator, write_table_file
from polimodal.corpus.videos import KNOWN_COLUMNS as VIDEO_SHEET_COLUMNS
from polimodal.corpus.videos import LISTING_COLUMNS, format_time
from polimodal.errors import ConfigError, SampleSheetError
from polimodal.options import choice, options_from_section

log = logging.getLogger(__name__)

#: The channels sheet's required column; a ``video_id``, ``source``, ``post_id`` or ``listing_*``
#: column would clash with the video sheet's own (made from the listing).
CHANNEL_COLUMN = "channel"
RESERVED_COLUMNS = ("video_id", "source", "post_id", *LISTING_COLUMNS)
#: yt-dlp's ``live_status`` values of a live stream (``exclude_shorts_live`` drops them).
LIVE_STATUSES = frozenset({"is_live", "was_live", "is_upcoming", "post_live"})

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


# ----------------------------------------------------------------------------- selection
@dataclass
class ChannelReport:
    """What became of one channel (a row of ``channels.tsv``)."""

    channel: str
    channel_url: str
    status: str = "listed"  # listed | unavailable | not_listed (no listing job's result names it)
    kind: str = ""
    reason: str = ""
    listed: int = 0  # entries of the listing (distinct videos)
    shorts_live: int = 0  # dropped as shorts or live streams (exclude_shorts_live)
    out_of_range: int = 0  # dated entries outside date_from..date_to
    undated: int = 0  # entries without a date (kept or dropped per `undated` with a date range)
    eligible: int = 0  # left after the filters
    already: int = 0  # eligible, but in the video sheet already
    added: int = 0  # appended now
    in_sheet: int = 0  # the channel's rows in the video sheet afterwards


def sample_rank(seed: int, url: str, video_id: str) -> str:
    """A video's place in its channel's seeded random sample (lowest first)."""
    return hashlib.sha256(f"{seed}\x1f{url}\x1f{video_id}".encode()).hexdigest()


def eligible_entries(listing: pd.DataFrame, options: ChannelOptions, report: ChannelReport) -> pd.DataFrame:
    """One channel's listing (LISTING rows) after the shorts/live and date filters, in listing
    order and without repeats; counts what was dropped into ``report``."""
    rows = listing.sort_values("position", kind="stable").drop_duplicates("video_id")
    report.listed = len(rows)
    if options.exclude_shorts_live:
        drop = rows["short"].astype(bool) | rows["live_status"].isin(LIVE_STATUSES)
        report.shorts_live = int(drop.sum())
        rows = rows[~drop]
    dated = rows["upload_time"].notna()
    report.undated = int((~dated).sum())
    if options.date_range:
        days = pd.to_datetime(rows["upload_time"], utc=True).dt.strftime("%Y-%m-%d")
        inside = dated.copy()
        if options.date_from:
            inside &= days >= str(options.date_from)
        if options.date_to:
            inside &= days <= str(options.date_to)
        report.out_of_range = int((dated & ~inside).sum())
        keep = inside | (~dated if options.undated == "keep" else False)
        rows = rows[keep]
    report.eligible = len(rows)
    return rows


def choose(
    rows: pd.DataFrame,
    options: ChannelOptions,
    url: str,
    *,
    have: int,
    known_ids: set[str],
    known_sources: set[str],
    report: ChannelReport,
) -> pd.DataFrame:
    """The eligible rows to append: not in the sheet yet, at most ``max_videos - have`` of them
    (``have``: the channel's rows in the sheet), in listing order."""
    present = rows["video_id"].isin(known_ids) | rows["source"].isin(known_sources)
    report.already = int(present.sum())
    new = rows[~present]
    if options.max_videos is not None:
        room = max(0, options.max_videos - have)
        if options.sample:
            ranks = [sample_rank(options.seed, url, v) for v in new["video_id"]]
            new = new.assign(_rank=ranks).sort_values("_rank", kind="stable").head(room).drop(columns="_rank")
        else:
            new = new.head(room)
    return new.sort_values("position", kind="stable")


# ----------------------------------------------------------------------------- the video sheet
def read_video_sheet(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The video sheet's rows (every column text), or none with its header's columns when it holds
    a header only, or none at all when it does not exist yet. A posts sheet is an error."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return pd.DataFrame(columns=["video_id", "source"], dtype=str)
    sep = sheet_separator(path)
    head = pd.read_csv(
        path,
        sep=sep,
        dtype=str,
        nrows=1,
        keep_default_na=False,
        encoding="utf-8",
        quoting=csv.QUOTE_MINIMAL if sep == "," else csv.QUOTE_NONE,
    )
    if "post_id" in head.columns:
        raise SampleSheetError(
            f"sample sheet {path} is a posts sheet: channels list videos into a video sheet"
        )
    if head.empty:  # a header only: its columns as read_sample_sheet would take them
        columns = read_header(path, sep, len(head.columns))
        check_near_misses(near_misses(columns, VIDEO_SHEET_COLUMNS), f"sample sheet {path}")
        return pd.DataFrame(columns=columns, dtype=str)
    return read_sample_sheet(path)


def write_video_sheet(sheet: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write the video sheet (tab-separated, or .csv), atomically: a reader sees the old or the new."""
    write_table_file(sheet, Path(path))


def _concat(paths: Sequence[str | os.PathLike[str]], schema: pa.Schema) -> pd.DataFrame:
    tables = [read_parquet(p, schema) for p in paths]
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    return table.to_pandas()


def update_video_sheet(
    sheet: str | os.PathLike[str],
    channels_sheet: str | os.PathLike[str],
    listings: Sequence[str | os.PathLike[str]],
    statuses: Sequence[str | os.PathLike[str]],
    options: ChannelOptions,
    *,
    channels_out: str | os.PathLike[str],
    unavailable_out: str | os.PathLike[str],
    summary_out: str | os.PathLike[str],
) -> dict[str, float]:
    """Append each channel's chosen videos to the video sheet ``sheet`` (created when missing).

    ``listings`` / ``statuses``: the LISTING / CHANNEL_STATUS tables of the listing jobs. Writes
    ``channels_out`` (one row per channel of the channels sheet: :class:`ChannelReport`),
    ``unavailable_out`` (channel, channel_url, kind, reason) and ``summary_out`` (metric, value:
    channels listed / unavailable / their rate, videos listed / eligible / added, undated kept /
    dropped, rows of the sheet), all tab-separated, and returns the summary. The sheet is
    rewritten only when something changes (its time stamp tells Snakemake whether the
    experiments, which read it, must rerun).
    """
    channels = read_channel_sheet(channels_sheet)
    carried = carried_columns(channels)
    listing = _concat(listings, LISTING)
    # the listing jobs' tables name each channel as the channels sheet spelt it when it was listed
    # (a listing reused from the cache keeps that spelling): matched by the URL it stands for
    status = _concat(statuses, CHANNEL_STATUS)
    status = status.assign(url=_urls(status["channel"])).drop_duplicates("url", keep="last").set_index("url")
    existing = read_video_sheet(sheet)
    before = list(existing.columns)
    columns = before + [c for c in ("video_id", "source", CHANNEL_COLUMN, *carried) if c not in before]
    existing = existing.reindex(columns=columns, fill_value="")
    known_ids, known_sources = set(existing["video_id"]), set(existing["source"])
    # the rows a channel has already, by its URL, whichever way the video sheet spells it
    owner = _urls(existing[CHANNEL_COLUMN])
    rows_of = dict(owner.groupby(owner, sort=False).indices)
    have = {url: len(idx) for url, idx in rows_of.items()}
    by_channel = dict(tuple(listing.groupby(_urls(listing["channel"]), sort=False)))

    reports, new_rows, relabelled = [], [], 0
    for values in channels.to_dict("records"):
        name, url = values[CHANNEL_COLUMN], values["channel_url"]
        report = ChannelReport(name, url)
        labels = {c: values[c] for c in carried}
        relabelled += _labels(existing, rows_of.get(url), labels, options.relabel, name)
        if url not in status.index:
            report.status = "not_listed"
        elif status.at[url, "status"] != "listed":
            report.status = "unavailable"
            report.kind, report.reason = str(status.at[url, "kind"]), str(status.at[url, "reason"])
        elif url in by_channel:
            rows = eligible_entries(by_channel[url], options, report)
            chosen = choose(
                rows,
                options,
                url,
                have=int(have.get(url, 0)),
                known_ids=known_ids,
                known_sources=known_sources,
                report=report,
            )
            for vid, source, listed in zip(
                chosen["video_id"], chosen["source"], _listed(chosen), strict=True
            ):
                new_rows.append({"video_id": vid, "source": source, CHANNEL_COLUMN: name, **labels, **listed})
                known_ids.add(vid)
                known_sources.add(source)
            report.added = len(chosen)
        report.in_sheet = int(have.get(url, 0)) + report.added
        reports.append(report)

    result = existing
    if new_rows:
        # the listing's columns join the sheet with its first listed rows (earlier rows: empty)
        columns += [c for c in LISTING_COLUMNS if c not in columns]
        existing = existing.reindex(columns=columns, fill_value="")
        added = pd.DataFrame(new_rows, columns=columns, dtype=str).fillna("")
        result = pd.concat([existing, added], ignore_index=True)
    if new_rows or relabelled or columns != before or not Path(sheet).exists():
        write_video_sheet(result, sheet)
    summary = _summary(reports, options, len(result), relabelled)
    _write_reports(reports, summary, channels_out, unavailable_out, summary_out)
    log.info(
        "channels: %d listed, %d unavailable (%.1f%%); videos: %d listed, %d eligible, %d added to %s "
        "(%d rows now)",
        summary["channels_listed"], summary["channels_unavailable"], 100 * summary["unavailable_rate"],
        summary["videos_listed"], summary["videos_eligible"], summary["videos_added"], sheet, len(result),
    )  # fmt: skip
    return summary


def _urls(names: pd.Series) -> pd.Series:
    """The channel URL (:func:`channel_url`) of each channel name (None for an empty one)."""
    urls = {v: channel_url(v) for v in names.unique() if v}
    return names.map(urls)


def _listed(chosen: pd.DataFrame) -> list[dict[str, str]]:
    """:data:`LISTING_COLUMNS` of the chosen LISTING rows, as sheet text ("": not listed)."""
    titles = [" ".join(str(t).split()) if isinstance(t, str) else "" for t in chosen["title"]]
    times = [format_time(t.to_pydatetime()) if pd.notna(t) else "" for t in chosen["upload_time"]]
    return [dict(zip(LISTING_COLUMNS, pair, strict=True)) for pair in zip(titles, times, strict=True)]


def _labels(existing: pd.DataFrame, rows: Any, labels: dict[str, str], relabel: bool, name: str) -> int:
    """Rewrite (``relabel``) or warn about a channel's ``rows`` (positions in ``existing``) whose
    carried columns differ from ``labels``; returns the rows rewritten."""
    if not labels or rows is None or not len(rows):
        return 0
    carried = list(labels)
    columns = [existing.columns.get_loc(c) for c in carried]
    differs = (existing.iloc[rows, columns] != pd.Series(labels)).any(axis=1)
    n = int(differs.sum())
    if n and relabel:
        existing.iloc[rows, columns] = [labels[c] for c in carried]
        return n
    if n:
        log.warning(
            "%s: %d row(s) of the video sheet carry other values of %s than the channels sheet now "
            "does: left as they are (channels.relabel: true rewrites them)",
            name, n, carried,
        )  # fmt: skip
    return 0


def channel_cache(listing_out: str | os.PathLike[str]) -> Path:
    """The folder of a listing job's per-channel results (beside its output, never deleted by
    Snakemake, so a killed or rerun job does not list a finished channel again)."""
    out = Path(listing_out)
    return out.with_name(f".{out.name}.channels")


def _summary(
    reports: list[ChannelReport], options: ChannelOptions, rows: int, relabelled: int
) -> dict[str, float]:
    n = len(reports)
    unavailable = sum(r.status == "unavailable" for r in reports)
    listed = sum(r.status == "listed" for r in reports)
    undated = sum(r.undated for r in reports)
    dropped = options.date_range and options.undated == "drop"
    return {
        "channels": n,
        "channels_listed": listed,
        "channels_unavailable": unavailable,
        "channels_not_listed": n - listed - unavailable,
        "unavailable_rate": round(unavailable / n, 4) if n else 0.0,
        "videos_listed": sum(r.listed for r in reports),
        "shorts_live_dropped": sum(r.shorts_live for r in reports),
        "out_of_date_range": sum(r.out_of_range for r in reports),
        "undated_kept": 0 if dropped else undated,
        "undated_dropped": undated if dropped else 0,
        "videos_eligible": sum(r.eligible for r in reports),
        "videos_already_in_sheet": sum(r.already for r in reports),
        "videos_added": sum(r.added for r in reports),
        "rows_relabelled": relabelled,
        "sheet_rows": rows,
    }


def _write_reports(
    reports: list[ChannelReport],
    summary: Mapping[str, float],
    channels_out: str | os.PathLike[str],
    unavailable_out: str | os.PathLike[str],
    summary_out: str | os.PathLike[str],
) -> None:
    table = pd.DataFrame([asdict(r) for r in reports], columns=[f.name for f in fields(ChannelReport)])
    for path in (channels_out, unavailable_out, summary_out):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(channels_out, sep="\t", index=False)
    bad = table[table["status"] == "unavailable"][["channel", "channel_url", "kind", "reason"]]
    bad.to_csv(unavailable_out, sep="\t", index=False)
    pd.DataFrame({"metric": list(summary), "value": list(summary.values())}).to_csv(
        summary_out, sep="\t", index=False
    )


#: Columns of :func:`availability_rates`.
AVAILABILITY_COLUMNS = ["level", "n", "available", "unavailable", "percent_unavailable"]


def read_channel_summary(path: str | os.PathLike[str]) -> dict[str, float]:
    """The listing summary (``metric``, ``value``) that :func:`update_video_sheet` wrote."""
    table = pd.read_csv(path, sep="\t")
    return dict(zip(table["metric"].astype(str), table["value"].astype(float), strict=True))


def availability_rates(
    videos: str | os.PathLike[str],
    unavailable: str | os.PathLike[str],
    channels_summary: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Channels and videos available and not (:data:`AVAILABILITY_COLUMNS`), one row per level.

    ``videos``: the sheet's videos that were fetched (VIDEOS); ``unavailable``: those that could
    not be (UNAVAILABLE; a video counted once whatever its stages). ``channels_summary``: the
    listing summary (``results/channels/summary.tsv``); the ``channels`` row is left out without
    it (a run from a video sheet) or when the file does not exist. Channels not listed yet count
    neither as available nor as unavailable.
    """
    rows = []
    if channels_summary and Path(channels_summary).exists():
        c = read_channel_summary(channels_summary)
        listed, gone = int(c.get("channels_listed", 0)), int(c.get("channels_unavailable", 0))
        rows.append(("channels", int(c.get("channels", listed + gone)), listed, gone))
    ok = set(read_parquet(videos, VIDEOS, columns=["video_id"]).column("video_id").to_pylist())
    gone_ids = set(
        read_parquet(unavailable, UNAVAILABLE, columns=["video_id"]).column("video_id").to_pylist()
    )
    gone_ids -= ok
    rows.append(("videos", len(ok) + len(gone_ids), len(ok), len(gone_ids)))
    return pd.DataFrame(
        [
            {"level": level, "n": n, "available": a, "unavailable": u,
             "percent_unavailable": round(100 * u / (a + u), 1) if a + u else 0.0}
            for level, n, a, u in rows
        ],
        columns=AVAILABILITY_COLUMNS,
    )  # fmt: skip
