"""Building blocks over padded per-video sequences (words, audio windows, frame embeddings).

A batch of sequences is a set of tensors per modality ``m`` (the collate of
:mod:`polimodal.models.torch.sequence_features`): ``<m>_x`` (vectors) or ``words_ids`` (word ids
of a learned vocabulary), ``<m>_t`` (each element's time in seconds) and ``<m>_pad`` (True where
padded). :class:`SequenceEmbedder` maps every modality to vectors of one width, each carrying a
:class:`TimeEncoding` of its time; :func:`masked_max` and :func:`masked_pool` pool over the
elements that are not padding.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

#: The word id of padding in a learned vocabulary (1 is the unknown word, 2.. the words).
PAD = 0


class TimeEncoding(nn.Module):
    """Sinusoidal encoding of times in seconds (periods from ``min_period`` to ``max_period``)."""

    def __init__(self, dim: int, min_period: float = 0.2, max_period: float = 200.0) -> None:
        super().__init__()
        half = dim // 2
        periods = np.geomspace(min_period, max_period, max(half, 1))
        self.register_buffer("omega", torch.tensor(2 * math.pi / periods, dtype=torch.float32))
        self.dim = dim

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        angles = t.float().unsqueeze(-1) * self.omega
        enc = torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1)
        if enc.shape[-1] < self.dim:
            enc = nn.functional.pad(enc, (0, self.dim - enc.shape[-1]))
        return enc[..., : self.dim]


class SequenceEmbedder(nn.Module):
    """Each modality's elements → ``dim`` vectors (+ time encoding); words from ids or vectors."""

    def __init__(self, in_dims: Mapping[str, int], dim: int, vocab_size: int, dropout: float) -> None:
        super().__init__()
        self.mods = list(in_dims)
        self.word_table = nn.Embedding(vocab_size, dim, padding_idx=PAD) if vocab_size else None
        self.proj = nn.ModuleDict(
            {m: nn.Linear(d, dim) for m, d in in_dims.items() if not (m == "words" and vocab_size)}
        )
        self.time = TimeEncoding(dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, m: str, inputs: Mapping[str, torch.Tensor]) -> torch.Tensor:
        if m == "words" and self.word_table is not None:
            x = self.word_table(inputs["words_ids"])
        else:
            x = self.proj[m](inputs[f"{m}_x"].float())
        return self.drop(x + self.time(inputs[f"{m}_t"]))


def masked_max(x: torch.Tensor, pad: torch.Tensor) -> torch.Tensor:
    """Max over the non-padded elements (zeros for an empty sequence)."""
    mx = x.masked_fill(pad.unsqueeze(-1), -1e4).max(1).values
    return torch.where((~pad).any(1, keepdim=True), mx, torch.zeros_like(mx))


def masked_pool(x: torch.Tensor, pad: torch.Tensor) -> torch.Tensor:
    """Mean and max over the non-padded elements (zeros for an empty sequence), concatenated."""
    keep = (~pad).unsqueeze(-1).float()
    n = keep.sum(1).clamp(min=1)
    mean = (x * keep).sum(1) / n
    return torch.cat([mean, masked_max(x, pad)], dim=-1)
