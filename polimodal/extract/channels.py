"""List channels with yt-dlp's flat listing: every entry of each channel, no media fetched.

One listing job lists a shard of the channels sheet (:mod:`polimodal.corpus.channels` says what
the sheet holds, :mod:`polimodal.corpus.channel_selection` how videos are then chosen). yt-dlp's
``extract_flat`` reads the channel's pages (YouTube: the channel's tabs, page after page;
elsewhere a playlist page or a feed, e.g. RSS through the generic extractor) and gives one entry
per video without opening any video: id, URL, title and, where the page shows them, date,
duration and live status. The requests are as polite as the ingest job's (``ingest``:
``sleep_interval`` between requests, ``retries`` with back-off, ``socket_timeout``, ``cookies``;
:func:`polimodal.extract.ingest.ydl_params`).

Resumable: each channel's result is kept in a hidden folder beside the job's outputs
(:func:`polimodal.corpus.channels.channel_cache`) under a key of its URL and the listing settings
(``exclude_shorts_live``, ``refresh``). A killed job, or a rerun because a channel was added to
its shard, lists only the channels without a result under the same key; a channel that could not
be listed is tried again; raising ``channels.refresh`` lists every channel again.

A channel that cannot be listed raises :class:`~polimodal.errors.MediaUnavailable` in
:func:`list_channel`, and :func:`list_channels_shard` records it with its reason: ``kind`` as in
:mod:`polimodal.extract.ingest` (``not_found``: HTTP 404 or "This channel does not exist";
``removed``: HTTP 410, a terminated account; ``private``; ``geo_blocked``; ``rate_limited`` ...;
``unsupported``: the URL is a single video or no list at all).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import yt_dlp
from yt_dlp.utils import YoutubeDLError, unsmuggle_url

from polimodal.corpus.channel_videos import update_video_sheet
from polimodal.corpus.channels import (
    ChannelOptions,
    channel_cache,
    channel_key,
    channel_shard_digests,
    listing_url,
    read_channel_sheet,
    shard_channels,
)
from polimodal.corpus.samples import VIDEO_ID_RE, shard_name
from polimodal.corpus.schemas import CHANNEL_STATUS, LISTING, read_parquet, table_from_rows, write_parquet
from polimodal.corpus.shards import work_key
from polimodal.corpus.videos import YOUTUBE_ID_RE
from polimodal.errors import MediaUnavailable
from polimodal.extract.download import classify_download_error, upload_time, ydl_params, youtube_url
from polimodal.extract.ingest import IngestOptions

log = logging.getLogger(__name__)

#: A factory of YoutubeDL-like objects (as :data:`polimodal.extract.ingest.YdlFactory`).
YdlFactory = Callable[[dict[str, Any]], Any]

#: (kind, pattern) of a channel's listing errors, tried before the video errors of
#: :func:`polimodal.extract.download.classify_download_error` (which also reads HTTP 410 Gone as
#: ``removed`` and 404 as ``not_found``, for channels and videos alike).
_CHANNEL_ERRORS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (
            "removed",
            r"account (has been )?terminated|channel (was|has been) removed",
        ),
        ("not_found", r"channel does not exist|http error 404"),
        ("private", r"(channel|playlist) is private|private (channel|playlist)"),
    )
)


def classify_channel_error(message: str) -> str:
    """The ``MediaUnavailable.kind`` of a yt-dlp error while listing a channel."""
    for kind, pattern in _CHANNEL_ERRORS:
        if pattern.search(message):
            return kind
    return classify_download_error(message)


class _YdlLogger:
    """yt-dlp's output to :mod:`logging`, prefixed with the channel (errors: the caller records them)."""

    def __init__(self, channel: str) -> None:
        self.prefix = f"{channel}: yt-dlp: "

    def debug(self, msg: str) -> None:
        log.debug("%s%s", self.prefix, msg)

    info = debug

    def warning(self, msg: str) -> None:
        # every feed or page without a site extractor says so: not worth a warning
        level = logging.DEBUG if "Falling back on generic" in msg else logging.WARNING
        log.log(level, "%s%s", self.prefix, msg)

    def error(self, msg: str) -> None:
        log.debug("%s%s", self.prefix, msg)


def listing_params(options: IngestOptions, channel: str) -> dict[str, Any]:
    """The ``yt_dlp.YoutubeDL`` params of a flat listing: the ingest job's politeness, no media."""
    params = ydl_params(options, "%(id)s.%(ext)s", logger=_YdlLogger(channel))
    params.update(
        {
            "extract_flat": True,  # entries as listed: no video page is opened
            "noplaylist": False,
            "skip_download": True,
            # YouTube's listing shows "3 weeks ago": an approximate date, for channels.date_from/to
            "extractor_args": {"youtubetab": {"approximate_date": [""]}},
        }
    )
    params.pop("format", None)
    return params


