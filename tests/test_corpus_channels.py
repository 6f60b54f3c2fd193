"""Channels → videos without the network: the channels sheet, the choice of each channel's videos,
and the append-only video sheet (listing tables written here stand in for the listing jobs';
tests/test_extract_channels.py lists real feeds over loopback HTTP)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from polimodal.corpus.channels import (
    ChannelOptions,
    ChannelReport,
    availability_rates,
    channel_key,
    channel_shard_digests,
    channel_shards,
    channel_url,
    choose,
    eligible_entries,
    listing_url,
    read_channel_sheet,
    shard_channels,
    update_video_sheet,
    write_video_sheet,
)
from polimodal.corpus.samples import VIDEO_ID_RE, read_sample_sheet, shard_digests
from polimodal.corpus.schemas import (
    CHANNEL_STATUS,
    LISTING,
    UNAVAILABLE,
    VIDEOS,
    table_from_rows,
    write_parquet,
)
from polimodal.corpus.videos import LISTING_COLUMNS, sheet_videos
from polimodal.errors import ConfigError, SampleSheetError


def write(tmp_path: Path, text: str | bytes, name: str = "channels.tsv") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


# ----------------------------------------------------------------------------- channel names
@pytest.mark.parametrize(
    ("value", "url"),
    [
        # a handle ignores case (YouTube's do); a UC… id and other hosts' paths keep theirs
        ("@SomeParty", "https://www.youtube.com/@someparty"),
        ("https://www.YouTube.com/@SomeParty/videos", "https://www.youtube.com/@someparty/videos"),
        ("UC" + "aB" * 11, "https://www.youtube.com/channel/UC" + "aB" * 11),
        ("youtube.com/c/Party", "https://www.youtube.com/c/Party"),
        ("https://Example.org/@Party/Feed.xml", "https://example.org/@Party/Feed.xml"),
        ("https://youtube.com/@x/", "https://www.youtube.com/@x"),
        ("HTTPS://M.YouTube.com/@x", "https://www.youtube.com/@x"),
        ("youtube.com/c/party", "https://www.youtube.com/c/party"),
        ("https://www.youtube.com/playlist?list=PL1", "https://www.youtube.com/playlist?list=PL1"),
        ("http://127.0.0.1:8000/feeds/a.xml", "http://127.0.0.1:8000/feeds/a.xml"),
    ],
)
def test_channel_values_become_one_url(value: str, url: str) -> None:
    assert channel_url(value) == url


@pytest.mark.parametrize("value", ["party", "UCshort", "ftp://x.org/a", "@", "https://", "a b", "@a b"])
def test_values_that_are_no_channel(value: str) -> None:
    assert channel_url(value) is None


def test_the_videos_tab_is_listed_when_shorts_and_live_are_excluded() -> None:
    home = "https://www.youtube.com/@x"
    assert listing_url(home, True) == home + "/videos"
    assert listing_url(home, False) == home
    assert listing_url(home + "/streams", True) == home + "/streams"  # a tab named stays
    assert listing_url("https://www.youtube.com/playlist?list=PL1", True).endswith("list=PL1")
    assert listing_url("http://e.org/@x", True) == "http://e.org/@x"  # not YouTube


def test_channel_keys_are_file_names_and_tell_channels_apart() -> None:
    a, b = channel_key("https://www.youtube.com/@x"), channel_key("http://e.org/x")
    assert a != b and a.startswith("x-") and "." not in a and VIDEO_ID_RE.fullmatch(a)
    assert channel_key("http://127.0.0.1:9/feeds/a.xml").startswith("a-xml-")


# ----------------------------------------------------------------------------- the channels sheet
def test_reads_channels_and_labels_as_text(tmp_path: Path) -> None:
    sheet = read_channel_sheet(write(tmp_path, "channel\tideology\tn\n@left \tleft\t01\n\n@right\tright\t\n"))
    assert list(sheet["channel"]) == ["@left", "@right"]
    assert list(sheet["ideology"]) == ["left", "right"] and list(sheet["n"]) == ["01", ""]
    assert list(sheet["channel_url"]) == ["https://www.youtube.com/@left", "https://www.youtube.com/@right"]
    csv = read_channel_sheet(write(tmp_path, "channel,party\n@a,x\n", "c.csv"))
    assert list(csv["party"]) == ["x"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name\tideology\n@a\tleft\n", r"line 1 \(header\): no column 'channel'.*'name'"),
        # a known column spelt otherwise would be read as a label (and carried onto the video sheet)
        (
            "chanel\tideology\n@a\tleft\n",
            r"line 1 \(header\): column 'chanel' looks like the known column 'channel'.*"
            r"rename it to the column it looks like \('chanel' -> 'channel'\).*'chanel_label'",
        ),
        ("Channel\tideology\n@a\tleft\n", r"line 1 \(header\): column 'Channel' looks like .* 'channel'"),
        ("channel\tChannel\n@a\tleft\n", r"column 'Channel' looks like the known column 'channel'"),
        ("channel\tSource\n@a\tx\n", r"column 'Source' looks like the known column 'source'"),
        ("channel\tvideo_ID\n@a\tx\n", r"column 'video_ID' looks like the known column 'video_id'"),
        # a handle ignores case: one channel
        (
            "channel\n@SomeParty\nhttps://www.youtube.com/@someparty/\n@SOMEPARTY\n",
            r"the same channel twice: https://www.youtube.com/@someparty on lines 2 and 3; "
            r"https://www.youtube.com/@someparty on lines 2 and 4",
        ),
        ("channel,ideology\n@a,left\n", r"no column 'channel'.*\(is it tab-separated\?\)"),
        (
            "channel\tsource\n@a\tx\n",
            r"line 1 \(header\): column\(s\) \['source'\] belong to the video sheet",
        ),
        ("channel\tideology\n@a\tleft\n\tright\n", r"column 'channel' is empty on line\(s\) \[3\]"),
        (
            "channel\n@a\nparty\n@b\nUC12\n",
            r"2 value\(s\) that are no channel URL.*line 3: 'party'; line 5: 'UC12'",
        ),
        (
            "channel\n@a\nhttps://youtube.com/@a/\n",
            r"the same channel twice: https://www.youtube.com/@a on lines 2 and 3",
        ),
        ("channel\tideology\n", r"has no rows"),
        ("channel\tideology\n\n\n", r"has no rows"),
        ("channel\tchannel\n@a\t@b\n", r"names the column\(s\) \['channel'\] more than once"),
    ],
)
def test_sheet_mistakes_name_file_line_and_column(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SampleSheetError, match=message) as err:
        read_channel_sheet(path)
    assert str(path) in str(err.value)


def test_label_names_and_case_sensitive_channels_are_kept(tmp_path: Path) -> None:
    labels = ["ideology", "party", "label", "stance", "country", "year", "hateful", "outlet", "score",
              "channel_id", "channel_name", "videos", "posted", "chanel_label"]  # fmt: skip
    uc = "UC" + "aB" * 11
    rows = [f"{uc}", uc.swapcase().replace("uc", "UC", 1), "https://e.org/Feed.xml", "https://e.org/feed.xml"]
    text = "\t".join(["channel", *labels]) + "\n" + "".join(r + "\tv" * len(labels) + "\n" for r in rows)
    sheet = read_channel_sheet(write(tmp_path, text))
    assert list(sheet.columns) == ["channel", *labels, "channel_url"]
    # a UC… id and another host's path keep their case: four channels
    assert list(sheet["channel_url"]) == [
        f"https://www.youtube.com/channel/{rows[0]}", f"https://www.youtube.com/channel/{rows[1]}", *rows[2:]
    ]  # fmt: skip


def test_unreadable_sheets(tmp_path: Path) -> None:
    with pytest.raises(SampleSheetError, match="does not exist"):
        read_channel_sheet(tmp_path / "none.tsv")
    with pytest.raises(SampleSheetError, match="empty"):
        read_channel_sheet(write(tmp_path, ""))
    with pytest.raises(SampleSheetError, match=r"line 3, column 4: byte 0xe9 is not UTF-8"):
        read_channel_sheet(write(tmp_path, b"channel\tparty\n@a\tx\n@b\t\xe9\n"))


def test_shards_of_channels_change_only_where_channels_are_added(tmp_path: Path) -> None:
    rows = "".join(f"@c{i}\tx\n" for i in range(5))
    first = read_channel_sheet(write(tmp_path, "channel\tideology\n" + rows))
    more = read_channel_sheet(write(tmp_path, "channel\tideology\n" + rows + "@c5\ty\n", "more.tsv"))
    relabelled = read_channel_sheet(write(tmp_path, "channel\tideology\n" + rows.replace("x", "z"), "r.tsv"))
    a, b = channel_shard_digests(first, 2), channel_shard_digests(more, 2)
    assert channel_shards(first, 2) == ["000000", "000001", "000002"]
    assert a[:2] == b[:2] and a[2] != b[2]  # only the last shard changed
    assert channel_shard_digests(relabelled, 2) == a  # labels are not the listing's business
    assert shard_channels(more, 2, 2) == [
        ("@c4", "https://www.youtube.com/@c4"),
        ("@c5", "https://www.youtube.com/@c5"),
    ]
    with pytest.raises(SampleSheetError, match="shard 3 does not exist"):
        shard_channels(more, 3, 2)


# ----------------------------------------------------------------------------- options
def test_options_check_dates_and_bounds() -> None:
    import datetime as dt

    opts = ChannelOptions.from_config({"date_from": dt.date(2020, 1, 2), "date_to": "2020-12-31"})
    assert (opts.date_from, opts.date_to) == ("2020-01-02", "2020-12-31")  # a YAML date or text
    assert opts.listing_settings() == {"exclude_shorts_live": False, "refresh": 0}
    assert "sheet" not in opts.selection_settings() and "max_videos" in opts.selection_settings()
    for bad, message in [
        ({"date_from": "2020-13-01"}, r"date_from: '2020-13-01' is not a date"),
        ({"date_from": "2021-01-01", "date_to": "2020-01-01"}, "is after date_to"),
        ({"max_videos": 0}, r"max_videos: must be >= 1"),
        ({"undated": "maybe"}, r"undated: 'maybe' is not one of \['keep', 'drop'\]"),
        ({"sheets": "x"}, r"unknown key\(s\) \['sheets'\]"),
    ]:
        with pytest.raises(ConfigError, match=message):
            ChannelOptions.from_config(bad)


# ----------------------------------------------------------------------------- selection
def day(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


def listing(channel: str, entries: list[tuple], url: str | None = None) -> list[dict]:
    """LISTING rows: entries are (video_id, date or None[, live_status[, short]])."""
    rows = []
    for i, entry in enumerate(entries):
        vid, when, live, short = (*entry, None, False)[:4] if len(entry) < 4 else entry
        rows.append(
            {
                "channel": channel,
                "channel_url": url or channel_url(channel),
                "position": i,
                "video_id": vid,
                "source": f"https://www.youtube.com/watch?v={vid}",
                "title": f"title {vid}",
                "upload_time": day(when),
                "duration": 60.0,
                "live_status": live,
                "short": bool(short),
            }
        )
    return rows


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
    rows = listing("@a", [(f"v{i}", None) for i in range(6)])
    assert pick(rows, ChannelOptions(max_videos=3)) == ["v0", "v1", "v2"]
    assert pick(rows, ChannelOptions(max_videos=3), have=2) == ["v0"]  # counting those in the sheet
    assert pick(rows, ChannelOptions(max_videos=3), known={"v1"}) == ["v0", "v2", "v3"]
    assert pick(rows, ChannelOptions()) == [f"v{i}" for i in range(6)]


def test_the_seeded_sample_is_reproducible_per_channel_and_stable_under_new_uploads() -> None:
    ids = [f"v{i:02d}" for i in range(40)]
    rows = listing("@a", [(v, None) for v in ids])
    opts = ChannelOptions(max_videos=5, sample=True, seed=7)
    first = pick(rows, opts)
    assert len(first) == 5 and first == pick(rows, opts)  # same listing, same settings: same videos
    assert first == sorted(first, key=ids.index)  # in listing order
    assert pick(rows, ChannelOptions(max_videos=5, sample=True, seed=8)) != first
    assert first != ids[:5]  # not simply the first ones
    # a new upload enters only where its rank places it: the others of the sample stay
    grown = listing("@a", [("new", None)] + [(v, None) for v in ids])
    assert len(set(pick(grown, opts)) & set(first)) >= 4
    # another channel with the same videos draws its own sample (seeded by seed and channel)
    other = listing("@b", [(v, None) for v in ids])
    assert pick(other, opts) != first


def test_date_range_and_undated_entries() -> None:
    rows = listing(
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
    rows = listing(
        "@a",
        [("v", None), ("live", None, "is_live"), ("was", None, "was_live"), ("soon", None, "is_upcoming"),
         ("short", None, None, True), ("vod", None, "not_live")],
    )  # fmt: skip
    assert pick(rows, ChannelOptions(exclude_shorts_live=True)) == ["v", "vod"]
    assert len(pick(rows, ChannelOptions())) == 6


# ----------------------------------------------------------------------------- the video sheet
def write_listing(folder: Path, rows: list[dict], statuses: list[dict]) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    listing_path, status_path = folder / "listing.parquet", folder / "channels.parquet"
    write_parquet(table_from_rows(rows, LISTING), listing_path, LISTING)
    write_parquet(table_from_rows(statuses, CHANNEL_STATUS), status_path, CHANNEL_STATUS)
    return listing_path, status_path


def listed(channel: str, n: int) -> dict:
    return {"channel": channel, "channel_url": channel_url(channel), "status": "listed", "kind": None,
            "reason": None, "entries": n}  # fmt: skip


def run(tmp_path: Path, channels: str, shards: list[tuple[list[dict], list[dict]]], **options) -> dict:
    sheet = write(tmp_path, channels)
    paths = [write_listing(tmp_path / f"s{i}", rows, st) for i, (rows, st) in enumerate(shards)]
    return update_video_sheet(
        tmp_path / "videos.tsv", sheet, [p[0] for p in paths], [p[1] for p in paths],
        ChannelOptions(**options),
        channels_out=tmp_path / "out" / "channels.tsv", unavailable_out=tmp_path / "out" / "unavailable.tsv",
        summary_out=tmp_path / "out" / "summary.tsv",
    )  # fmt: skip


def test_videos_are_appended_with_the_channels_columns_and_nothing_existing_moves(tmp_path: Path) -> None:
    a = listing("@a", [("a1", None), ("a2", None)])
    gone = {"channel": "@gone", "channel_url": channel_url("@gone"), "status": "unavailable",
            "kind": "not_found", "reason": "HTTP Error 404: Not Found", "entries": 0}  # fmt: skip
    summary = run(tmp_path, "channel\tideology\n@a\tleft\n@gone\tright\n", [(a, [listed("@a", 2), gone])])
    sheet = read_sample_sheet(tmp_path / "videos.tsv")
    assert list(sheet.columns) == [
        "video_id", "source", "channel", "ideology", "listing_title", "listing_upload_time"
    ]  # fmt: skip
    assert sheet.values.tolist() == [
        ["a1", "https://www.youtube.com/watch?v=a1", "@a", "left", "title a1", ""],
        ["a2", "https://www.youtube.com/watch?v=a2", "@a", "left", "title a2", ""],
    ]
    unavailable = pd.read_csv(tmp_path / "out" / "unavailable.tsv", sep="\t")
    assert unavailable.values.tolist() == [
        ["@gone", channel_url("@gone"), "not_found", "HTTP Error 404: Not Found"]
    ]
    assert summary["channels_listed"] == 1 and summary["channels_unavailable"] == 1
    assert (
        summary["unavailable_rate"] == 0.5 and summary["videos_listed"] == 2 and summary["videos_added"] == 2
    )
    table = pd.read_csv(tmp_path / "out" / "summary.tsv", sep="\t")
    assert dict(zip(table["metric"], table["value"], strict=True))["videos_added"] == 2
    digests = shard_digests(sheet, 2)
    before = (tmp_path / "videos.tsv").read_bytes()

    # again with nothing new: the sheet is not touched (the experiments reading it do not rerun)
    stamp = os.stat(tmp_path / "videos.tsv").st_mtime_ns
    run(tmp_path, "channel\tideology\n@a\tleft\n@gone\tright\n", [(a, [listed("@a", 2), gone])])
    assert os.stat(tmp_path / "videos.tsv").st_mtime_ns == stamp

    # a new upload of @a, a new channel @b (sharing a video with @a), a new label column
    a2 = listing("@a", [("a3", "2020-03-03T10:30"), ("a1", None), ("a2", None)])
    b = listing("@b", [("b1", None), ("a2", None)])
    summary = run(
        tmp_path, "channel\tideology\tcountry\n@a\tleft\tde\n@gone\tright\tfr\n@b\tcenter\tat\n",
        [(a2, [listed("@a", 3), gone]), (b, [listed("@b", 2)])],
    )  # fmt: skip
    sheet = read_sample_sheet(tmp_path / "videos.tsv")
    assert list(sheet.video_id) == ["a1", "a2", "a3", "b1"]  # appended; a2 not twice
    assert shard_digests(sheet, 2)[0] == digests[0]  # the first shard is as it was
    assert sheet.loc[2].tolist() == [
        "a3", "https://www.youtube.com/watch?v=a3", "@a", "left", "title a3", "2020-03-03T10:30:00Z", "de"
    ]  # fmt: skip
    assert sheet.loc[0, "country"] == ""  # rows already there keep their values (relabel: false)
    assert summary["videos_added"] == 2 and summary["videos_already_in_sheet"] == 3
    text = (tmp_path / "videos.tsv").read_text().splitlines()
    assert [line.rsplit("\t", 1)[0] for line in text[1:3]] == before.decode().splitlines()[1:3]
    per_channel = pd.read_csv(tmp_path / "out" / "channels.tsv", sep="\t", keep_default_na=False)
    assert per_channel.set_index("channel")["in_sheet"].to_dict() == {"@a": 3, "@gone": 0, "@b": 1}


def test_max_videos_counts_the_rows_already_there(tmp_path: Path) -> None:
    channels = "channel\tideology\n@a\tleft\n"
    run(tmp_path, channels, [(listing("@a", [("a1", None), ("a2", None)]), [listed("@a", 2)])], max_videos=2)
    grown = listing("@a", [("a0", None), ("a1", None), ("a2", None)])
    summary = run(tmp_path, channels, [(grown, [listed("@a", 3)])], max_videos=2)
    assert summary["videos_added"] == 0
    assert list(read_sample_sheet(tmp_path / "videos.tsv").video_id) == ["a1", "a2"]


def test_relabel_rewrites_a_channels_rows_only(tmp_path: Path) -> None:
    (tmp_path / "videos.tsv").write_text("video_id\tsource\tchannel\tideology\nhand\t/x.mp4\t\tnone\n")
    rows = [(listing("@a", [("a1", None)]), [listed("@a", 1)])]
    run(tmp_path, "channel\tideology\n@a\tleft\n", rows)
    summary = run(tmp_path, "channel\tideology\n@a\tright\n", rows)  # a corrected label: kept as it was
    assert summary["rows_relabelled"] == 0
    assert list(read_sample_sheet(tmp_path / "videos.tsv").ideology) == ["none", "left"]
    summary = run(tmp_path, "channel\tideology\nhttps://youtube.com/@a\tright\n", rows, relabel=True)
    sheet = read_sample_sheet(tmp_path / "videos.tsv")
    assert summary["rows_relabelled"] == 1 and list(sheet.ideology) == ["none", "right"]
    assert list(sheet.channel) == ["", "@a"]  # the channel's other spelling is the same channel


def test_a_handle_spelt_in_another_case_is_the_same_channel(tmp_path: Path) -> None:
    """A re-run whose channels sheet spells a handle in another case finds the channel's listing
    (a reused listing names it as it was spelt), its rows, its count and its labels."""
    first = [(listing("@SomeParty", [("a1", None), ("a2", None)]), [listed("@SomeParty", 2)])]
    run(tmp_path, "channel\tideology\n@SomeParty\tleft\n", first, max_videos=3)
    grown = listing("@SomeParty", [("a0", None), ("a1", None), ("a2", None), ("a9", None)])
    summary = run(
        tmp_path, "channel\tideology\n@someparty\tright\n", [(grown, [listed("@SomeParty", 4)])],
        max_videos=3, relabel=True,
    )  # fmt: skip
    assert summary["channels_listed"] == 1 and summary["channels_not_listed"] == 0
    sheet = read_sample_sheet(tmp_path / "videos.tsv")
    assert list(sheet.video_id) == ["a1", "a2", "a0"]  # max_videos counts the rows listed before
    assert list(sheet.ideology) == ["right"] * 3 and summary["rows_relabelled"] == 2
    per_channel = pd.read_csv(tmp_path / "out" / "channels.tsv", sep="\t", keep_default_na=False)
    assert per_channel[["channel", "status", "in_sheet"]].values.tolist() == [["@someparty", "listed", 3]]


def test_a_posts_sheet_is_not_appended_to(tmp_path: Path) -> None:
    (tmp_path / "videos.tsv").write_text("post_id\ttext\nx\thello\n")
    with pytest.raises(SampleSheetError, match="is a posts sheet"):
        run(tmp_path, "channel\n@a\n", [(listing("@a", [("a1", None)]), [listed("@a", 1)])])


def test_a_header_only_sheet_is_filled(tmp_path: Path) -> None:
    (tmp_path / "videos.tsv").write_text("video_id\tsource\tnote\n")
    run(tmp_path, "channel\n@a\n", [(listing("@a", [("a1", None)]), [listed("@a", 1)])])
    sheet = read_sample_sheet(tmp_path / "videos.tsv")
    assert list(sheet.columns) == ["video_id", "source", "note", "channel", *LISTING_COLUMNS]
    assert list(sheet.video_id) == ["a1"]
    # a misspelt known column of a header-only sheet: said now, not at the next start-up
    (tmp_path / "videos.tsv").write_text("video_id\tSource\tnote\n")
    with pytest.raises(SampleSheetError, match=r"line 1 \(header\): column 'Source' looks like .* 'source'"):
        run(tmp_path, "channel\n@a\n", [(listing("@a", [("a1", None)]), [listed("@a", 1)])])


def test_the_listing_columns_join_an_older_sheet_with_its_first_listed_rows(tmp_path: Path) -> None:
    # a sheet written before the listing's columns existed, its channel listed already: nothing
    # new, so the sheet is not rewritten (nothing reruns); a new video brings the columns, the
    # rows there were get them empty (their ingest keys stay as they were)
    (tmp_path / "videos.tsv").write_text(
        "video_id\tsource\tchannel\na1\thttps://www.youtube.com/watch?v=a1\t@a\n"
    )
    stamp = os.stat(tmp_path / "videos.tsv").st_mtime_ns
    run(tmp_path, "channel\n@a\n", [(listing("@a", [("a1", "2020-01-02")]), [listed("@a", 1)])])
    assert os.stat(tmp_path / "videos.tsv").st_mtime_ns == stamp
    run(tmp_path, "channel\n@a\n", [(listing("@a", [("a2", "2021-05-06"), ("a1", None)]), [listed("@a", 2)])])
    sheet = read_sample_sheet(tmp_path / "videos.tsv")
    assert sheet[["video_id", *LISTING_COLUMNS]].values.tolist() == [
        ["a1", "", ""], ["a2", "title a2", "2021-05-06T00:00:00Z"]
    ]  # fmt: skip
    assert [v.listed() for v in sheet_videos(sheet)] == [
        {}, {"title": "title a2", "upload_time": "2021-05-06T00:00:00+00:00"}
    ]  # fmt: skip


def test_a_listed_title_with_tabs_and_line_breaks_fits_the_sheet(tmp_path: Path) -> None:
    rows = listing("@a", [("a1", None)])
    rows[0]["title"] = "Part one:\tthe new\nbudget "
    run(tmp_path, "channel\n@a\n", [(rows, [listed("@a", 1)])])
    assert read_sample_sheet(tmp_path / "videos.tsv").loc[0, "listing_title"] == "Part one: the new budget"


def test_availability_rates_of_channels_and_videos(tmp_path: Path) -> None:
    """The study's rates: channels that could not be listed, videos that could not be fetched."""
    a = listing("@a", [(f"a{i}", None) for i in range(3)])
    gone = {"channel": "@gone", "channel_url": channel_url("@gone"), "status": "unavailable",
            "kind": "private", "reason": "This channel is private", "entries": 0}  # fmt: skip
    sheet = "channel\tideology\n@a\tleft\n@gone\tright\n@b\tleft\n@c\tright\n"
    b, c = listing("@b", [("b1", None)]), listing("@c", [])
    run(tmp_path, sheet, [(a + b + c, [listed("@a", 3), gone, listed("@b", 1), listed("@c", 0)])])
    videos = [{"video_id": v, "source": v, "source_kind": "youtube"} for v in ("a0", "a2", "b1")]
    write_parquet(videos, tmp_path / "videos.parquet", VIDEOS)
    failed = [{"video_id": "a1", "source": "a1", "stage": s, "kind": "removed", "reason": "gone"}
              for s in ("ingest", "frames")]  # fmt: skip
    write_parquet(failed, tmp_path / "unavailable.parquet", UNAVAILABLE)
    rates = availability_rates(
        tmp_path / "videos.parquet", tmp_path / "unavailable.parquet", tmp_path / "out" / "summary.tsv"
    ).set_index("level")
    assert rates.loc["channels"].tolist() == [4, 3, 1, 25.0]  # n, available, unavailable, percent
    assert rates.loc["videos"].tolist() == [4, 3, 1, 25.0]  # a1 counted once
    # a run from a video sheet: no channels row
    alone = availability_rates(
        tmp_path / "videos.parquet", tmp_path / "unavailable.parquet", tmp_path / "none.tsv"
    )
    assert alone["level"].tolist() == ["videos"]


def test_a_quote_in_a_channels_sheet_loses_no_channel(tmp_path: Path) -> None:
    sheet = read_channel_sheet(
        write(tmp_path, 'channel\tname\n@a\t"Party A\n@b\tB\n@c\tC\n@d\tD" party\n@e\tE\n')
    )
    assert list(sheet["channel"]) == ["@a", "@b", "@c", "@d", "@e"]
    assert sheet["name"][0] == '"Party A'


def test_a_written_video_sheet_keeps_quotes_literal(tmp_path: Path) -> None:
    frame = pd.DataFrame({"video_id": ["v1", "v2"], "source": ["a", "b"], "ideology": ['"left', 'x"']})
    write_video_sheet(frame, tmp_path / "videos.tsv")
    assert (tmp_path / "videos.tsv").read_text() == 'video_id\tsource\tideology\nv1\ta\t"left\nv2\tb\tx"\n'
    assert list(read_sample_sheet(tmp_path / "videos.tsv").ideology) == ['"left', 'x"']
    bad = frame.assign(ideology=["a\tb", "c"])
    with pytest.raises(SampleSheetError, match="row 1, column 'ideology'"):
        write_video_sheet(bad, tmp_path / "videos.tsv")
