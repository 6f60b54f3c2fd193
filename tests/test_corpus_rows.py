"""Some videos' rows of a shard table, row group by row group (:mod:`polimodal.corpus.rows`)."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from polimodal.corpus.rows import read_video_rows, read_videos, select_videos, video_row_groups
from polimodal.corpus.schemas import DEDUP, write_parquet
from polimodal.errors import SchemaError


@pytest.fixture
def table(tmp_path):
    """A DEDUP table of videos a (3 rows), b (2), c (3) in row groups of 2 rows: a a | a b | b c | c c."""
    rows = [("a", 0), ("a", 1), ("a", 2), ("b", 0), ("b", 1), ("c", 0), ("c", 1), ("c", 2)]
    return write_parquet(
        [{"video_id": v, "frame_idx": i, "timestamp": float(i), "kept": i != 1} for v, i in rows],
        tmp_path / "dedup.parquet",
        DEDUP,
        row_group_size=2,
    )


def test_one_video_at_a_time(table):
    groups = video_row_groups(table)
    assert groups == {"a": [0, 1], "b": [1, 2], "c": [2, 3]}
    rows = read_video_rows(table, "b", groups["b"], ["video_id", "frame_idx"])
    assert rows.to_pydict() == {"video_id": ["b", "b"], "frame_idx": [0, 1]}
    assert read_video_rows(table, "z", [], ["video_id", "kept"]).num_rows == 0


def test_a_set_of_videos_reads_only_their_row_groups(table, monkeypatch):
    read = []
    original = pq.ParquetFile.read_row_group

    def spy(self, i, columns=None, **kw):
        read.append((i, tuple(columns or ())))
        return original(self, i, columns=columns, **kw)

    monkeypatch.setattr(pq.ParquetFile, "read_row_group", spy)
    tables = list(select_videos(table, ["a"], ["video_id", "frame_idx", "kept"]))
    assert [t.column("frame_idx").to_pylist() for t in tables] == [[0, 1], [2]]
    # the video_id column of every row group; the other columns of the two that hold ``a`` only
    assert [i for i, cols in read if cols != ("video_id",)] == [0, 1]
    both = read_videos(table, ["c", "a"], ["video_id", "frame_idx"])
    assert both.column("video_id").to_pylist() == ["a", "a", "a", "c", "c", "c"]  # file order


def test_no_row_of_the_videos_is_a_typed_empty_table(table):
    none = read_videos(table, ["z"], ["video_id", "kept"])
    assert none.num_rows == 0 and none.schema.names == ["video_id", "kept"]
    assert str(none.schema.field("kept").type) == "bool"
    with pytest.raises(SchemaError, match=r"missing column\(s\) \['jpeg'\]"):
        read_videos(table, ["a"], ["video_id", "jpeg"])
