"""Channels → videos: appending each channel's chosen videos to the video sheet, the listing's
reports, and the availability rates of channels and videos.

:mod:`polimodal.corpus.channels` reads the channels sheet and the settings;
:mod:`polimodal.corpus.channel_selection` chooses each channel's videos from its listing;
:func:`update_video_sheet` appends them to the video sheet with the channel's columns, a
``channel`` column and what the listing said of each (:data:`polimodal.corpus.videos.LISTING_COLUMNS`).

**What is kept (append only).** Rows already in the video sheet stay unchanged and in place, so
no existing shard changes its digest and nothing done reruns; new videos are appended at the end
in channels-sheet order, each channel's in listing order. A video already in the sheet (same
``video_id`` or ``source``, from any channel or typed in by hand) is not added again. Re-listing
later (``channels.refresh``) or adding channels therefore only appends. ``relabel: true`` rewrites
the carried columns of a channel's existing rows from the channels sheet (ids, sources and order
unchanged: no shard reruns; experiments that read the labels do).

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
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from polimodal.corpus.channel_selection import ChannelReport, choose, eligible_entries
from polimodal.corpus.channels import (
    CHANNEL_COLUMN,
    ChannelOptions,
    carried_columns,
    channel_url,
    read_channel_sheet,
)
from polimodal.corpus.columns import check_near_misses, near_misses
from polimodal.corpus.samples import read_sample_sheet
from polimodal.corpus.schemas import CHANNEL_STATUS, LISTING, UNAVAILABLE, VIDEOS, read_parquet
from polimodal.corpus.sheets import read_header, sheet_separator, write_table_file
from polimodal.corpus.videos import KNOWN_COLUMNS as VIDEO_SHEET_COLUMNS
from polimodal.corpus.videos import LISTING_COLUMNS, format_time
from polimodal.errors import SampleSheetError

log = logging.getLogger(__name__)


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