# ----------------------------------------------------------------------------- one channel
def _entry_time(entry: Mapping[str, Any]) -> datetime | None:
    return upload_time(entry, ("timestamp", "release_timestamp"))


def derived_id(name: str, source: str) -> str:
    """A video id for an entry without a site's id (a feed's item): a readable part of its guid or
    URL and a digest of its source, so that items of two feeds never share an id."""
    stem = re.split(r"[/?#]", name.rstrip("/"))[-1] if "/" in name else name
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", stem)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-.")[:40] or "video"
    return f"{slug}-{hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()[:10]}"


def entry_row(entry: Mapping[str, Any]) -> dict[str, Any] | None:
    """A LISTING row (without channel and position) of a flat entry; None when it names no video.

    A YouTube entry's id is the video id and its watch URL the source; another site's entry keeps
    the site's id and its URL; an entry without an extractor (a feed's item, listed by the
    generic extractor) gets :func:`derived_id` and its media URL.
    """
    raw = str(entry.get("url") or entry.get("webpage_url") or "")
    url, data = unsmuggle_url(raw, {})
    ie = entry.get("ie_key") or entry.get("extractor_key")
    vid = entry.get("id")
    vid = str(vid) if vid is not None else ""
    if ie == "Youtube" and YOUTUBE_ID_RE.fullmatch(vid):
        video_id, source = vid, youtube_url(vid)
    elif ie and ie != "Generic" and VIDEO_ID_RE.fullmatch(vid) and url:
        video_id, source = vid, url
    elif url:
        video_id, source = derived_id(str((data or {}).get("force_videoid") or url), url), url
    else:
        return None
    duration = entry.get("duration")
    return {
        "video_id": video_id,
        "source": source,
        "title": None if entry.get("title") is None else str(entry["title"]),
        "upload_time": _entry_time(entry),
        "duration": float(duration) if isinstance(duration, int | float) else None,
        "live_status": None if entry.get("live_status") is None else str(entry["live_status"]),
        "short": "/shorts/" in raw,
    }


def _is_list(entry: Mapping[str, Any]) -> bool:
    """A nested list: a YouTube channel's tab (/streams, /shorts) or a playlist within the list."""
    return entry.get("_type") in ("playlist", "multi_video") or entry.get("ie_key") == "YoutubeTab"


def _entries(ydl: Any, info: Mapping[str, Any], depth: int = 0) -> Iterable[Mapping[str, Any]]:
    for entry in info.get("entries") or []:
        if not isinstance(entry, Mapping):
            continue  # yt-dlp's None for an entry it could not read
        if _is_list(entry) and depth < 2:
            nested: Any = entry
            if entry.get("entries") is None:
                try:
                    nested = ydl.extract_info(entry["url"], download=False)
                except YoutubeDLError as exc:  # a tab that fails leaves the channel's other entries
                    log.warning("%s: a nested list cannot be listed, skipped: %s", entry.get("url"), exc)
                    continue
            if isinstance(nested, Mapping):
                yield from _entries(ydl, nested, depth + 1)
            continue
        yield entry


def list_channel(
    channel: str, url: str, options: IngestOptions, ydl: YdlFactory | None = None
) -> list[dict[str, Any]]:
    """Every entry of ``url``'s flat listing as LISTING rows, in listing order (``channel``: the
    channels sheet's value, written into each row). Raises :class:`MediaUnavailable`."""
    factory: YdlFactory = ydl or yt_dlp.YoutubeDL
    try:
        with factory(listing_params(options, channel)) as y:
            info = y.extract_info(url, download=False)
            if not isinstance(info, Mapping):
                raise MediaUnavailable("download_error", f"{url}: yt-dlp returned no information")
            if info.get("_type") not in ("playlist", "multi_video"):
                raise MediaUnavailable("unsupported", f"{url} is a single video, not a channel or playlist")
            entries = list(_entries(y, info))
    except YoutubeDLError as exc:
        message = str(exc).strip() or type(exc).__name__
        raise MediaUnavailable(classify_channel_error(message), message) from exc
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        log.debug("%s: yt-dlp failed unexpectedly", url, exc_info=True)
        raise MediaUnavailable("download_error", f"yt-dlp failed: {type(exc).__name__}: {exc}") from exc
    rows = []
    for entry in entries:
        row = entry_row(entry)
        if row is None:
            log.debug("%s: an entry without a URL or id: skipped", channel)
            continue
        rows.append({"channel": channel, "channel_url": url, "position": len(rows), **row})
    return rows


