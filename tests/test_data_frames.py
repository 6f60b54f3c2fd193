"""A corpus's kept frames streamed from FRAMES/DEDUP files (:mod:`polimodal.data.frames`)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from polimodal.corpus.schemas import DEDUP, FRAMES, write_parquet
from polimodal.data.frames import FrameStore


def jpeg(value: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (value, value, value)).save(buf, format="JPEG")
    return buf.getvalue()


@pytest.fixture
def shards(tmp_path):
    """Two FRAMES shards (v1, v2 | v3) and their DEDUP tables; v2's frame 1 is a duplicate."""
    f0 = [("v1", i) for i in range(3)] + [("v2", i) for i in (2, 0, 1)]  # v2 out of time order
    f1 = [("v3", i) for i in range(2)]
    paths = []
    for k, rows in enumerate((f0, f1)):
        frames = [
            {
                "video_id": v,
                "frame_idx": i,
                "timestamp": float(i),
                "width": 8,
                "height": 8,
                "jpeg": jpeg(10 * i + (100 if v == "v2" else 0)),
            }
            for v, i in rows
        ]
        dedup = [
            {
                "video_id": v,
                "frame_idx": i,
                "timestamp": float(i),
                "kept": not (v == "v2" and i == 1),
                "duplicate_of": 0 if (v == "v2" and i == 1) else None,
                "max_similarity": None,
            }
            for v, i in rows
        ]
        fp = write_parquet(frames, tmp_path / f"frames{k}.parquet", FRAMES)
        dp = write_parquet(dedup, tmp_path / f"dedup{k}.parquet", DEDUP)
        paths.append((fp, dp))
    return [p[0] for p in paths], [p[1] for p in paths]


def test_frame_store(shards):
    frames, dedup = shards
    store = FrameStore(frames, dedup)
    assert store.frames("v1") == [jpeg(0), jpeg(10), jpeg(20)]
    assert store.frames("v2") == [jpeg(100), jpeg(120)]  # time order, duplicate dropped
    assert store.frames("v3") == [jpeg(0), jpeg(10)]
    assert store.frames("nope") == []
    assert store.has_frames("v2") and not store.has_frames("nope")
    assert FrameStore(frames).frames("v2") == [jpeg(100), jpeg(110), jpeg(120)]  # no dedup: all kept
    got = dict(store.iter_video_frames(["v3", "v2", "silent"], batch_size=2))
    assert got == {"v3": [jpeg(0), jpeg(10)], "v2": [jpeg(100), jpeg(120)], "silent": []}
    assert [(v, i) for v, i, _ in store.iter_frames(["v2"])] == [("v2", 2), ("v2", 0)]


def test_a_video_whose_frames_are_all_dropped_has_none(tmp_path):
    frames = write_parquet(
        [{"video_id": "v", "frame_idx": 0, "timestamp": 0.0, "width": 1, "height": 1, "jpeg": b"j"}],
        tmp_path / "f.parquet",
        FRAMES,
    )
    dedup = write_parquet(
        [{"video_id": "v", "frame_idx": 0, "timestamp": 0.0, "kept": False}], tmp_path / "d.parquet", DEDUP
    )
    store = FrameStore([frames], [dedup])
    assert "v" in store and not store.has_frames("v") and store.frames("v") == []
    assert FrameStore([frames]).has_frames("v")  # without DEDUP every frame is kept
