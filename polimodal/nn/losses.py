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


def guided_contrastive(
    text: torch.Tensor,
    image: torch.Tensor,
    guide_logits: torch.Tensor,
    temperature: float,
) -> torch.Tensor:
    """CLIP-guided contrastive term over a batch of ``n`` text-image pairs.

    ``text``/``image``: the model's L2-normalised ``(n, d)`` projections; ``guide_logits``: the
    frozen guide's ``(n, n)`` text-image logits (CLIP's scaled cosine similarities). The model's
    similarities ``text @ image.T / temperature`` are pulled, row-wise (text → images) and
    column-wise (image → texts), towards the guide's softmax distributions (soft cross-entropy):
    the encoders learn which texts and images go together as CLIP sees it, instead of the hard
    "each post's own pair" targets of plain InfoNCE (a post whose text and image disagree is not
    pulled together). ``n < 2``: zero.
    """
    if text.shape[0] < 2:
        return text.new_zeros(())
    sims = text.float() @ image.float().t() / temperature
    guide = guide_logits.float().detach()
    rows = -(guide.softmax(dim=1) * sims.log_softmax(dim=1)).sum(dim=1).mean()
    cols = -(guide.t().softmax(dim=1) * sims.t().log_softmax(dim=1)).sum(dim=1).mean()
    return (rows + cols) / 2


class CrossEntropyGuided(nn.Module):
    """Cross-entropy + ``weight`` · :func:`guided_contrastive` (FND-CLIP's objective).

    The forward output is a mapping with ``logits`` and, while training with ``weight > 0``,
    ``text``, ``image`` (normalised projections) and ``guide_logits``; without them (or with
    ``weight`` 0) this is plain (class-weighted) cross-entropy.
    """

    def __init__(self, weights: torch.Tensor | None, weight: float, temperature: float) -> None:
        super().__init__()
        self.ce = CrossEntropy(weights)
        self.weight = float(weight)
        self.temperature = float(temperature)

    def forward(self, output: Output, targets: torch.Tensor) -> torch.Tensor:
        value = self.ce(output, targets)
        if self.weight > 0 and not isinstance(output, torch.Tensor) and "guide_logits" in output:
            value = value + self.weight * guided_contrastive(
                output["text"], output["image"], output["guide_logits"], self.temperature
            )
        return value

    def extra_repr(self) -> str:
        return f"contrastive weight={self.weight}, temperature={self.temperature}"
