"""The data a model sees (:mod:`polimodal.experiments.data`): VideoData, texts, frames streamed
from FRAMES/DEDUP shards, load_fold."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from PIL import Image

from polimodal.corpus.schemas import DEDUP, FRAMES, TRANSCRIPTS, VIDEOS, write_parquet
from polimodal.errors import ConfigError
from polimodal.experiments.data import FrameStore, VideoData, load_fold, read_texts
from polimodal.experiments.splits import make_splits


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
    assert FrameStore(frames).frames("v2") == [jpeg(100), jpeg(110), jpeg(120)]  # no dedup: all kept
    got = dict(store.iter_video_frames(["v3", "v2", "silent"], batch_size=2))
    assert got == {"v3": [jpeg(0), jpeg(10)], "v2": [jpeg(100), jpeg(120)], "silent": []}
    assert [(v, i) for v, i, _ in store.iter_frames(["v2"])] == [("v2", 2), ("v2", 0)]


def test_read_texts_and_load_fold(tmp_path, shards):
    write_parquet(
        [{"video_id": v, "n_segments": 1, "text": f"speech {v}", "model": "tiny"} for v in ("v1", "v2")],
        tmp_path / "t.parquet",
        TRANSCRIPTS,
    )
    write_parquet(
        [
            {"video_id": v, "source": "x", "source_kind": "local", "title": f"T{v}", "description": d}
            for v, d in (("v1", "about"), ("v2", None), ("v3", ""))
        ],
        tmp_path / "v.parquet",
        VIDEOS,
    )
    assert read_texts(tmp_path / "t.parquet") == {"v1": "speech v1", "v2": "speech v2"}
    texts = read_texts(tmp_path / "t.parquet", tmp_path / "v.parquet", ["transcript", "title", "description"])
    assert texts == {"v1": "Tv1\n\nabout\n\nspeech v1", "v2": "Tv2\n\nspeech v2", "v3": "Tv3"}
    with pytest.raises(ConfigError):
        read_texts(tmp_path / "t.parquet", None, ["title"])
    splits = make_splits(
        "t",
        pd.DataFrame({"video_id": ["v1", "v2", "v3", "v4"], "label": ["a", "a", "b", "b"]}),
        ["a", "b"],
        folds=1,
        test_size=0.3,
        validation_size=0.3,
    ).to_pandas()
    parts = load_fold(splits, 0, texts, FrameStore(*shards))
    assert sum(len(p) for p in parts.values()) == 4
    all_ids = [v for p in parts.values() for v in p.video_ids]
    assert sorted(all_ids) == ["v1", "v2", "v3", "v4"]
    for p in parts.values():
        for vid, text in zip(p.video_ids, p.texts, strict=True):
            assert text == texts.get(vid, "")
    d = parts["train"]
    assert dict(d.iter_video_frames()).keys() == set(d.video_ids)
    with pytest.raises(ConfigError):
        load_fold(splits, 5, texts)


def test_videodata_checks():
    with pytest.raises(ValueError):
        VideoData(["a"], [], ["x"])
    d = VideoData(["a", "b"], ["x", "y"], ["ta", "tb"])
    assert d.subset(["b"]).texts == ["tb"]
    with pytest.raises(ConfigError, match="no frames"):
        d.frames("a")
