"""A videos sheet's columns and rows: sources by kind, a shard's videos, the kind's own checks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from polimodal.corpus.samples import POST_SHEET, VIDEO_SHEET, read_sample_sheet, sheet_kind
from polimodal.corpus.videos import VideoSource, sheet_videos, source_kind
from polimodal.errors import SampleSheetError


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("dQw4w9WgXcQ", "youtube"),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube"),
        ("https://youtu.be/dQw4w9WgXcQ", "youtube"),
        ("http://127.0.0.1:8000/a.mp4", "url"),
        ("/data/a.mp4", "local"),
        ("videos/a.mp4", "local"),
    ],
)
def test_source_kind(source, kind):
    assert source_kind(source) == kind


def test_a_videos_sheet_gives_its_videos(tmp_path):
    path = tmp_path / "v.tsv"
    path.write_text("video_id\tsource\tlab\na\t x.mp4 \t1\nb\tdQw4w9WgXcQ\t0\n")
    sheet = read_sample_sheet(path)
    assert sheet_kind(sheet.columns) is VIDEO_SHEET
    assert sheet_videos(sheet) == [VideoSource("a", "x.mp4"), VideoSource("b", "dQw4w9WgXcQ")]


def test_a_posts_sheet_is_not_read_as_videos(tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text("post_id\ttext\np1\thi\n")
    assert sheet_kind(read_sample_sheet(path).columns) is POST_SHEET
    with pytest.raises(SampleSheetError, match=r"is not a videos sheet \(no video_id column\)"):
        VIDEO_SHEET.read_shard(path, 0, 10)


@pytest.mark.parametrize(
    ("header", "column", "known"),
    [
        ("video_id\tSource\tparty", "Source", "source"),
        ("video_ID\tsource\tparty", "video_ID", "video_id"),
        ("video_id\tsource\tsorce", "sorce", "source"),
        ("video_id\tsource\tvidoe_id", "vidoe_id", "video_id"),
        ("Video ID\tsource\tparty", "Video ID", "video_id"),
        ("video_id\tsource\tChannel", "Channel", "channel"),  # the channels step matches rows by channel
        ("Post_ID\ttext\tparty", "Post_ID", "post_id"),  # a posts sheet's id: read as a videos sheet
    ],
)
def test_a_known_column_spelt_otherwise_stops_the_reading(tmp_path, header, column, known):
    path = tmp_path / "v.tsv"
    path.write_text(f"{header}\na\tx.mp4\tleft\n")
    with pytest.raises(SampleSheetError) as err:
        read_sample_sheet(path)
    assert (
        f"sample sheet {path}: line 1 (header): column {column!r} looks like the known column {known!r}"
        in str(err.value)
    )
    assert f"rename it to the column it looks like ({column!r} -> {known!r})" in str(err.value)


def test_label_names_stay_labels(tmp_path):
    labels = ["ideology", "party", "label", "stance", "country", "year", "hateful", "outlet", "score",
              "title", "text", "videos", "channel_id", "sources_label", "channel"]  # fmt: skip
    path = tmp_path / "v.tsv"
    path.write_text("\t".join(["video_id", "source", *labels]) + "\na\tx.mp4" + "\tv" * len(labels) + "\n")
    assert list(read_sample_sheet(path).columns) == ["video_id", "source", *labels]


def test_the_listing_columns_give_each_video_its_listed_title_and_time(tmp_path):
    path = tmp_path / "v.tsv"
    path.write_text(
        "video_id\tsource\tlisting_title\tlisting_upload_time\n"
        "a\thttp://h/a.mp4\tPart one\t2020-03-03T10:00:00Z\n"
        "b\thttp://h/b.mp4\t\t2020-03-04\n"
        "c\tc.mp4\t\t\n"
    )
    a, b, c = sheet_videos(read_sample_sheet(path))
    assert (a.listing_title, a.listing_upload_time) == ("Part one", datetime(2020, 3, 3, 10, tzinfo=UTC))
    assert (b.listing_title, b.listing_upload_time) == (None, datetime(2020, 3, 4, tzinfo=UTC))
    assert c == VideoSource("c", "c.mp4") and c.listed() == {}


def test_a_listing_time_that_is_no_time_names_its_line(tmp_path):
    path = tmp_path / "v.tsv"
    path.write_text("video_id\tsource\tlisting_upload_time\na\tx.mp4\t\nb\ty.mp4\tlast Tuesday\n")
    with pytest.raises(SampleSheetError, match=r"line 3 \(b\), column 'listing_upload_time': 'last Tuesday'"):
        read_sample_sheet(path)
