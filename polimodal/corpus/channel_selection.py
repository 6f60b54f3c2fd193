"""Channels → videos: the choice of each channel's videos from its listing (LISTING rows).

:mod:`polimodal.corpus.channels` reads the channels sheet and the settings (:class:`ChannelOptions`);
:func:`polimodal.corpus.channel_videos.update_video_sheet` appends the videos chosen here.

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

What each filter dropped is counted per channel (:class:`ChannelReport`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd

from polimodal.corpus.channels import ChannelOptions

#: yt-dlp's ``live_status`` values of a live stream (``exclude_shorts_live`` drops them).
LIVE_STATUSES = frozenset({"is_live", "was_live", "is_upcoming", "post_live"})


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
