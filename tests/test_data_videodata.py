"""One split of a task as a model sees it (:mod:`polimodal.data.videodata`): VideoData, load_fold."""

from __future__ import annotations

import pandas as pd
import pytest

from polimodal.corpus.schemas import FRAMES, write_parquet
from polimodal.data.frames import FrameStore
from polimodal.data.videodata import VideoData, load_fold
from polimodal.errors import ConfigError
from polimodal.experiments.splits import make_splits


def test_load_fold(tmp_path):
    texts = {"v1": "Tv1\n\nabout\n\nspeech v1", "v2": "Tv2\n\nspeech v2", "v3": "Tv3"}
    frames = write_parquet(
        [
            {"video_id": v, "frame_idx": i, "timestamp": float(i), "width": 1, "height": 1, "jpeg": b"j"}
            for v, i in (("v1", 0), ("v1", 1), ("v2", 0), ("v3", 0))
        ],
        tmp_path / "frames.parquet",
        FRAMES,
    )
    splits = make_splits(
        "t",
        pd.DataFrame({"video_id": ["v1", "v2", "v3", "v4"], "label": ["a", "a", "b", "b"]}),
        ["a", "b"],
        folds=1,
        test_size=0.3,
        validation_size=0.3,
    ).to_pandas()
    parts = load_fold(splits, 0, texts, FrameStore([frames]))
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


def test_one_constructor_builds_a_split_from_what_was_read():
    """VideoData.of is the one way from read parts to a split: load_fold and
    LoadedInputs.video_data / .fold build through it."""
    from polimodal.data.inputs import LoadedInputs

    texts, langs = {"a": "ta", "c": "tc"}, {"a": "en"}
    d = VideoData.of(["a", "b", "c"], ["x", "y", "x"], texts, None, None, langs)
    assert d.texts == ["ta", "", "tc"] and d.languages == ["en", "", ""]
    assert VideoData.of(["a"], ["x"]).texts == [""] and VideoData.of(["a"], ["x"]).languages is None
    loaded = LoadedInputs(texts=texts, languages=langs)
    assert loaded.video_data(["a", "b", "c"], ["x", "y", "x"]) == d
    splits = pd.DataFrame(
        {
            "video_id": ["a", "b", "c"],
            "label": ["x", "y", "x"],
            "fold": 0,
            "split": ["train", "test", "train"],
        }
    )
    parts = loaded.fold(splits, 0)
    assert parts == load_fold(splits, 0, texts, None, None, langs)
    assert parts["train"] == VideoData.of(["a", "c"], ["x", "x"], texts, None, None, langs)
    assert len(parts["validation"]) == 0
