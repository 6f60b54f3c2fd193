"""The append-only video sheet of channels → videos, its reports and the availability rates
(listing tables written here stand in for the listing jobs'; tests/test_workflow_channels.py runs
the listing and the workflow)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from conftest import listing_rows
from polimodal.corpus.channel_videos import availability_rates, update_video_sheet, write_video_sheet
from polimodal.corpus.channels import ChannelOptions, channel_url
from polimodal.corpus.samples import read_sample_sheet, shard_digests
from polimodal.corpus.schemas import (
    CHANNEL_STATUS,
    LISTING,
    UNAVAILABLE,
    VIDEOS,
    table_from_rows,
    write_parquet,
)
from polimodal.corpus.videos import LISTING_COLUMNS, sheet_videos
from polimodal.errors import SampleSheetError


def write(tmp_path: Path, text: str | bytes, name: str = "channels.tsv") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


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
    a = listing_rows("@a", [("a1", None), ("a2", None)])
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
    a2 = listing_rows("@a", [("a3", "2020-03-03T10:30"), ("a1", None), ("a2", None)])
    b = listing_rows("@b", [("b1", None), ("a2", None)])
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
    run(
        tmp_path,
        channels,
        [(listing_rows("@a", [("a1", None), ("a2", None)]), [listed("@a", 2)])],
        max_videos=2,
    )
    grown = listing_rows("@a", [("a0", None), ("a1", None), ("a2", None)])
    summary = run(tmp_path, channels, [(grown, [listed("@a", 3)])], max_videos=2)
    assert summary["videos_added"] == 0
    assert list(read_sample_sheet(tmp_path / "videos.tsv").video_id) == ["a1", "a2"]


def test_relabel_rewrites_a_channels_rows_only(tmp_path: Path) -> None:
    (tmp_path / "videos.tsv").write_text("video_id\tsource\tchannel\tideology\nhand\t/x.mp4\t\tnone\n")
    rows = [(listing_rows("@a", [("a1", None)]), [listed("@a", 1)])]
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
    first = [(listing_rows("@SomeParty", [("a1", None), ("a2", None)]), [listed("@SomeParty", 2)])]
    run(tmp_path, "channel\tideology\n@SomeParty\tleft\n", first, max_videos=3)
    grown = listing_rows("@SomeParty", [("a0", None), ("a1", None), ("a2", None), ("a9", None)])
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
        run(tmp_path, "channel\n@a\n", [(listing_rows("@a", [("a1", None)]), [listed("@a", 1)])])


def test_a_header_only_sheet_is_filled(tmp_path: Path) -> None:
    (tmp_path / "videos.tsv").write_text("video_id\tsource\tnote\n")
    run(tmp_path, "channel\n@a\n", [(listing_rows("@a", [("a1", None)]), [listed("@a", 1)])])
    sheet = read_sample_sheet(tmp_path / "videos.tsv")
    assert list(sheet.columns) == ["video_id", "source", "note", "channel", *LISTING_COLUMNS]
    assert list(sheet.video_id) == ["a1"]
    # a misspelt known column of a header-only sheet: said now, not at the next start-up
    (tmp_path / "videos.tsv").write_text("video_id\tSource\tnote\n")
    with pytest.raises(SampleSheetError, match=r"line 1 \(header\): column 'Source' looks like .* 'source'"):
        run(tmp_path, "channel\n@a\n", [(listing_rows("@a", [("a1", None)]), [listed("@a", 1)])])


def test_the_listing_columns_join_an_older_sheet_with_its_first_listed_rows(tmp_path: Path) -> None:
    # a sheet written before the listing's columns existed, its channel listed already: nothing
    # new, so the sheet is not rewritten (nothing reruns); a new video brings the columns, the
    # rows there were get them empty (their ingest keys stay as they were)
    (tmp_path / "videos.tsv").write_text(
        "video_id\tsource\tchannel\na1\thttps://www.youtube.com/watch?v=a1\t@a\n"
    )
    stamp = os.stat(tmp_path / "videos.tsv").st_mtime_ns
    run(tmp_path, "channel\n@a\n", [(listing_rows("@a", [("a1", "2020-01-02")]), [listed("@a", 1)])])
    assert os.stat(tmp_path / "videos.tsv").st_mtime_ns == stamp
    run(
        tmp_path,
        "channel\n@a\n",
        [(listing_rows("@a", [("a2", "2021-05-06"), ("a1", None)]), [listed("@a", 2)])],
    )
    sheet = read_sample_sheet(tmp_path / "videos.tsv")
    assert sheet[["video_id", *LISTING_COLUMNS]].values.tolist() == [
        ["a1", "", ""], ["a2", "title a2", "2021-05-06T00:00:00Z"]
    ]  # fmt: skip
    assert [v.listed() for v in sheet_videos(sheet)] == [
        {}, {"title": "title a2", "upload_time": "2021-05-06T00:00:00+00:00"}
    ]  # fmt: skip


def test_a_listed_title_with_tabs_and_line_breaks_fits_the_sheet(tmp_path: Path) -> None:
    rows = listing_rows("@a", [("a1", None)])
    rows[0]["title"] = "Part one:\tthe new\nbudget "
    run(tmp_path, "channel\n@a\n", [(rows, [listed("@a", 1)])])
    assert read_sample_sheet(tmp_path / "videos.tsv").loc[0, "listing_title"] == "Part one: the new budget"


def test_availability_rates_of_channels_and_videos(tmp_path: Path) -> None:
    """The study's rates: channels that could not be listed, videos that could not be fetched."""
    a = listing_rows("@a", [(f"a{i}", None) for i in range(3)])
    gone = {"channel": "@gone", "channel_url": channel_url("@gone"), "status": "unavailable",
            "kind": "private", "reason": "This channel is private", "entries": 0}  # fmt: skip
    sheet = "channel\tideology\n@a\tleft\n@gone\tright\n@b\tleft\n@c\tright\n"
    b, c = listing_rows("@b", [("b1", None)]), listing_rows("@c", [])
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


def test_a_written_video_sheet_keeps_quotes_literal(tmp_path: Path) -> None:
    frame = pd.DataFrame({"video_id": ["v1", "v2"], "source": ["a", "b"], "ideology": ['"left', 'x"']})
    write_video_sheet(frame, tmp_path / "videos.tsv")
    assert (tmp_path / "videos.tsv").read_text() == 'video_id\tsource\tideology\nv1\ta\t"left\nv2\tb\tx"\n'
    assert list(read_sample_sheet(tmp_path / "videos.tsv").ideology) == ['"left', 'x"']
    bad = frame.assign(ideology=["a\tb", "c"])
    with pytest.raises(SampleSheetError, match="row 1, column 'ideology'"):
        write_video_sheet(bad, tmp_path / "videos.tsv")
