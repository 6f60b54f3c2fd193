"""Declared schemas are enforced on write; writes are atomic."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from polimodal.corpus.schemas import (
    DEDUP,
    FRAMES,
    PITCH,
    SEGMENTS,
    UNAVAILABLE,
    concat_parquet,
    read_parquet,
    write_parquet,
    write_parquet_stream,
)
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


def _encodings(path):
    md = pq.ParquetFile(path).metadata.row_group(0)
    return {md.column(i).path_in_schema: set(md.column(i).encodings) for i in range(md.num_columns)}


def test_floats_are_byte_stream_split_and_blobs_plain(tmp_path):
    """Every artifact writer groups float bytes (zstd then compresses a 10 ms pitch track far
    better than dictionary pages of unique floats), dictionary-encodes the rest, never the JPEGs."""
    t = np.arange(20_000) * 0.01
    f0 = (120 + 15 * np.sin(t) + np.random.default_rng(0).normal(0, 2, t.size)).astype(np.float32)
    pitch = pa.table({"video_id": ["v"] * t.size, "time": t, "f0": f0, "intensity": f0 / 2}).cast(PITCH)
    out = write_parquet(pitch, tmp_path / "pitch.parquet", PITCH)
    enc = _encodings(out)
    assert {"time", "f0", "intensity"} <= {c for c, e in enc.items() if "BYTE_STREAM_SPLIT" in e}
    assert "RLE_DICTIONARY" in enc["video_id"]
    assert read_parquet(out, PITCH).equals(pitch)
    plain = tmp_path / "plain.parquet"
    pq.write_table(pitch, plain, compression="zstd")
    assert out.stat().st_size < 0.8 * plain.stat().st_size

    frames = [{"video_id": "v", "frame_idx": i, "timestamp": float(i), "width": 2, "height": 2,
               "jpeg": bytes([i]) * 50} for i in range(3)]  # fmt: skip
    out = write_parquet_stream([pa.Table.from_pylist(frames, FRAMES)], tmp_path / "f.parquet", FRAMES)
    enc = _encodings(out)
    assert "RLE_DICTIONARY" not in enc["jpeg"] and "BYTE_STREAM_SPLIT" in enc["timestamp"]

    words = [{"word": "tax", "start": 0.5, "end": 0.9, "probability": 0.9}]
    seg = [{"video_id": "v", "segment_id": 0, "start": 0.0, "end": 1.0, "text": "tax",
            "avg_logprob": -0.2, "no_speech_prob": 0.1, "words": words}]  # fmt: skip
    out = write_parquet(seg, tmp_path / "s.parquet", SEGMENTS)
    enc = _encodings(out)
    assert "BYTE_STREAM_SPLIT" in enc["words.list.element.start"]
    assert "RLE_DICTIONARY" in enc["words.list.element.word"]
    assert read_parquet(out, SEGMENTS).to_pylist()[0]["words"] == words
