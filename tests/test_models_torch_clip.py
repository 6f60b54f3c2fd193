"""CLIP model: text + frame fusion fine-tuned per frame, with a tiny *untrained* CLIP.

The model comes from :func:`polimodal.synthetic.tinymodels.save_tiny_clip` (fixture ``tiny_clip``
of conftest.py): random weights, CLIP's
text/vision transformers at toy sizes, a real BERT WordPiece vocabulary as its tokenizer (CLIP's
BPE vocabulary is not shipped in any installed package). Nothing here reaches a model hub.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from polimodal.data.videodata import VideoData
from polimodal.errors import ConfigError
from polimodal.models import KINDS, model_class
from polimodal.models.torch.clip import ClipModel
from polimodal.models.torch.loop import CHECKPOINT
from polimodal.nn.clip import _pooled

CLASSES = ["no", "yes"]


@pytest.fixture(scope="module")
def corpus(xor_corpus: dict[str, VideoData]) -> dict[str, VideoData]:
    return xor_corpus


@pytest.fixture(scope="module")
def trained(corpus: dict[str, VideoData], tiny_clip: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    workdir = tmp_path_factory.mktemp("clip_fold")
    params = {"model": str(tiny_clip), "epochs": 2, "batch_size": 8, "lr": 1e-3, "head_hidden": 32}
    model = ClipModel(CLASSES, params, seed=2)
    summary = model.fit(corpus["train"], corpus["validation"], workdir)
    return model, workdir, summary


def test_registered() -> None:
    assert model_class("clip") is ClipModel and KINDS[ClipModel.kind].modality == "multimodal"


def test_fit_predict_shapes(trained: tuple, corpus: dict[str, VideoData]) -> None:
    model, workdir, summary = trained
    test = corpus["test"]
    labels, scores = model.predict(test)
    assert len(labels) == len(test) and set(labels) <= set(CLASSES)
    assert scores.shape == (len(test), 2)
    # scores are the mean of the 3 kept frames' probabilities; the label is their arg-max
    owners, _, probs = model.frame_predictions(test)
    for i, vid in enumerate(test.video_ids):
        np.testing.assert_allclose(scores[i], probs[[o == vid for o in owners]].mean(axis=0), atol=1e-6)
    assert labels == [CLASSES[int(np.argmax(row))] for row in scores]
    assert summary["history"][0]["samples"] == 12 * 3
    assert model.image_size == 32 and model.max_length == 77
    assert (workdir / CHECKPOINT).exists()


def test_fused_embedding(trained: tuple, corpus: dict[str, VideoData]) -> None:
    """[t ; v]: each half is an L2-normalised CLIP embedding (times √d), text varies with the video."""
    model, _, _ = trained
    data = corpus["test"]
    inputs = model.collate(data, [0, 1], data.frames(data.video_ids[0])[:2])
    with torch.no_grad():
        z = model.module.eval().embed(inputs["input_ids"], inputs["attention_mask"], inputs["pixels"])
    d = z.shape[1] // 2
    torch.testing.assert_close(z[:, :d].norm(dim=1), torch.full((2,), d**0.5))
    torch.testing.assert_close(z[:, d:].norm(dim=1), torch.full((2,), d**0.5))
    assert inputs["input_ids"].shape == (2, 77)
    assert _pooled(torch.ones(2, 3)).shape == (2, 3)  # transformers 4.x returned tensors


def test_checkpoint_reload_gives_identical_predictions(trained: tuple, corpus: dict[str, VideoData]) -> None:
    model, workdir, _ = trained
    again = ClipModel(CLASSES, dict(model.params), seed=2)
    again.load(workdir)
    np.testing.assert_array_equal(
        again.frame_predictions(corpus["test"])[2], model.frame_predictions(corpus["test"])[2]
    )
    assert again.predict(corpus["test"])[0] == model.predict(corpus["test"])[0]


def test_linear_head_frozen_encoders(corpus: dict[str, VideoData], tiny_clip: Path, tmp_path: Path) -> None:
    params = {
        "model": str(tiny_clip),
        "epochs": 1,
        "head": "linear",
        "freeze_encoders": True,
        "video_score": "votes",
        "threshold": 1,
    }
    model = ClipModel(CLASSES, params, seed=0)
    summary = model.fit(corpus["train"], corpus["validation"], tmp_path)
    assert summary["threshold"] == 1.0
    trainable = [n for n, p in model.module.named_parameters() if p.requires_grad]
    assert trainable and all(n.startswith("head.") for n in trainable)
    # a frozen CLIP stays in eval mode (dropout off) while the head trains
    net = model.module.train()
    assert net.head.training and not net.clip.training
    assert not any(m.training for m in net.clip.modules())
    with pytest.raises(ConfigError, match="head"):
        ClipModel(CLASSES, {"model": str(tiny_clip), "head": "attention"}).build()


@pytest.mark.parametrize("fixture", ["tiny_altclip", "tiny_siglip"])
def test_multilingual_clips(fixture: str, corpus: dict[str, VideoData], request, tmp_path: Path) -> None:
    """The CLIP slot takes AltCLIP (XLM-R text tower) and SigLIP by path: trains, predicts and
    reloads to identical frame scores (tiny random stand-ins for BAAI/AltCLIP-m18 and
    google/siglip-base-patch16-256-multilingual)."""
    path = request.getfixturevalue(fixture)
    params = {"model": str(path), "epochs": 1, "batch_size": 8, "lr": 1e-3, "head_hidden": 32}
    model = ClipModel(CLASSES, params, seed=0)
    model.fit(corpus["train"], corpus["validation"], tmp_path)
    assert (
        type(model.module.clip).__name__
        == {"tiny_altclip": "AltCLIPModel", "tiny_siglip": "SiglipModel"}[fixture]
    )
    assert model.max_length == {"tiny_altclip": 77, "tiny_siglip": 64}[fixture]
    again = ClipModel(CLASSES, dict(params), seed=0)
    again.load(tmp_path)
    frames = again.frame_predictions(corpus["test"])[2]
    np.testing.assert_array_equal(frames, model.frame_predictions(corpus["test"])[2])
    assert frames.shape == (3 * len(corpus["test"]), 2)
