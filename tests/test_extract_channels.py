"""Listing channels with the real yt-dlp over loopback HTTP: RSS feeds of media files served on
127.0.0.1 stand in for channels (yt-dlp's generic extractor lists a feed as a playlist, one entry
per item, with its pubDate as date), a missing feed for a removed channel (HTTP 404, and 410 under
/gone410/: conftest's ``feeds``). The server counts requests, so the tests see which channels were
listed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yt_dlp

from conftest import make_feed
from polimodal.corpus.channels import ChannelOptions, channel_url, read_channel_sheet, shard_channels
from polimodal.corpus.samples import read_sample_sheet, shard_digests
from polimodal.corpus.schemas import CHANNEL_STATUS, LISTING, read_parquet
from polimodal.extract.channels import (
    classify_channel_error,
    derived_id,
    entry_row,
    list_channel,
    list_channels_shard,
    list_videos,
)
from polimodal.extract.ingest import IngestOptions

INGEST = IngestOptions(sleep_interval=0, retries=0, socket_timeout=10)


C1 = [
    ("a", "Mon, 06 Jan 2020 10:00:00 GMT"),
    ("b", "Sun, 01 Mar 2020 10:00:00 GMT"),
    ("c", "Sun, 01 May 2022 10:00:00 GMT"),
    ("d", None),
]
C2 = [("x", "Sat, 01 Feb 2020 10:00:00 GMT"), ("y", "Sun, 02 Feb 2020 10:00:00 GMT")]


def sheet_of(folder: Path, rows: list[tuple[str, str]]) -> Path:
    path = folder.parent / "channels.tsv"
    path.write_text("channel\tideology\n" + "".join(f"{c}\t{label}\n" for c, label in rows))
    return path


def ids(sheet: Path) -> list[str]:
    return [v.rsplit("-", 1)[0] for v in read_sample_sheet(sheet)["video_id"]]


# ----------------------------------------------------------------------------- listing → video sheet
def test_listing_feeds_into_the_video_sheet_with_the_channels_columns(feeds, tmp_path: Path) -> None:
    folder, base, counts = feeds
    c1, c2 = make_feed(folder, base, "c1", C1), make_feed(folder, base, "c2", C2)
    channels = sheet_of(
        folder,
        [(c1, "left"), (f"{base}/gone404/feed.xml", "right"), (c2, "center"),
         (f"{base}/gone410/feed.xml", "left"), (f"{base}/c1/a.mp4", "x")],
    )  # fmt: skip
    summary = list_videos(
        channels, tmp_path / "videos.tsv", tmp_path / "ch", ChannelOptions(shard_size=2), INGEST
    )

    sheet = read_sample_sheet(tmp_path / "videos.tsv")
    assert list(sheet.columns) == [
        "video_id", "source", "channel", "ideology", "listing_title", "listing_upload_time"
    ]  # fmt: skip
    assert ids(tmp_path / "videos.tsv") == ["a", "b", "c", "d", "x", "y"]
    assert sheet.loc[0].tolist() == [
        derived_id("a", f"{base}/c1/a.mp4"), f"{base}/c1/a.mp4", c1, "left", "a", "2020-01-06T10:00:00Z"
    ]  # fmt: skip
    # what the listing said of each video travels with it (the ingest job falls back on it)
    assert sheet.loc[3, "listing_upload_time"] == "" and sheet.loc[3, "listing_title"] == "d"
    assert list(sheet.ideology) == ["left"] * 4 + ["center"] * 2
    # the channels that could not be listed, with their reasons; the run went on past them
    bad = pd.read_csv(tmp_path / "ch" / "unavailable.tsv", sep="\t").set_index("channel")
    assert bad.loc[f"{base}/gone404/feed.xml", "kind"] == "not_found"
    assert "404" in bad.loc[f"{base}/gone404/feed.xml", "reason"]
    assert bad.loc[f"{base}/gone410/feed.xml", "kind"] == "removed"
    assert "410" in bad.loc[f"{base}/gone410/feed.xml", "reason"]
    assert bad.loc[f"{base}/c1/a.mp4", "kind"] == "unsupported"  # a video, not a channel
    assert summary["channels"] == 5 and summary["channels_listed"] == 2
    assert summary["channels_unavailable"] == 3 and summary["unavailable_rate"] == 0.6
    assert summary["videos_listed"] == 6 and summary["videos_added"] == 6 and summary["undated_kept"] == 1
    # the listing: every entry with its date (pubDate) or none
    listing = read_parquet(tmp_path / "ch" / "000000" / "listing.parquet", LISTING).to_pandas()
    assert listing["upload_time"].isna().tolist() == [False, False, False, True]
    assert str(listing["upload_time"][0].date()) == "2020-01-06"
    status = read_parquet(tmp_path / "ch" / "000001" / "channels.parquet", CHANNEL_STATUS).to_pylist()
    assert [s["status"] for s in status] == ["listed", "unavailable"]
    assert not any("mp4" in path and "feed" not in path for path in counts if path.startswith("/c2/"))


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"date_from": "2020-01-01", "date_to": "2020-12-31"}, ["a", "b", "d", "x", "y"]),
        ({"date_from": "2020-01-01", "date_to": "2020-12-31", "undated": "drop"}, ["a", "b", "x", "y"]),
        ({"date_from": "2022-01-01"}, ["c", "d"]),
        ({"max_videos": 1}, ["a", "x"]),
        ({"max_videos": 2, "date_to": "2020-12-31", "undated": "drop"}, ["a", "b", "x", "y"]),
    ],
)
def test_selection_of_listed_feeds(feeds, tmp_path: Path, settings: dict, expected: list[str]) -> None:
    folder, base, _ = feeds
    channels = sheet_of(
        folder, [(make_feed(folder, base, "c1", C1), "l"), (make_feed(folder, base, "c2", C2), "r")]
    )
    options = ChannelOptions.from_config(settings)
    list_videos(channels, tmp_path / "videos.tsv", tmp_path / "ch", options, INGEST)
    assert ids(tmp_path / "videos.tsv") == expected


def test_the_seeded_sample_of_a_feed_is_reproducible(feeds, tmp_path: Path) -> None:
    folder, base, _ = feeds
    items = [(f"v{i:02d}", None) for i in range(20)]
    channels = sheet_of(folder, [(make_feed(folder, base, "big", items), "l")])
    sheets = []
    for run, seed in enumerate((3, 3, 4)):
        out = tmp_path / f"run{run}"
        options = ChannelOptions(max_videos=4, sample=True, seed=seed)
        list_videos(channels, out / "videos.tsv", out / "ch", options, INGEST)
        sheets.append(ids(out / "videos.tsv"))
    assert len(sheets[0]) == 4 and sheets[0] == sheets[1] and sheets[0] != sheets[2]
    assert sheets[0] == sorted(sheets[0]) and sheets[0] != [f"v{i:02d}" for i in range(4)]


# ----------------------------------------------------------------------------- append only, resumable
def test_adding_channels_and_relisting_append_and_list_only_what_is_new(feeds, tmp_path: Path) -> None:
    folder, base, counts = feeds
    c1, c2 = make_feed(folder, base, "c1", C1), make_feed(folder, base, "c2", C2)
    out, results, options = tmp_path / "videos.tsv", tmp_path / "ch", ChannelOptions(shard_size=10)
    list_videos(sheet_of(folder, [(c1, "left"), (c2, "right")]), out, results, options, INGEST)
    first = out.read_text().splitlines()
    digests = shard_digests(read_sample_sheet(out), 3)
    assert counts["/c1/feed.xml"] == 1 and counts["/c2/feed.xml"] == 1

    # a new channel in the same shard and a new upload of c1: only c3 is listed (c1's listing of the
    # first run is reused), its videos come after every row there was
    make_feed(folder, base, "c1", [("e", "Mon, 01 Jun 2020 10:00:00 GMT"), *C1])
    c3 = make_feed(folder, base, "c3", [("p", None), ("a", None)])
    channels = sheet_of(folder, [(c1, "left"), (c2, "right"), (c3, "center")])
    summary = list_videos(channels, out, results, options, INGEST)
    assert counts["/c1/feed.xml"] == 1 and counts["/c2/feed.xml"] == 1 and counts["/c3/feed.xml"] == 1
    lines = out.read_text().splitlines()
    assert lines[: len(first)] == first  # existing rows unchanged and in place
    assert ids(out) == ["a", "b", "c", "d", "x", "y", "p", "a"]  # c3's a is another file: another video
    assert shard_digests(read_sample_sheet(out), 3)[:2] == digests[:2]
    assert summary["videos_added"] == 2

    # the next round (refresh) lists every channel again: c1's new upload is appended, nothing twice
    summary = list_videos(channels, out, results, ChannelOptions(shard_size=10, refresh=1), INGEST)
    assert counts["/c1/feed.xml"] == 2 and counts["/c3/feed.xml"] == 2
    assert ids(out) == ["a", "b", "c", "d", "x", "y", "p", "a", "e"]
    assert out.read_text().splitlines()[: len(lines)] == lines
    assert summary["videos_added"] == 1 and summary["videos_already_in_sheet"] == 8


class Killed(BaseException):
    """Stands in for the job being killed (not an error a listing catches)."""


def test_a_killed_listing_job_does_not_list_finished_channels_again(feeds, tmp_path: Path) -> None:
    folder, base, counts = feeds
    c1, c2 = make_feed(folder, base, "c1", C1), make_feed(folder, base, "c2", C2)
    channels = shard_channels(read_channel_sheet(sheet_of(folder, [(c1, "l"), (c2, "r")])), 0, 10)
    outputs = (tmp_path / "000000" / "listing.parquet", tmp_path / "000000" / "channels.parquet")

    def dies_on_c2(params: dict) -> Any:
        ydl = yt_dlp.YoutubeDL(params)
        listing = ydl.extract_info

        def extract_info(url: str, **kwargs: Any) -> Any:
            if url == c2:
                raise Killed
            return listing(url, **kwargs)

        ydl.extract_info = extract_info
        return ydl

    with pytest.raises(Killed):
        list_channels_shard(channels, *outputs, ChannelOptions(), INGEST, ydl=dies_on_c2)
    assert not outputs[0].exists() and counts["/c1/feed.xml"] == 1
    counted = list_channels_shard(channels, *outputs, ChannelOptions(), INGEST)
    assert counted == {"listed": 1, "reused": 1, "unavailable": 0}
    assert counts["/c1/feed.xml"] == 1 and counts["/c2/feed.xml"] == 1
    assert read_parquet(outputs[0], LISTING).num_rows == 6
    # a channel that could not be listed is tried again by the next run; changed settings list again
    counted = list_channels_shard(channels, *outputs, ChannelOptions(exclude_shorts_live=True), INGEST)
    assert counted["listed"] == 2


def test_a_listing_error_is_recorded_never_raised(feeds) -> None:
    folder, base, _ = feeds
    from polimodal.errors import MediaUnavailable

    with pytest.raises(MediaUnavailable) as err:
        list_channel("x", f"{base}/gone410/feed.xml", INGEST)
    assert err.value.kind == "removed" and "410" in err.value.reason
    assert list_channel("c2", make_feed(folder, base, "c2", C2), INGEST)[1]["position"] == 1


# ----------------------------------------------------------------------------- entries and errors
@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("ERROR: [generic] feed: Unable to download webpage: HTTP Error 410: Gone", "removed"),
        ("ERROR: [generic] feed: Unable to download webpage: HTTP Error 404: Not Found", "not_found"),
        ("ERROR: [youtube:tab] @x: This channel does not exist.", "not_found"),
        ("ERROR: [youtube:tab] UC…: This account has been terminated for violating ...", "removed"),
        ("ERROR: [youtube:tab] This channel is private", "private"),
        ("ERROR: The uploader has not made this video available in your country", "geo_blocked"),
        ("ERROR: HTTP Error 429: Too Many Requests", "rate_limited"),
        ("ERROR: Unsupported URL: https://e.org/", "unsupported"),
        ("ERROR: something new", "download_error"),
    ],
)
def test_listing_errors_are_classified(message: str, kind: str) -> None:
    assert classify_channel_error(message) == kind


def test_youtube_entries_keep_their_id_date_and_kind() -> None:
    row = entry_row(
        {"_type": "url", "ie_key": "Youtube", "id": "dQw4w9WgXcQ", "url": "https://www.youtube.com/shorts/dQw4w9WgXcQ",
         "title": "t", "timestamp": 1_600_000_000, "duration": 12, "live_status": "was_live"}
    )  # fmt: skip
    assert row is not None
    assert row["video_id"] == "dQw4w9WgXcQ" and row["source"] == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert row["short"] and row["live_status"] == "was_live" and row["duration"] == 12.0
    assert str(row["upload_time"].date()) == "2020-09-13"
    vimeo = entry_row({"_type": "url", "ie_key": "Vimeo", "id": "12345", "url": "https://vimeo.com/12345"})
    assert vimeo is not None and vimeo["video_id"] == "12345" and not vimeo["short"]
    assert entry_row({"_type": "url", "title": "no url"}) is None
    assert entry_row({"_type": "url", "url": "https://e.org/x.mp4", "upload_date": "20200102"})["upload_time"]


def test_a_whole_youtube_channel_lists_its_tabs() -> None:
    """A channel's home lists its videos and, as nested lists, its /streams and /shorts tabs."""
    video = {
        "_type": "url",
        "ie_key": "Youtube",
        "id": "A" * 11,
        "url": "https://www.youtube.com/watch?v=" + "A" * 11,
    }
    short = {
        "_type": "url",
        "ie_key": "Youtube",
        "id": "B" * 11,
        "url": "https://www.youtube.com/shorts/" + "B" * 11,
    }
    tab = {"_type": "url", "ie_key": "YoutubeTab", "url": "https://www.youtube.com/@x/shorts"}
    pages = {
        "https://www.youtube.com/@x": {"_type": "playlist", "entries": [video, tab]},
        "https://www.youtube.com/@x/shorts": {"_type": "playlist", "entries": [short]},
    }

    class FakeYdl:
        def __init__(self, params: dict) -> None:
            assert params["extract_flat"] is True and params["noplaylist"] is False
            assert params["extractor_args"] == {"youtubetab": {"approximate_date": [""]}}

        def __enter__(self) -> FakeYdl:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def extract_info(self, url: str, download: bool = True) -> dict:
            assert download is False
            return pages[url]

    rows = list_channel("@x", channel_url("@x") or "", INGEST, ydl=FakeYdl)
    assert [(r["video_id"], r["short"], r["position"]) for r in rows] == [
        ("A" * 11, False, 0),
        ("B" * 11, True, 1),
    ]


def test_the_command_line_does_what_the_rules_do(feeds, tmp_path: Path, capsys) -> None:
    from polimodal.cli import main

    folder, base, _ = feeds
    channels = sheet_of(folder, [(make_feed(folder, base, "c2", C2), "center")])
    config = tmp_path / "config.yaml"
    config.write_text(
        f"samples: {tmp_path / 'videos.tsv'}\nchannels: {{sheet: {channels}, max_videos: 1}}\n"
        "ingest: {sleep_interval: 0, retries: 0}\n"
    )
    assert main(["channels", "--config", str(config), "--results", str(tmp_path / "ch")]) == 0
    assert "videos_added             1" in capsys.readouterr().out
    assert ids(tmp_path / "videos.tsv") == ["x"] and (tmp_path / "ch" / "000000" / "listing.parquet").exists()
    config.write_text("samples: x.tsv\n")
    assert main(["channels", "--config", str(config)]) == 2
    assert "set channels.sheet" in capsys.readouterr().err
