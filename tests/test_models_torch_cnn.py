"""CNN model: per-frame fine-tuning with a tiny *untrained* torchvision CNN, frames → video.

The network is ``shufflenet_v2_x0_5`` with random weights saved by
:func:`polimodal.synthetic.tinymodels.save_tiny_cnn` (fixture ``tiny_cnn`` of conftest.py) and
loaded as a local state dict (no download).
Frames are real FRAMES/DEDUP Parquet files read through :class:`polimodal.data.frames.FrameStore`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from polimodal.data.videodata import VideoData
from polimodal.models import KINDS, model_class
from polimodal.models.torch.cnn import CnnModel
from polimodal.models.torch.loop import CHECKPOINT

COLOURS = ["blue", "red"]


def colour_task(data: VideoData) -> VideoData:
    """Relabel the XOR corpus by frame colour (learnable from frames alone)."""
    return VideoData(data.video_ids, [v.split("_")[2] for v in data.video_ids], data.texts, data.store)


@pytest.fixture(scope="module")
def corpus(xor_corpus: dict[str, VideoData]) -> dict[str, VideoData]:
    return {k: colour_task(v) for k, v in xor_corpus.items()}


@pytest.fixture(scope="module")
def params(tiny_cnn: Path) -> dict:
    return {
        "model": "shufflenet_v2_x0_5",
        "weights": str(tiny_cnn),
        "image_size": 64,
        "epochs": 2,
        "batch_size": 8,
        "lr": 1e-3,
        "frames_per_video": 2,
    }


@pytest.fixture(scope="module")
def trained(corpus: dict[str, VideoData], params: dict, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    workdir = tmp_path_factory.mktemp("cnn_fold")
    model = CnnModel(COLOURS, params, seed=1)
    summary = model.fit(corpus["train"], corpus["validation"], workdir)
    return model, workdir, summary


def test_registered() -> None:
    assert model_class("cnn") is CnnModel and KINDS[CnnModel.kind].modality == "image"


def test_fit_predict_shapes(trained: tuple, corpus: dict[str, VideoData]) -> None:
    model, workdir, summary = trained
    test = corpus["test"]
    labels, scores = model.predict(test)
    assert len(labels) == len(test) and set(labels) <= set(COLOURS)
    assert scores.shape == (len(test), 2)
    # frames_per_video caps training frames: 12 videos × 2 of their 3 kept frames
    assert summary["history"][0]["samples"] == 12 * 2
    assert summary["positive"] == "red" and summary["video_score"] == "mean_prob"
    assert (workdir / CHECKPOINT).exists()


def test_video_scores_are_mean_frame_probabilities(trained: tuple, corpus: dict[str, VideoData]) -> None:
    model, _, _ = trained
    test = corpus["test"]
    owners, _, probs = model.frame_predictions(test)
    # 3 kept frames per video; the 4th (a duplicate, kept=false in DEDUP) is never scored
    assert len(owners) == 3 * len(test) and probs.shape == (3 * len(test), 2)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)  # softmax
    labels, scores = model.predict(test)
    for i, vid in enumerate(test.video_ids):
        np.testing.assert_allclose(scores[i], probs[[o == vid for o in owners]].mean(axis=0), atol=1e-6)
        assert labels[i] == COLOURS[int(np.argmax(scores[i]))]


def test_votes_rule_of_the_study(
    trained: tuple, corpus: dict[str, VideoData], params: dict, tmp_path: Path
) -> None:
    """video_score: votes: frames vote, positive iff positive frames > threshold, scores = vote shares."""
    model, _, _ = trained
    voting = CnnModel(COLOURS, {**params, "video_score": "votes", "threshold": 1}, seed=1)
    # the network is the trained one (only the video rule differs)
    voting.module, voting.prior = model.module, model.prior
    test = corpus["test"]
    owners, frame_labels, _ = voting.frame_predictions(test)
    labels, scores = voting.predict(test)
    for i, vid in enumerate(test.video_ids):
        votes = [lab for o, lab in zip(owners, frame_labels, strict=True) if o == vid]
        np.testing.assert_allclose(scores[i], [votes.count("blue") / 3, votes.count("red") / 3])
        assert labels[i] == ("red" if votes.count("red") > 1 else "blue")
    # threshold: auto is chosen on validation and saved with the checkpoint
    auto = CnnModel(COLOURS, {**params, "epochs": 1, "video_score": "votes"}, seed=1)
    summary = auto.fit(corpus["train"], corpus["validation"], tmp_path)
    assert summary["vote"] == "count" and summary["threshold"] in {-1.0, 0.0, 1.0, 2.0, 3.0}
    again = CnnModel(COLOURS, dict(auto.params), seed=1)
    again.load(tmp_path)
    assert again.threshold == auto.threshold


def test_checkpoint_reload_gives_identical_predictions(trained: tuple, corpus: dict[str, VideoData]) -> None:
    model, workdir, _ = trained
    again = CnnModel(COLOURS, dict(model.params), seed=1)
    again.load(workdir)
    assert again.threshold == model.threshold
    a, b = again.frame_predictions(corpus["test"]), model.frame_predictions(corpus["test"])
    np.testing.assert_array_equal(a[2], b[2])
    assert again.predict(corpus["test"])[0] == model.predict(corpus["test"])[0]


def test_multiclass_mode_and_weighted_loss(
    corpus: dict[str, VideoData], params: dict, tmp_path: Path
) -> None:
    """Three classes, votes: video label = mode of frame labels; class-weighted loss on imbalanced data."""
    train = corpus["train"]
    labels3 = [("green" if i % 4 == 0 else lab) for i, lab in enumerate(train.labels)]
    train3 = VideoData(train.video_ids, labels3, train.texts, train.store)
    model = CnnModel(
        ["blue", "red", "green"],
        {**params, "epochs": 1, "weighted_loss": True, "video_score": "votes"},
        seed=0,
    )
    model.fit(train3, VideoData([], [], [], train.store), tmp_path)
    owners, frame_labels, _ = model.frame_predictions(corpus["test"])
    labels, scores = model.predict(corpus["test"])
    assert scores.shape == (len(corpus["test"]), 3)
    for i, vid in enumerate(corpus["test"].video_ids):
        votes = [lab for o, lab in zip(owners, frame_labels, strict=True) if o == vid]
        counts = [votes.count(c) for c in model.classes]
        assert labels[i] == model.classes[int(np.argmax(counts))]


def test_video_without_frames(trained: tuple, corpus: dict[str, VideoData], params: dict) -> None:
    model, _, _ = trained
    test = corpus["test"]
    data = VideoData([*test.video_ids, "silent"], [*test.labels, "red"], [*test.texts, ""], test.store)
    labels, scores = model.predict(data)
    # mean_prob: a video without frames gets the training class shares (so the majority class)
    np.testing.assert_allclose(scores[-1], model.prior)
    assert labels[-1] == COLOURS[int(np.argmax(model.prior))]
    # votes, binary: a video without frames has 0 positive frames
    voting = CnnModel(COLOURS, {**params, "video_score": "votes"}, seed=1)
    voting.module, voting.prior, voting.threshold = model.module, model.prior, model.threshold
    labels, scores = voting.predict(data)
    assert labels[-1] == ("red" if 0 > voting.threshold else "blue") and scores[-1].tolist() == [0.0, 0.0]


@pytest.mark.parametrize("every", ["all", 0])
def test_all_frames_per_video_trains_on_every_kept_frame_once_per_epoch(
    corpus: dict[str, VideoData], params: dict, every: object, tmp_path: Path
) -> None:
    """``frames_per_video: all`` (or 0), the study's rule: each epoch streams every kept frame of
    every training video exactly once (a shuffle buffer smaller than the epoch included), never a
    frame that dedup dropped; a number draws that many distinct kept frames per video."""
    train = corpus["train"]
    kept = Counter((i, jpeg) for i, (_, jpegs) in enumerate(train.iter_video_frames()) for jpeg in jpegs)
    assert len(kept) == 3 * len(train) and set(kept.values()) == {1}  # 3 kept frames, all distinct
    model = CnnModel(COLOURS, {**params, "frames_per_video": every, "shuffle_buffer": 5}, seed=1)
    rng = np.random.default_rng(0)
    epochs = [list(model.training_stream(train, rng)) for _ in range(2)]
    for epoch in epochs:
        assert Counter(epoch) == kept
    assert epochs[0] != epochs[1]  # shuffled anew each epoch
    capped = CnnModel(COLOURS, {**params, "frames_per_video": 2}, seed=1)
    drawn = list(capped.training_stream(train, rng))
    per_video = Counter(i for i, _ in drawn)
    assert set(per_video.values()) == {2} and len(per_video) == len(train)
    assert all(kept[frame] == 1 for frame in drawn) and len(set(drawn)) == len(drawn)
    # a training run with it counts every kept frame as a sample
    summary = CnnModel(COLOURS, {**params, "frames_per_video": every, "epochs": 1}, seed=1).fit(
        train, corpus["validation"], tmp_path
    )
    assert summary["history"][0]["samples"] == 3 * len(train)


@pytest.mark.parametrize("bad", ["some", -1, 2.5])
def test_frames_per_video_is_a_count_or_all(params: dict, bad: object) -> None:
    from polimodal.errors import ConfigError

    with pytest.raises(ConfigError, match=r"frames_per_video"):
        CnnModel(COLOURS, {**params, "frames_per_video": bad})
