"""The cross-modal transformer (MulT) and early fusion over word / audio / frame sequences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from polimodal.data.sequences import SequenceStore, VideoSequences
from polimodal.data.videodata import VideoData
from polimodal.errors import ConfigError
from polimodal.models.registry import check_model_config, get_kind
from polimodal.models.selection import macro_f1
from polimodal.models.torch.mult import EarlyFusionModel, MultModel
from polimodal.synthetic.alignment import TARGET, make_alignment_corpus

CLASSES = ["no", "yes"]
FAST = {"dim": 32, "epochs": 10, "patience": 10, "batch_size": 16, "lr": 1e-3, "device": "cpu"}


@pytest.fixture(scope="module")
def corpus():
    return make_alignment_corpus({"train": 300, "validation": 50, "test": 150}, seed=0)  # test: chance ± 0.03


def test_the_alignment_corpus_hides_the_label_from_each_modality(corpus):
    train = corpus["train"]
    seqs = [train.sequence(v) for v in train.video_ids]
    assert all(s.words.count(TARGET) == 1 for s in seqs)  # the word is in every video ...
    assert all((s.audio[:, 0] > 1.5).any() for s in seqs)  # ... and so is high pitch
    y = np.array([lab == "yes" for lab in train.labels])
    mean_f0 = np.array([s.audio[:, 0].mean() for s in seqs])
    where = np.array([s.words.index(TARGET) for s in seqs])
    assert abs(mean_f0[y].mean() - mean_f0[~y].mean()) < 0.02  # pooled audio: no difference
    assert abs(where[y].mean() - where[~y].mean()) < 0.5


@pytest.fixture
def one_thread():
    """The sequence models train on one torch thread on any machine (restored after, for later tests)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def fit_score(cls, corpus, tmp_path, **params):
    model = cls(CLASSES, {**FAST, **params}, seed=1)
    summary = model.fit(corpus["train"], corpus["validation"], tmp_path)
    predicted, scores = model.predict(corpus["test"])
    assert scores.shape == (len(corpus["test"]), 2) and np.allclose(scores.sum(1), 1)
    return macro_f1(corpus["test"].labels, predicted, CLASSES), summary, model


def test_mult_finds_the_alignment_early_fusion_cannot(corpus, tmp_path, learned, one_thread):
    """The label is 1 iff the target word is said at high pitch: only a model that matches
    words with the audio of the same moment can learn it (the XOR test of alignment)."""
    mult, _, model = fit_score(MultModel, corpus, tmp_path / "mult", heads=2, modalities=["words", "audio"])
    early, *_ = fit_score(EarlyFusionModel, corpus, tmp_path / "early", modalities=["words", "audio"])
    # explicit alignment: each word with its own pitch, then the same small MLP, also finds it
    aligned, *_ = fit_score(EarlyFusionModel, corpus, tmp_path / "aligned", aligned=True)
    learned({
        "mult": (mult, ">=", 0.9),
        "early": (early, "<=", 0.7),
        "aligned": (aligned, ">=", 0.9),
        "mult - early": (mult - early, ">=", 0.3),
    })  # fmt: skip
    # a trained model reloads from its folder and scores the same
    again = MultModel(CLASSES, {**FAST, "heads": 2, "modalities": ["words", "audio"]}, seed=1)
    again.load(tmp_path / "mult")
    np.testing.assert_allclose(again.predict(corpus["test"])[1], model.predict(corpus["test"])[1], atol=1e-5)


def test_videos_missing_a_modality_and_frozen_word_embeddings(tiny_bert, tmp_path):
    rng = np.random.default_rng(0)
    full = VideoSequences(
        words=["the", "budget"], word_times=np.array([[0, 0.3], [0.4, 0.8]], np.float32),
        word_pitch=np.zeros(2, np.float32), word_frames=[0, 0],
        audio=rng.normal(size=(5, 3)).astype(np.float32), audio_times=np.arange(5, dtype=np.float32) * 0.1,
        frames=rng.normal(size=(1, 4)).astype(np.float32), frame_times=np.zeros(1, np.float32), frame_idx=[0],
    )  # fmt: skip
    store = SequenceStore.from_sequences(
        {"a": full, "b": full}
    )  # "c", "d": nothing at all (silent, no frames)
    data = VideoData(["a", "b", "c", "d"], ["yes", "no", "yes", "no"], [""] * 4, None, store)
    for cls in (MultModel, EarlyFusionModel):
        model = cls(CLASSES, {**FAST, "epochs": 1, "text_model": str(tiny_bert)}, seed=0)
        model.fit(data, data, tmp_path / cls.kind)
        labels, scores = model.predict(data)
        assert len(labels) == 4 and np.isfinite(scores).all()


def test_registry_and_parameters():
    assert get_kind("mult").inputs == ("words", "audio") and get_kind("mult").modality == "multimodal"
    check_model_config("m", {"kind": "mult", "modalities": ["words", "frames"], "dim": 32, "heads": 4})
    with pytest.raises(ConfigError, match="modalities"):
        check_model_config("m", {"kind": "mult", "modalities": ["words", "pixels"]})
    with pytest.raises(ConfigError, match="heads"):
        check_model_config("m", {"kind": "mult", "dim": 30, "heads": 4})
    with pytest.raises(ConfigError, match="unknown"):
        check_model_config("m", {"kind": "early_fusion", "heads": 4})
