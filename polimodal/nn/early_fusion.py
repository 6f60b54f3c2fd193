"""Early fusion over per-video sequences: each modality pooled, concatenated, then an MLP.

The baseline that sees every modality but not which parts co-occur: each modality is pooled on
its own (mean and max over the sequence, :func:`~polimodal.nn.sequences.masked_pool`). With
``aligned`` it reads the **explicit alignment** instead: each word's vector carries its own
pitch and the embedding of the frame shown meanwhile, and an MLP reads each word's fused vector
before pooling.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from polimodal.nn.heads import classification_head
from polimodal.nn.sequences import PAD, masked_pool


class EarlyFusionNet(nn.Module):
    """The pooled-features MLP (see the module docstring): padded sequences → logits."""

    def __init__(
        self,
        in_dims: Mapping[str, int],
        n_classes: int,
        *,
        dim: int,
        hidden: int,
        dropout: float,
        vocab_size: int,
        aligned: bool,
        frame_dim: int,
    ) -> None:
        super().__init__()
        self.mods = list(in_dims)
        self.aligned = aligned and "words" in self.mods
        self.word_frame_dim = frame_dim if self.aligned else 0
        self.word_table = nn.Embedding(vocab_size, dim, padding_idx=PAD) if vocab_size else None
        self.word_proj = None if vocab_size or "words" not in in_dims else nn.Linear(in_dims["words"], dim)
        widths = {m: (dim if m == "words" else d) for m, d in in_dims.items()}
        if self.aligned:
            # each word: its embedding, its pitch (z) and voiced flag, the embedding of its frame
            per_word = dim + 2 + frame_dim
            self.word_mlp = nn.Sequential(nn.Linear(per_word, hidden), nn.GELU(), nn.Linear(hidden, hidden))
            widths["words"] = hidden
        total = sum(2 * w for w in widths.values())
        mlp = classification_head("mlp", total, n_classes, hidden=hidden, dropout=dropout)
        self.head = nn.Sequential(nn.LayerNorm(total), *mlp.children())

    def forward(self, **inputs: torch.Tensor) -> torch.Tensor:
        parts = []
        for m in self.mods:
            if m == "words":
                w = self.word_table(inputs["words_ids"]) if self.word_table is not None else None
                if w is None:
                    assert self.word_proj is not None
                    w = self.word_proj(inputs["words_x"].float())
                if self.aligned:
                    pitch = inputs["words_pitch"].float().unsqueeze(-1)
                    voiced = (pitch != 0).float()
                    frame = [inputs["words_frame"].float()] if self.word_frame_dim else []
                    w = self.word_mlp(torch.cat([w, pitch, voiced, *frame], dim=-1))
                parts.append(masked_pool(w, inputs["words_pad"]))
            else:
                parts.append(masked_pool(inputs[f"{m}_x"].float(), inputs[f"{m}_pad"]))
        return self.head(torch.cat(parts, dim=-1))
