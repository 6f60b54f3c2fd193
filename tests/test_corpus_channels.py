"""The channels sheet without the network: channel names, the sheet's checks, its shards, the
settings of the channels → videos step (tests/test_extract_channels.py lists real feeds over
loopback HTTP)."""

from __future__ import annotations

from pathlib import Path

import pytest

from polimodal.corpus.channels import (
    ChannelOptions,
    channel_key,
    channel_shard_digests,
    channel_shards,
    channel_url,
    listing_url,
    read_channel_sheet,
    shard_channels,
)
from polimodal.corpus.samples import VIDEO_ID_RE
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


def test_a_quote_in_a_channels_sheet_loses_no_channel(tmp_path: Path) -> None:
    sheet = read_channel_sheet(
        write(tmp_path, 'channel\tname\n@a\t"Party A\n@b\tB\n@c\tC\n@d\tD" party\n@e\tE\n')
    )
    assert list(sheet["channel"]) == ["@a", "@b", "@c", "@d", "@e"]
    assert sheet["name"][0] == '"Party A'
