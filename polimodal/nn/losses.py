"""Training objectives: the loss is a hook of the torch models (:meth:`TorchModel.make_loss`).

A loss is a callable ``loss(output, targets) -> scalar tensor`` where ``output`` is what the
model's ``forward`` returned: the logits, or a mapping with ``"logits"`` and any further
tensors an objective needs (e.g. the projected embeddings of a contrastive term). The default
is (class-weighted) cross-entropy on the logits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import torch
from torch import nn

#: What a model's forward returns: logits, or a mapping holding them under "logits".
Output = torch.Tensor | Mapping[str, torch.Tensor]
Loss = Callable[[Output, torch.Tensor], torch.Tensor]


def logits_of(output: Output) -> torch.Tensor:
    """The ``(batch, n_classes)`` logits of a forward output."""
    return output if isinstance(output, torch.Tensor) else output["logits"]


def class_weights(y: np.ndarray, n_classes: int) -> torch.Tensor:
    """Balanced class weights ``n / (k · n_c)`` (scikit-learn's "balanced"); 0 for absent classes."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    present = counts > 0
    w = np.zeros(n_classes)
    w[present] = counts.sum() / (present.sum() * counts[present])
    return torch.tensor(w, dtype=torch.float32)


class CrossEntropy(nn.Module):
    """Cross-entropy on the logits (in fp32), optionally class-weighted."""

    def __init__(self, weights: torch.Tensor | None = None) -> None:
        super().__init__()
        self.register_buffer("weights", weights, persistent=False)

    def forward(self, output: Output, targets: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(logits_of(output).float(), targets, weight=self.weights)
