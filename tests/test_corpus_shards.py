"""Per-video resumable shard processing."""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from polimodal.corpus.schemas import UNAVAILABLE, read_parquet, table_from_rows
from polimodal.corpus.shards import parts_dir, previous_dir, process_videos


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


# ----------------------------------------------------------------------------- the last finished run
def _run(out, ids, fn, key, **kw):
    return process_videos(ids, fn, {"u": (out, UNAVAILABLE)}, key=key, **kw)


def test_a_rerun_reuses_videos_whose_key_is_unchanged(tmp_path):
    out = tmp_path / "shard.parquet"
    calls = []

    def fn(vid):
        calls.append(vid)
        return {"u": table_from_rows([row(vid)], UNAVAILABLE)}

    keys = {"a": "1", "b": "1", "c": "1"}
    assert _run(out, ["a", "b"], fn, keys.get)["made"] == 2
    prev = previous_dir(out)
    assert os.stat(prev / "u.parquet").st_ino == os.stat(out).st_ino  # a hard link: no extra bytes
    out.unlink()  # as Snakemake does before it runs a job again
    keys["b"] = "2"  # b's settings changed; c is a new row
    counts = _run(out, ["a", "b", "c"], fn, keys.get)
    assert calls == ["a", "b", "b", "c"]  # a was reused
    assert counts == {"made": 2, "reused": 1, "kept": 0, "resumed": 0}
    assert read_parquet(out, UNAVAILABLE).column("video_id").to_pylist() == ["a", "b", "c"]
    assert os.stat(prev / "u.parquet").st_ino == os.stat(out).st_ino  # the links follow the new outputs
    assert not prev.with_name(prev.name + ".new").exists()


def test_without_a_key_nothing_is_kept_for_a_rerun(tmp_path):
    out = tmp_path / "shard.parquet"
    process_videos(["a"], lambda v: {"u": table_from_rows([row(v)], UNAVAILABLE)}, {"u": (out, UNAVAILABLE)})
    assert not previous_dir(out).exists()


def test_what_was_not_done_is_tried_again_and_a_lost_video_keeps_its_rows(tmp_path):
    out = tmp_path / "shard.parquet"
    have = {"a": True, "b": False}  # b cannot be had in the first run
    calls = []

    def fn(vid):
        calls.append(vid)
        reason = "ok" if have[vid] else "gone"
        return {"u": table_from_rows([{**row(vid), "reason": reason}], UNAVAILABLE)}

    def done(tables):
        return tables["u"].column("reason")[0].as_py() == "ok"

    def reasons():
        t = read_parquet(out, UNAVAILABLE)
        return dict(zip(t.column("video_id").to_pylist(), t.column("reason").to_pylist(), strict=True))

    keys = {"a": "1", "b": "1"}
    kw = {"origin": lambda v: f"src-{v}", "done": done}
    _run(out, ["a", "b"], fn, keys.get, **kw)
    have.update(a=False, b=True)  # a is taken down, b comes back
    counts = _run(out, ["a", "b"], fn, keys.get, **kw)
    assert calls == ["a", "b", "b"]  # a is reused (never asked for), b is tried again
    assert counts["reused"] == 1 and reasons() == {"a": "ok", "b": "ok"}
    keys["a"] = "2"  # a's settings change: a is asked for, cannot be had, keeps its earlier rows
    counts = _run(out, ["a", "b"], fn, keys.get, **kw)
    assert calls[3:] == ["a"] and counts == {"made": 0, "reused": 1, "kept": 1, "resumed": 0}
    assert reasons() == {"a": "ok", "b": "ok"}
    counts = _run(out, ["a", "b"], fn, keys.get, **kw)  # kept rows carry the earlier key: tried again
    assert calls[4:] == ["a"] and counts["kept"] == 1


def test_earlier_outputs_of_other_columns_are_not_reused(tmp_path):
    out = tmp_path / "shard.parquet"
    calls = []

    def fn(vid):
        calls.append(vid)
        return {"u": table_from_rows([row(vid)], UNAVAILABLE)}

    _run(out, ["a"], fn, {"a": "1"}.get)
    pq.write_table(pa.table({"video_id": ["a"]}), previous_dir(out) / "u.parquet")  # an older schema
    _run(out, ["a"], fn, {"a": "1"}.get)
    assert calls == ["a", "a"]


def test_a_temporary_output_is_not_linked_and_its_stored_copy_keeps_a_lost_video(tmp_path):
    """The ingest job's table of every frame is temporary: its bytes must not outlive it in the
    previous folder; the stored table made from it later stands in for a video that is gone."""
    out, temp, stored = tmp_path / "u.parquet", tmp_path / "t.parquet", tmp_path / "stored.parquet"
    have = {"a": True, "b": True}
    calls = []

    def fn(vid):
        calls.append(vid)
        reason = "ok" if have[vid] else "gone"
        tables = {name: table_from_rows([{**row(vid), "reason": reason}], UNAVAILABLE) for name in ("u", "t")}
        return tables

    outputs = {"u": (out, UNAVAILABLE), "t": (temp, UNAVAILABLE)}
    kw = {
        "key": {"a": "1", "b": "1"}.get,
        "origin": lambda v: v,
        "done": lambda t: t["u"].column("reason")[0].as_py() == "ok",
        "stored": {"t": stored},
    }
    process_videos(["a", "b"], fn, outputs, **kw)
    assert not (previous_dir(out) / "t.parquet").exists() and (previous_dir(out) / "u.parquet").exists()
    # what the later rule stores: b's row as stored (here: another reason than the temporary one had)
    table = read_parquet(temp, UNAVAILABLE)
    pq.write_table(table.set_column(4, "reason", pa.array(["ok", "stored"])), stored)
    out.unlink(), temp.unlink()  # Snakemake: outputs removed before the rerun
    have["b"] = False
    counts = process_videos(["a", "b"], fn, outputs, **kw)
    # a is fetched again (the stored copy lacks what the temporary output had), b is kept from it
    assert calls == ["a", "b", "a", "b"] and counts == {"made": 1, "reused": 0, "kept": 1, "resumed": 0}
    assert read_parquet(temp, UNAVAILABLE).column("reason").to_pylist() == ["ok", "stored"]
    assert read_parquet(out, UNAVAILABLE).column("reason").to_pylist() == ["ok", "ok"]