# ----------------------------------------------------------------------------- one shard
def list_channels_shard(
    channels: Sequence[tuple[str, str]],
    listing_out: str | os.PathLike[str],
    status_out: str | os.PathLike[str],
    options: ChannelOptions,
    ingest: IngestOptions,
    *,
    ydl: YdlFactory | None = None,
) -> dict[str, int]:
    """List each ``(channel, url)`` of a shard into ``listing_out`` (LISTING) and ``status_out``
    (CHANNEL_STATUS: listed, or unavailable with the reason), resumably (see the module docstring).

    Never raises for one channel. Returns how many channels were ``listed`` now, ``reused`` from
    an earlier run, and found ``unavailable``.
    """
    cache = channel_cache(listing_out)
    cache.mkdir(parents=True, exist_ok=True)
    settings = options.listing_settings()
    counts = dict.fromkeys(("listed", "reused", "unavailable"), 0)
    keys, listings, statuses = set(), [], []
    t0 = time.monotonic()
    for i, (channel, base_url) in enumerate(channels, 1):
        url = listing_url(base_url, options.exclude_shorts_live)
        ckey = channel_key(base_url)
        keys.add(ckey)
        want = work_key("channels", url, settings)
        record_file = cache / f"{ckey}.json"
        parts = (cache / f"{ckey}.listing.parquet", cache / f"{ckey}.status.parquet")
        record = _read_json(record_file)
        if record.get("key") == want and record.get("done") and all(p.exists() for p in parts):
            listing, status = read_parquet(parts[0], LISTING), read_parquet(parts[1], CHANNEL_STATUS)
            how = "reused"
        else:
            listing, status = _list_one(channel, url, ingest, ydl)
            done = status.column("status")[0].as_py() == "listed"
            record_file.unlink(missing_ok=True)
            write_parquet(listing, parts[0], LISTING)
            write_parquet(status, parts[1], CHANNEL_STATUS)
            _write_atomic(record_file, json.dumps({"key": want, "done": done, "channel": channel}))
            how = "listed" if done else "unavailable"
        counts[how] += 1
        listings.append(listing)
        statuses.append(status)
        log.info(
            "[channels] %d/%d %s: %s, %d entries (%.0f s)",
            i, len(channels), channel, how, listing.num_rows, time.monotonic() - t0,
        )  # fmt: skip
    write_parquet(pa.concat_tables([LISTING.empty_table(), *listings]), listing_out, LISTING)
    write_parquet(pa.concat_tables([CHANNEL_STATUS.empty_table(), *statuses]), status_out, CHANNEL_STATUS)
    for stale in cache.iterdir():  # channels no longer in this shard
        if stale.name.split(".", 1)[0] not in keys:
            stale.unlink(missing_ok=True)
    log.info(
        "[channels] %d channel(s): %d listed now, %d reused from an earlier run, %d unavailable",
        len(channels), counts["listed"], counts["reused"], counts["unavailable"],
    )  # fmt: skip
    return counts


def _list_one(
    channel: str, url: str, ingest: IngestOptions, ydl: YdlFactory | None
) -> tuple[pa.Table, pa.Table]:
    try:
        rows = list_channel(channel, url, ingest, ydl)
    except MediaUnavailable as exc:
        log.warning("%s (%s): cannot be listed (%s): %s", channel, url, exc.kind, exc.reason)
        status = {"channel": channel, "channel_url": url, "status": "unavailable", "kind": exc.kind,
                  "reason": exc.reason, "entries": 0}  # fmt: skip
        return LISTING.empty_table(), table_from_rows([status], CHANNEL_STATUS)
    status = {"channel": channel, "channel_url": url, "status": "listed", "kind": None, "reason": None,
              "entries": len(rows)}  # fmt: skip
    return table_from_rows(rows, LISTING), table_from_rows([status], CHANNEL_STATUS)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


# ----------------------------------------------------------------------------- both steps at once
def list_videos(
    channels_sheet: str | os.PathLike[str],
    video_sheet: str | os.PathLike[str],
    results: str | os.PathLike[str],
    options: ChannelOptions,
    ingest: IngestOptions,
    *,
    ydl: YdlFactory | None = None,
) -> dict[str, float]:
    """What ``snakemake list_videos`` does, in one process (``polimodal channels``): list every shard
    of the channels sheet into ``results/{shard}/`` (the rule's files, so either can follow the
    other without listing a channel again) and append the chosen videos to ``video_sheet``; the
    reports go to ``results/{channels,unavailable,summary}.tsv``. Returns the summary."""
    results = Path(results)
    sheet = read_channel_sheet(channels_sheet)
    listings, statuses = [], []
    for index in range(len(channel_shard_digests(sheet, options.shard_size))):
        folder = results / shard_name(index)
        listings.append(folder / "listing.parquet")
        statuses.append(folder / "channels.parquet")
        list_channels_shard(
            shard_channels(sheet, index, options.shard_size),
            listings[-1],
            statuses[-1],
            options,
            ingest,
            ydl=ydl,
        )
    return update_video_sheet(
        video_sheet,
        channels_sheet,
        listings,
        statuses,
        options,
        channels_out=results / "channels.tsv",
        unavailable_out=results / "unavailable.tsv",
        summary_out=results / "summary.tsv",
    )
