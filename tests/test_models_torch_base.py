"""The torch model base (:mod:`polimodal.models.torch.base`) and its training loop
(:mod:`polimodal.models.torch.loop`), with a toy network: the loss hook, forward outputs that
are mappings, checkpoints, reuse and reload."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from polimodal.data.videodata import VideoData
from polimodal.errors import LabelError, ModelLoadError
from polimodal.models.reuse import SUMMARY
from polimodal.models.torch.base import TorchModel, encode_labels
from polimodal.models.torch.loop import CHECKPOINT, load_checkpoint, predict_proba
from polimodal.models.torch.params import TrainParams
from polimodal.models.torch.streams import batched
from polimodal.nn.losses import CrossEntropy

CLASSES = ["a", "b"]


class ToyNet(nn.Module):
    def __init__(self, n_classes: int) -> None:
        super().__init__()
        self.head = nn.Linear(2, n_classes)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"logits": self.head(x), "features": x}


class ToyTorch(TorchModel):
    """Text "red" → class a, anything else → b; the forward returns a mapping."""

    kind = "test_toy_torch"

    def build(self) -> nn.Module:
        torch.manual_seed(self.seed)
        return ToyNet(len(self.classes))

    @staticmethod
    def features(data: VideoData) -> torch.Tensor:
        return torch.tensor([[1.0, 0.0] if t == "red" else [0.0, 1.0] for t in data.texts])

    def train_batches(self, data, y, rng):
        x = self.features(data)
        for idx in batched(rng.permutation(len(data)).tolist(), self.options.batch_size):
            yield {"x": x[idx]}, torch.as_tensor(y[idx])

    def forward(self, module, inputs):
        return module(inputs["x"])

    def make_loss(self, weights):
        base = super().make_loss(weights)
        assert isinstance(base, CrossEntropy)
        self.loss_weights = weights
        self.loss_calls: list[int] = []

        def loss(output, targets):
            assert isinstance(output, Mapping) and set(output) == {"logits", "features"}
            self.loss_calls.append(len(targets))
            return base(output, targets)

        return loss

    def predict_scores(self, data):
        probs = predict_proba(self.module, self.forward, [{"x": self.features(data)}], self.runtime, 2)
        return self.labels_from_scores(probs), probs


def data(n_red: int, n_blue: int) -> VideoData:
    texts = ["red"] * n_red + ["blue"] * n_blue
    return VideoData([f"v{i}" for i in range(len(texts))], ["a"] * n_red + ["b"] * n_blue, texts)


PARAMS = {"epochs": 4, "batch_size": 4, "lr": 0.5, "patience": 4, "device": "cpu"}


@pytest.fixture
def toy_kind(add_model_kind):
    return add_model_kind("test_toy_torch", f"{__name__}:ToyTorch", ("text",), TrainParams)


def test_fit_uses_the_loss_hook_and_mapping_outputs(toy_kind, tmp_path: Path, learned) -> None:
    model = ToyTorch(CLASSES, PARAMS, seed=1)
    summary = model.fit(data(4, 4), data(2, 2), tmp_path)
    assert model.loss_weights is None
    assert sum(model.loss_calls) == 8 * summary["epochs_run"]  # every training sample, every epoch
    learned({"toy_val": (summary["best_val_macro_f1"], ">=", 1.0)})
    labels, scores = model.predict(data(3, 1))
    assert labels == ["a", "a", "a", "b"] and scores.shape == (4, 2)
    np.testing.assert_allclose(scores.sum(axis=1), 1.0)
    assert (tmp_path / CHECKPOINT).exists() and (tmp_path / SUMMARY).exists()
    _, meta = load_checkpoint(tmp_path / CHECKPOINT)
    assert meta["epoch"] == summary["best_epoch"] and meta["fingerprint"]["kind"] == "test_toy_torch"


def test_weighted_loss_gets_class_weights(toy_kind, tmp_path: Path) -> None:
    model = ToyTorch(CLASSES, {**PARAMS, "epochs": 1, "weighted_loss": True})
    model.fit(data(6, 2), data(1, 1), tmp_path)
    torch.testing.assert_close(model.loss_weights, torch.tensor([8 / 12, 2.0]))


def test_reload_and_reuse(toy_kind, tmp_path: Path) -> None:
    model = ToyTorch(CLASSES, PARAMS, seed=1)
    model.fit(data(4, 4), data(2, 2), tmp_path)
    again = ToyTorch(CLASSES, PARAMS, seed=1)
    again.load(tmp_path)
    np.testing.assert_array_equal(again.predict(data(2, 2))[1], model.predict(data(2, 2))[1])
    assert ToyTorch(CLASSES, PARAMS, seed=1).fit(data(4, 4), data(2, 2), tmp_path)["reused_checkpoint"]
    other = ToyTorch(CLASSES, PARAMS, seed=2)  # another seed: another model, trained anew
    assert "reused_checkpoint" not in other.fit(data(4, 4), data(2, 2), tmp_path)
    with pytest.raises(ModelLoadError, match="expected 'test_toy_torch' with"):
        ToyTorch(["b", "a"], PARAMS).load(tmp_path)


def test_errors(toy_kind, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="predict before fit or load"):
        ToyTorch(CLASSES, PARAMS).predict(data(1, 1))
    with pytest.raises(LabelError, match="row 1 has label 'c'"):
        ToyTorch(CLASSES, PARAMS).fit(VideoData(["x", "y"], ["a", "c"], ["red", "red"]), data(0, 0), tmp_path)
    with pytest.raises(LabelError, match="training split is empty"):
        ToyTorch(CLASSES, PARAMS).fit(data(0, 0), data(1, 1), tmp_path)
    np.testing.assert_array_equal(encode_labels(["b", "a", "b"], CLASSES), [1, 0, 1])
