"""The one route from an input to its files and its loader (:mod:`polimodal.data.inputs`): a task's
own tables and the shards they were made from give a model the same data, and the same lacks."""

from __future__ import annotations

import numpy as np
import pytest

from polimodal.corpus.experiment_schemas import SPLITS
from polimodal.corpus.schemas import (
    ALIGNED,
    DEDUP,
    EMBEDDINGS,
    FRAMES,
    PITCH,
    TRANSCRIPTS,
    VIDEOS,
    write_parquet,
)
from polimodal.data.inputs import INPUTS, files_of, lacking, load_inputs
from polimodal.errors import ConfigError
from polimodal.experiments import taskdata
from polimodal.models.registry import KINDS

EVERY_INPUT = tuple(INPUTS)
TASK = ["v1", "v2", "v4"]  # v2: no transcript, every frame dropped, no words; v4: no frame, no pitch


def test_the_table() -> None:
    assert EVERY_INPUT == ("text", "frames", "words", "audio")
    assert files_of(["frames", "text"], "task") == ["texts", "frames"]  # table order
    assert files_of(["words", "audio"], "task") == ["aligned", "embeddings", "pitch"]  # each once
    assert files_of(["words", "audio"], "shard") == ["aligned", "embeddings", "dedup", "pitch"]
    assert files_of(EVERY_INPUT, "shard") == [
        "transcripts", "videos", "frames", "dedup", "aligned", "embeddings", "pitch",
    ]  # fmt: skip
    assert KINDS["mult"].files("task") == ["aligned", "embeddings", "pitch"]
    with pytest.raises(ConfigError, match=r"unknown input\(s\) \['smell'\]"):
        files_of(["smell"], "task")


def _shards(tmp_path) -> dict[str, list]:
    """Two shards of three videos (v0-v2 | v3-v5), every per-shard table, in small row groups."""
    files: dict[str, list] = {n: [] for n in ("frames", "dedup", "aligned", "pitch", "embeddings")}
    for s, vids in enumerate((["v0", "v1", "v2"], ["v3", "v4", "v5"])):
        with_frames = [v for v in vids if v != "v4"]
        rows = {
            "frames": [
                {"video_id": v, "frame_idx": k, "timestamp": k / 2, "width": 1, "height": 1,
                 "jpeg": f"{v}-{k}".encode()}
                for v in with_frames for k in range(3)
            ],
            "dedup": [
                {"video_id": v, "frame_idx": k, "timestamp": k / 2, "kept": k != 1 and v != "v2"}
                for v in with_frames for k in range(3)
            ],
            "embeddings": [
                {"video_id": v, "frame_idx": k, "timestamp": k / 2, "embedding": [k, 1], "scale": 1.0,
                 "model": "m"}
                for v in with_frames for k in range(3)
            ],
            "aligned": [
                {"video_id": v, "segment_id": 0, "word_idx": k, "word": w, "start": k / 2, "end": k / 2 + 0.4,
                 "n_voiced": 2, "f0_mean_z": float(k), "frame_idx": 0}
                for v in vids if v != "v2" for k, w in enumerate(["tax", "vote"])
            ],
            "pitch": [
                {"video_id": v, "time": t / 100, "f0": 100.0 + t, "intensity": 60.0}
                for v in vids if v != "v4" for t in range(25)
            ],
        }  # fmt: skip
        schemas = {
            "frames": FRAMES,
            "dedup": DEDUP,
            "embeddings": EMBEDDINGS,
            "aligned": ALIGNED,
            "pitch": PITCH,
        }
        for name, table in rows.items():
            path = tmp_path / f"{name}{s}.parquet"
            files[name].append(write_parquet(table, path, schemas[name], row_group_size=4))
    return files


@pytest.fixture
def corpus(tmp_path):
    """The shard level (every shard's files, corpus-wide texts) and the task level (the task's own
    tables, made by the workflow's task builders) of the same videos."""
    shard: dict = _shards(tmp_path)
    ids = [f"v{i}" for i in range(6)]
    shard["videos"] = write_parquet(
        [{"video_id": v, "source": v, "source_kind": "local", "title": f"title {v}"} for v in ids],
        tmp_path / "videos.parquet",
        VIDEOS,
    )
    shard["transcripts"] = write_parquet(
        [{"video_id": v, "n_segments": 1, "text": f"words of {v}", "model": "m"} for v in ids if v != "v2"],
        tmp_path / "transcripts.parquet",
        TRANSCRIPTS,
    )
    splits = write_parquet(
        [{"task": "t", "fold": 0, "video_id": v, "label": "a", "split": "train"} for v in TASK],
        tmp_path / "splits.parquet",
        SPLITS,
    )
    task = {n: tmp_path / "task" / f"{n}.parquet" for n in files_of(EVERY_INPUT, "task")}
    taskdata.build_task_data(
        splits, shard["videos"], shard["transcripts"], shard["frames"], shard["dedup"],
        texts_out=task["texts"], frames_out=task["frames"],
    )  # fmt: skip
    taskdata.build_task_sequences(
        splits, shard["aligned"], shard["pitch"], shard["embeddings"], shard["dedup"],
        aligned_out=task["aligned"], pitch_out=task["pitch"], embeddings_out=task["embeddings"],
    )  # fmt: skip
    return task, shard


def test_a_task_and_its_shards_give_the_same_data_and_lacks(corpus) -> None:
    task, shard = corpus
    fields = ["title", "transcript"]
    a = load_inputs(EVERY_INPUT, task, TASK, text_fields=fields)
    b = load_inputs(EVERY_INPUT, shard, TASK, text_fields=fields)
    assert {v: a.texts[v] for v in TASK} == {v: b.texts[v] for v in TASK}
    assert a.texts["v1"] == "title v1\n\nwords of v1" and a.texts["v2"] == "title v2"
    assert a.frames is not None and b.frames is not None
    for v in TASK:
        assert a.frames.frames(v) == b.frames.frames(v)
    assert a.frames.frames("v1") == [b"v1-0", b"v1-2"]  # frame 1 dropped
    assert a.sequences is not None and b.sequences is not None
    for v in TASK:
        x, y = a.sequences.get(v), b.sequences.get(v)
        assert x.words == y.words and x.frame_idx == y.frame_idx
        assert np.array_equal(x.audio, y.audio) and np.array_equal(x.frames, y.frames)
    expected = {"v1": [], "v2": ["transcript", "frames", "words"], "v4": ["frames", "audio"]}
    assert lacking(EVERY_INPUT, task, a, TASK) == expected
    assert lacking(EVERY_INPUT, shard, b, TASK) == expected
    video = a.video_data(TASK, ["a", "b", "a"])
    assert video.texts[1] == "title v2" and video.sequence("v4").words == ["tax", "vote"]


def test_only_what_is_asked_is_read(corpus) -> None:
    task, _ = corpus
    loaded = load_inputs(["frames"], task, TASK)
    assert loaded.texts == {} and loaded.sequences is None and loaded.frames is not None
    with pytest.raises(ConfigError, match=r"input 'words': none of its files given"):
        load_inputs(["words"], {"texts": task["texts"]}, TASK)
    with pytest.raises(ConfigError, match="unknown input 'smell'"):
        load_inputs(["smell"], task, TASK)
    with pytest.raises(ConfigError, match="one 'texts' table expected, got 2"):
        load_inputs(["text"], {"texts": [task["texts"], task["texts"]]}, TASK)
