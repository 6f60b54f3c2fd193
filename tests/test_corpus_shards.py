"""Per-video resumable shard processing."""

from __future__ import annotations

import pytest

from polimodal.corpus.schemas import UNAVAILABLE, read_parquet, table_from_rows
from polimodal.corpus.shards import parts_dir, process_videos


def row(vid):
    return {"video_id": vid, "source": "s", "stage": "test", "kind": "k", "reason": f"r{vid}"}


def test_resumes_after_a_crash_without_redoing_videos(tmp_path):
    out = tmp_path / "shard.parquet"
    calls = []

    def fn(vid):
        calls.append(vid)
        if vid == "c" and calls.count("c") == 1:
            raise KeyboardInterrupt  # killed in the middle of the shard
        return {"u": table_from_rows([row(vid)], UNAVAILABLE)}

    with pytest.raises(KeyboardInterrupt):
        process_videos(["a", "b", "c", "d"], fn, {"u": (out, UNAVAILABLE)})
    assert not out.exists()
    assert sorted(p.name for p in parts_dir(out).iterdir()) == ["a.u.parquet", "b.u.parquet"]
    process_videos(["a", "b", "c", "d"], fn, {"u": (out, UNAVAILABLE)})
    assert calls == ["a", "b", "c", "c", "d"]  # a and b were not redone
    assert read_parquet(out, UNAVAILABLE).column("video_id").to_pylist() == ["a", "b", "c", "d"]
    assert not parts_dir(out).exists()


def test_several_outputs_and_empty_shard(tmp_path):
    outs = {"x": (tmp_path / "x.parquet", UNAVAILABLE), "y": (tmp_path / "y.parquet", UNAVAILABLE)}

    def fn(vid):
        return {"x": table_from_rows([row(vid)], UNAVAILABLE), "y": table_from_rows([], UNAVAILABLE)}

    process_videos(["a"], fn, outs)
    assert read_parquet(tmp_path / "x.parquet", UNAVAILABLE).num_rows == 1
    assert read_parquet(tmp_path / "y.parquet", UNAVAILABLE).num_rows == 0
    process_videos([], fn, {"x": (tmp_path / "e.parquet", UNAVAILABLE)})
    assert read_parquet(tmp_path / "e.parquet", UNAVAILABLE).num_rows == 0
