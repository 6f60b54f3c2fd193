"""A videos sheet's columns and rows: sources by kind, a shard's videos, the kind's own checks."""

from __future__ import annotations

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
