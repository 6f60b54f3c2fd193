"""Classification heads and fusion of modality embeddings."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from polimodal.errors import ConfigError

#: Head kinds: ``mlp`` (one hidden layer: learns interactions of its inputs), ``linear``.
HEADS = ("mlp", "linear")


def classification_head(
    kind: str, dim: int, n_classes: int, *, hidden: int = 512, dropout: float = 0.1
) -> nn.Module:
    """``mlp``: Linear(dim → hidden) → GELU → Dropout → Linear(→ k); ``linear``: Dropout → Linear(dim → k)."""
    if kind == "mlp":
        return nn.Sequential(
            nn.Linear(dim, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, n_classes)
        )
    if kind == "linear":
        return nn.Sequential(nn.Dropout(dropout), nn.Linear(dim, n_classes))
    raise ConfigError(f"head must be one of {list(HEADS)}, got {kind!r}")


def concat_normalised(*embeddings: torch.Tensor) -> torch.Tensor:
    """Late fusion by concatenation: each embedding L2-normalised, concatenated, times √d.

    ``d`` is the width of one embedding: the constant gives the head inputs of unit scale
    instead of ~1/√d per coordinate, which speeds up learning and changes nothing else.
    """
    scale = math.sqrt(embeddings[0].shape[-1])
    return scale * torch.cat([F.normalize(e.float(), dim=-1) for e in embeddings], dim=-1)
