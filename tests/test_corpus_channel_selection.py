"""The choice of each channel's videos from its listing: max_videos, the seeded sample, the date
range, shorts and live streams (LISTING rows written here stand in for the listing jobs')."""

from __future__ import annotations

import pandas as pd

from conftest import listing_rows
from polimodal.corpus.channel_selection import ChannelReport, choose, eligible_entries
from polimodal.corpus.channels import ChannelOptions
from polimodal.corpus.schemas import LISTING, table_from_rows


def frame(rows: list[dict]) -> pd.DataFrame:
    return table_from_rows(rows, LISTING).to_pandas()


def pick(
    rows: list[dict], options: ChannelOptions, have: int = 0, known: set[str] | None = None
) -> list[str]:
    report = ChannelReport(rows[0]["channel"], rows[0]["channel_url"])
    eligible = eligible_entries(frame(rows), options, report)
    chosen = choose(
        eligible, options, rows[0]["channel_url"], have=have, known_ids=known or set(), known_sources=set(),
        report=report,
    )  # fmt: skip
    return list(chosen["video_id"])


def test_max_videos_takes_the_first_in_listing_order() -> None:
    rows = listing_rows("@a", [(f"v{i}", None) for i in range(6)])
    assert pick(rows, ChannelOptions(max_videos=3)) == ["v0", "v1", "v2"]
    assert pick(rows, ChannelOptions(max_videos=3), have=2) == ["v0"]  # counting those in the sheet
    assert pick(rows, ChannelOptions(max_videos=3), known={"v1"}) == ["v0", "v2", "v3"]
    assert pick(rows, ChannelOptions()) == [f"v{i}" for i in range(6)]


def test_the_seeded_sample_is_reproducible_per_channel_and_stable_under_new_uploads() -> None:
    ids = [f"v{i:02d}" for i in range(40)]
    rows = listing_rows("@a", [(v, None) for v in ids])
    opts = ChannelOptions(max_videos=5, sample=True, seed=7)
    first = pick(rows, opts)
    assert len(first) == 5 and first == pick(rows, opts)  # same listing, same settings: same videos
    assert first == sorted(first, key=ids.index)  # in listing order
    assert pick(rows, ChannelOptions(max_videos=5, sample=True, seed=8)) != first
    assert first != ids[:5]  # not simply the first ones
    # a new upload enters only where its rank places it: the others of the sample stay
    grown = listing_rows("@a", [("new", None)] + [(v, None) for v in ids])
    assert len(set(pick(grown, opts)) & set(first)) >= 4
    # another channel with the same videos draws its own sample (seeded by seed and channel)
    other = listing_rows("@b", [(v, None) for v in ids])
    assert pick(other, opts) != first


def test_date_range_and_undated_entries() -> None:
    rows = listing_rows(
        "@a",
        [("old", "2019-12-31"), ("in1", "2020-01-01"), ("in2", "2020-06-30T23:59:00"), ("late", "2020-07-01"),
         ("nodate", None)],
    )  # fmt: skip
    report = ChannelReport("@a", "u")
    keep = ChannelOptions(date_from="2020-01-01", date_to="2020-06-30")
    keep.check("t")
    assert list(eligible_entries(frame(rows), keep, report)["video_id"]) == ["in1", "in2", "nodate"]
    assert (report.listed, report.out_of_range, report.undated, report.eligible) == (5, 2, 1, 3)
    drop = ChannelOptions(date_from="2020-01-01", date_to="2020-06-30", undated="drop")
    assert pick(rows, drop) == ["in1", "in2"]
    assert pick(rows, ChannelOptions(date_to="2019-12-31")) == ["old", "nodate"]
    assert pick(rows, ChannelOptions(undated="drop")) == [r["video_id"] for r in rows]  # no range: no filter


def test_shorts_and_live_streams_are_dropped_when_asked() -> None:
    rows = listing_rows(
        "@a",
        [("v", None), ("live", None, "is_live"), ("was", None, "was_live"), ("soon", None, "is_upcoming"),
         ("short", None, None, True), ("vod", None, "not_live")],
    )  # fmt: skip
    assert pick(rows, ChannelOptions(exclude_shorts_live=True)) == ["v", "vod"]
    assert len(pick(rows, ChannelOptions())) == 6
