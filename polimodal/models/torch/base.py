"""The base class of the fine-tuned torch classifiers: ``fit``/``predict``/``load`` over a few hooks."""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from polimodal.errors import LabelError, ModelLoadError
from polimodal.models.base import Params
from polimodal.models.reuse import SUMMARY, ReusableModel
from polimodal.models.selection import macro_f1
from polimodal.models.torch.loop import CHECKPOINT, Inputs, load_checkpoint, save_checkpoint, train_loop
from polimodal.nn.losses import CrossEntropy, Loss, Output, class_weights
from polimodal.nn.runtime import seed_everything, select_runtime

log = logging.getLogger(__name__)


def encode_labels(labels: Sequence[str], classes: Sequence[str], where: str = "labels") -> np.ndarray:
    """Class indices of ``labels`` (LabelError naming the first unknown label)."""
    index = {c: i for i, c in enumerate(classes)}
    out = np.empty(len(labels), dtype=np.int64)
    for i, label in enumerate(labels):
        if label not in index:
            raise LabelError(f"{where}: row {i} has label {label!r}, not one of {list(classes)}")
        out[i] = index[label]
    return out


class TorchModel(ReusableModel):
    """A fine-tuned torch classifier: subclasses say how to build, feed and run the network.

    Subclass hooks: :meth:`build` (network with a new ``len(classes)``-way head),
    :meth:`train_batches` (micro-batches of an epoch), :meth:`forward` (logits) and
    :meth:`predict_scores` (video-level scores). ``fit`` trains with :func:`train_loop` and
    writes ``workdir/checkpoint.pt`` (state dict of the best epoch + classes, params, seed)
    and ``workdir/train_summary.json``; :meth:`load` restores a trained model from that folder
    so scoring can rerun without training. ``fit`` on a folder that already holds a finished
    checkpoint of the same kind, classes, params and seed loads it instead of retraining
    (:class:`~polimodal.models.reuse.ReusableModel`).
    """

    def __init__(self, classes: Sequence[str], params: Params = None, seed: int = 0) -> None:
        super().__init__(classes, params, seed)
        self.runtime = select_runtime(self.options.device, where=f"model kind {self.kind}.device")
        self.module: nn.Module | None = None

    # -- hooks
    @abstractmethod
    def build(self) -> nn.Module:
        """Load the pretrained network and give it a new head of ``len(self.classes)`` outputs."""

    @abstractmethod
    def train_batches(
        self, data: Any, y: np.ndarray, rng: np.random.Generator
    ) -> Iterable[tuple[Inputs, torch.Tensor]]:
        """Training micro-batches ``(inputs, targets)`` of one epoch over ``data``."""

    @abstractmethod
    def forward(self, module: nn.Module, inputs: Inputs) -> Output:
        """Logits ``(batch, n_classes)``, or a mapping holding them under ``"logits"``."""

    def make_loss(self, weights: torch.Tensor | None) -> Loss:
        """The training objective (hook): cross-entropy, class-weighted when ``weights`` is given."""
        return CrossEntropy(weights)

    @abstractmethod
    def predict_scores(self, data: Any) -> tuple[list[str], np.ndarray]:
        """Video-level labels and scores of ``data`` with the current network."""

    def validate(self, validation: Any) -> float:
        """Validation macro F1 of the current network (the early-stopping criterion)."""
        labels, _ = self.predict(validation)
        return macro_f1(validation.labels, labels, self.classes)

    def finalize(self, validation: Any) -> dict[str, Any]:
        """After training (best epoch kept): fix selection state on validation; saved in the checkpoint."""
        return {}

    def restore(self, meta: Mapping[str, Any]) -> None:
        """Restore the selection state that :meth:`finalize` returned, from checkpoint ``meta``."""

    def steps_per_epoch(self, data: Any) -> int | None:
        """Optimiser steps per epoch when known in advance (None: counted in epoch 1)."""
        return None

    # -- Model interface
    def finished_fingerprint(self, workdir: Path) -> Mapping[str, Any] | None:
        """The checkpoint's fingerprint, once training finished (the summary is written last)."""
        ckpt = workdir / CHECKPOINT
        if not (ckpt.exists() and (workdir / SUMMARY).exists()):
            return None
        return load_checkpoint(ckpt)[1].get("fingerprint")

    def fit(self, train: Any, validation: Any, workdir: Path) -> dict[str, Any]:
        workdir = Path(workdir)
        reused = self.reuse(workdir)
        if reused is not None:
            return reused
        ckpt = workdir / CHECKPOINT
        rng = seed_everything(self.seed)
        y = encode_labels(train.labels, self.classes, where="training labels")
        if len(y) == 0:
            raise LabelError(f"{self.kind}: the training split is empty")
        self.prior = np.bincount(y, minlength=len(self.classes)) / len(y)
        self.module = self.build()
        weights = class_weights(y, len(self.classes)) if self.options.weighted_loss else None
        if weights is not None:
            log.info(
                "%s: class weights %s", self.kind, dict(zip(self.classes, weights.tolist(), strict=True))
            )
        has_val = len(validation) > 0

        def evaluate() -> float | None:
            return self.validate(validation) if has_val else None

        meta = {"fingerprint": self.fingerprint(), "prior": self.prior.tolist()}
        result = train_loop(
            self.module,
            self.forward,
            lambda epoch: self.train_batches(train, y, rng),
            evaluate,
            params=self.options,
            runtime=self.runtime,
            checkpoint=ckpt,
            loss=self.make_loss(weights),
            steps_per_epoch=self.steps_per_epoch(train),
            meta=meta,
            name=self.kind,
        )
        extra = self.finalize(validation) if has_val else {}
        if extra:  # selection state (e.g. a vote threshold) of the kept epoch, needed by load()
            save_checkpoint(ckpt, self.module, {**meta, "epoch": result.best_epoch, **extra})
        self.summary = {
            "kind": self.kind,
            "device": self.runtime.describe(),
            "n_train": len(train),
            "n_validation": len(validation),
            "checkpoint": str(ckpt),
            **extra,
            **result.summary(),
        }
        self.save_summary(workdir)
        return self.summary

    def load(self, workdir: Path) -> None:
        """Restore the trained network from ``workdir/checkpoint.pt`` (written by :meth:`fit`)."""
        workdir = Path(workdir)
        state, meta = load_checkpoint(workdir / CHECKPOINT)
        fp = meta.get("fingerprint", {})
        if fp.get("kind") != self.kind or fp.get("classes") != self.classes:
            raise ModelLoadError(
                f"{workdir / CHECKPOINT}: checkpoint of kind {fp.get('kind')!r} with classes "
                f"{fp.get('classes')}, expected {self.kind!r} with {self.classes}"
            )
        self.prior = np.asarray(meta.get("prior") or np.full(len(self.classes), 1 / len(self.classes)))
        self.restore(meta)
        module = self.build()
        module.load_state_dict(state)
        self.module = module.to(self.runtime.device)
        summary = self.read_summary(workdir)
        self.summary = summary if summary is not None else {"best_epoch": meta.get("epoch")}

    def predict(self, data: Any) -> tuple[list[str], np.ndarray]:
        if self.module is None:
            raise ModelLoadError(f"{self.kind}: predict before fit or load")
        if len(data) == 0:
            return [], np.zeros((0, len(self.classes)))
        return self.predict_scores(data)
