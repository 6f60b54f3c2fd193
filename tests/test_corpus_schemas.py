"""Declared schemas are enforced on write; writes are atomic."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from polimodal.corpus.schemas import DEDUP, UNAVAILABLE, concat_parquet, read_parquet, write_parquet
from polimodal.errors import SchemaError


def test_rows_round_trip(tmp_path):
    rows = [{"video_id": "a", "source": "s", "stage": "ingest", "kind": "not_found", "reason": "gone"}]
    out = write_parquet(rows, tmp_path / "u.parquet", UNAVAILABLE)
    assert read_parquet(out, UNAVAILABLE).to_pylist() == rows
    assert not list(tmp_path.glob(".*tmp"))


def test_unknown_column_and_null_in_required(tmp_path):
    with pytest.raises(SchemaError, match="unknown column"):
        write_parquet([{"video_id": "a", "oops": 1}], tmp_path / "x.parquet", UNAVAILABLE)
    with pytest.raises(SchemaError, match="'reason' has nulls"):
        write_parquet(
            [{"video_id": "a", "source": "s", "stage": "i", "kind": "k"}], tmp_path / "x.parquet", UNAVAILABLE
        )
    assert not (tmp_path / "x.parquet").exists()


def test_table_is_cast_and_reordered(tmp_path):
    t = pa.table(
        {
            "kept": [True],
            "frame_idx": pa.array([3], pa.int64()),
            "video_id": ["v"],
            "timestamp": [1.0],
            "duplicate_of": pa.array([None], pa.int64()),
            "max_similarity": [0.5],
        }
    )
    write_parquet(t, tmp_path / "d.parquet", DEDUP)
    assert pq.read_schema(tmp_path / "d.parquet").equals(DEDUP, check_metadata=False)


def test_missing_column_is_named(tmp_path):
    with pytest.raises(SchemaError, match=r"missing columns \['frame_idx'"):
        write_parquet(pa.table({"video_id": ["v"]}), tmp_path / "d.parquet", DEDUP)


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    rows = [{"video_id": "a", "source": "s", "stage": "ingest", "kind": "k", "reason": "r"}]
    out = write_parquet(rows, tmp_path / "u.parquet", UNAVAILABLE)

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", boom)
    with pytest.raises(OSError):
        write_parquet(rows * 2, out, UNAVAILABLE)
    assert read_parquet(out, UNAVAILABLE).num_rows == 1
    assert [p.name for p in tmp_path.iterdir()] == ["u.parquet"]


def test_concat_empty_and_many(tmp_path):
    a = write_parquet([], tmp_path / "a.parquet", UNAVAILABLE)
    rows = [{"video_id": "b", "source": "s", "stage": "ingest", "kind": "k", "reason": "r"}]
    b = write_parquet(rows, tmp_path / "b.parquet", UNAVAILABLE)
    out = concat_parquet([a, b], tmp_path / "all.parquet", UNAVAILABLE)
    assert read_parquet(out, UNAVAILABLE).column("video_id").to_pylist() == ["b"]
    assert concat_parquet([], tmp_path / "none.parquet", UNAVAILABLE).exists()
