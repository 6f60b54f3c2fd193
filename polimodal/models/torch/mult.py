"""Models over per-video sequences of words, audio windows and frame embeddings.

- :class:`MultModel` (``kind: mult``): a cross-modal transformer after Tsai et al. (2019)
  (:class:`polimodal.nn.crossmodal.MultNet`): for every ordered pair of modalities the target's
  elements attend to the source's, biased towards what happens at the same time (each element
  carries its time in seconds). **Implicit alignment**: the model learns which parts of the
  sequences belong together.
- :class:`EarlyFusionModel` (``kind: early_fusion``): each modality pooled on its own (mean and
  max over the sequence), concatenated, then an MLP (:class:`polimodal.nn.early_fusion.EarlyFusionNet`):
  the baseline that sees every modality but not which parts co-occur. With ``aligned: true`` it
  reads the **explicit alignment** instead: each word's vector carries its own pitch
  (``f0_mean_z`` of the aligned table) and the embedding of the frame shown meanwhile, and an
  MLP reads each word's fused vector before pooling.

Words are embedded by a table learned from the training words (``text_model: null``) or by the
frozen input embeddings of a BERT-family model (``text_model``: the mean over a word's pieces);
what the networks read is made by :class:`~polimodal.models.torch.sequence_features.SequenceFeatures`.
Both kinds train with the compact loop of :mod:`polimodal.models.torch.loop` (one sample = one
video; the best epoch on validation macro F1 is kept).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from polimodal.models.base import Params
from polimodal.models.torch.base import TorchModel
from polimodal.models.torch.loop import Inputs, predict_proba
from polimodal.models.torch.sequence_features import SequenceFeatures
from polimodal.models.torch.streams import batched
from polimodal.nn.crossmodal import MultNet
from polimodal.nn.early_fusion import EarlyFusionNet
from polimodal.nn.losses import Output

log = logging.getLogger(__name__)


class SequenceModel(TorchModel):
    """Shared plumbing of the sequence models: their features (:attr:`features`), batching, fit/load."""

    def __init__(self, classes: Sequence[str], params: Params = None, seed: int = 0) -> None:
        super().__init__(classes, params, seed)
        self.features = SequenceFeatures(self.options)

    def train_batches(
        self, data: Any, y: np.ndarray, rng: np.random.Generator
    ) -> Iterator[tuple[Inputs, torch.Tensor]]:
        order = rng.permutation(len(data))
        for chunk in batched(order.tolist(), self.options.batch_size):
            yield self.features.collate(data, chunk), torch.as_tensor(y[chunk])

    def steps_per_epoch(self, data: Any) -> int | None:
        return math.ceil(len(data) / (self.options.batch_size * self.options.grad_accum))

    def forward(self, module: nn.Module, inputs: Inputs) -> Output:
        return module(**inputs)

    def predict_scores(self, data: Any) -> tuple[list[str], np.ndarray]:
        assert self.module is not None
        batches = (
            self.features.collate(data, chunk)
            for chunk in batched(list(range(len(data))), self.options.predict_batch_size)
        )
        probs = predict_proba(self.module, self.forward, batches, self.runtime, len(self.classes))
        return self.labels_from_scores(probs), probs

    # -- fit / load: the vocabulary and the frame width travel beside the checkpoint
    def fit(self, train: Any, validation: Any, workdir: Path) -> dict[str, Any]:
        self.features.fit(train)
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        self.features.save(workdir)
        log.info("%s: %s", self.kind, self.features.describe())
        return super().fit(train, validation, workdir)

    def load(self, workdir: Path) -> None:
        self.features.load(workdir)
        super().load(workdir)


class MultModel(SequenceModel):
    """``kind: mult``: the cross-modal transformer (implicit alignment)."""

    kind = "mult"

    def build(self) -> nn.Module:
        p = self.options
        return MultNet(
            self.features.in_dims(),
            len(self.classes),
            dim=p.dim,
            heads=p.heads,
            layers=p.layers,
            self_layers=p.self_layers,
            dropout=p.dropout,
            vocab_size=self.features.vocab_rows,
        )


class EarlyFusionModel(SequenceModel):
    """``kind: early_fusion``: pooled modalities concatenated → MLP (``aligned``: per-word fusion)."""

    kind = "early_fusion"

    def __init__(self, classes: Sequence[str], params: Params = None, seed: int = 0) -> None:
        super().__init__(classes, params, seed)
        self.features.word_frames = bool(self.options.aligned)

    def build(self) -> nn.Module:
        p = self.options
        return EarlyFusionNet(
            self.features.in_dims(),
            len(self.classes),
            dim=p.dim,
            hidden=p.hidden,
            dropout=p.dropout,
            vocab_size=self.features.vocab_rows,
            aligned=p.aligned,
            frame_dim=self.features.frame_dim if p.aligned else 0,
        )
