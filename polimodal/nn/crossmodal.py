"""The cross-modal transformer (MulT) over per-video sequences, with attention biased by time.

After Tsai et al. (2019), "Multimodal Transformer for Unaligned Multimodal Language Sequences"
(MulT; MMSA's ``MULT.py`` is a readable reference). Each modality's sequence is projected to
``dim`` and given a learned summary token; for every ordered pair (target ← source) a stack of
cross-modal attention blocks (``torch.nn.MultiheadAttention``: queries from the target,
keys/values from the source) lets the target attend to the source; each target's cross-modal
outputs are concatenated, projected and passed through self-attention layers; the summary tokens
of the targets are concatenated into the classification head. **Implicit alignment**: the
network learns which parts of the sequences belong together. Unlike the original (which relies
on positions only), each element also carries a sinusoidal encoding of its *time in seconds*
(:class:`~polimodal.nn.sequences.TimeEncoding`), and attention is biased towards what happens
at the same moment, so a word can be matched with the audio spoken meanwhile even though the
sequences have different rates.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

from polimodal.nn.heads import classification_head
from polimodal.nn.sequences import SequenceEmbedder, masked_max


def time_bias(
    rates: torch.Tensor, t_q: torch.Tensor, t_k: torch.Tensor, q_free: torch.Tensor, k_pad: torch.Tensor
) -> torch.Tensor:
    """Additive attention bias ``(batch × heads, Lq, Lk)``: ``-rate_h · |t_q - t_k|`` (seconds),
    0 for a summary token (``q_free``/position 0 of the keys: attends and is attended everywhere),
    ``-inf`` on padded keys."""
    b, heads = t_q.shape[0], rates.shape[0]
    dist = (t_q.unsqueeze(-1) - t_k.unsqueeze(-2)).abs()  # (B, Lq, Lk)
    dist = dist.masked_fill(q_free.unsqueeze(-1), 0.0)
    dist[:, :, 0] = 0.0  # the keys' summary token
    bias = -rates.view(1, heads, 1, 1) * dist.unsqueeze(1)
    bias = bias.masked_fill(k_pad.view(b, 1, 1, -1), float("-inf"))
    return bias.reshape(b * heads, t_q.shape[1], t_k.shape[1])


class CrossModalBlock(nn.Module):
    """Target queries attend to a source sequence (pre-norm), then a feed-forward layer.

    Attention is biased towards what happens at the same time: each head's logits get
    ``-rate · |Δt|`` (a learned rate per head, in 1/s, from 0.1 (almost global) to 20 (this
    moment only) at the start), an ALiBi-style bias on seconds rather than positions.
    """

    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.norm_q = nn.LayerNorm(dim)
        self.norm_kv = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.norm_ff = nn.LayerNorm(dim)
        self.ff = nn.Sequential(
            nn.Linear(dim, 2 * dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(2 * dim, dim)
        )
        self.drop = nn.Dropout(dropout)
        init = torch.tensor(np.geomspace(0.1, 20.0, heads) if heads > 1 else [2.0], dtype=torch.float32)
        self.log_rates = nn.Parameter(init.log())

    def forward(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        y_pad: torch.Tensor,
        t_x: torch.Tensor,
        t_y: torch.Tensor,
        x_free: torch.Tensor,
    ) -> torch.Tensor:
        kv = self.norm_kv(y)
        bias = time_bias(self.log_rates.exp(), t_x, t_y, x_free, y_pad).to(x.dtype)
        attended, _ = self.attn(self.norm_q(x), kv, kv, attn_mask=bias, need_weights=False)
        x = x + self.drop(attended)
        return x + self.drop(self.ff(self.norm_ff(x)))


class MultNet(nn.Module):
    """The cross-modal transformer (see the module docstring): padded sequences → logits."""

    def __init__(
        self,
        in_dims: Mapping[str, int],
        n_classes: int,
        *,
        dim: int,
        heads: int,
        layers: int,
        self_layers: int,
        dropout: float,
        vocab_size: int,
    ) -> None:
        super().__init__()
        self.mods = list(in_dims)
        self.embed = SequenceEmbedder(in_dims, dim, vocab_size, dropout)
        self.summary = nn.ParameterDict({m: nn.Parameter(torch.randn(1, 1, dim) * 0.02) for m in self.mods})
        self.cross = nn.ModuleDict(
            {
                f"{t}_from_{s}": nn.ModuleList([CrossModalBlock(dim, heads, dropout) for _ in range(layers)])
                for t in self.mods
                for s in self.mods
                if s != t
            }
        )
        n_src = max(1, len(self.mods) - 1)
        self.fuse = nn.ModuleDict({m: nn.Linear(n_src * dim, dim) for m in self.mods})
        self.self_attn = nn.ModuleDict(
            {
                m: nn.ModuleList(
                    [
                        nn.TransformerEncoderLayer(
                            dim, heads, 2 * dim, dropout, batch_first=True, norm_first=True
                        )
                        for _ in range(self_layers)
                    ]
                )
                for m in self.mods
            }
        )
        total = 2 * dim * len(self.mods)
        mlp = classification_head("mlp", total, n_classes, hidden=dim, dropout=dropout)
        self.head = nn.Sequential(nn.LayerNorm(total), *mlp.children())

    def forward(self, **inputs: torch.Tensor) -> torch.Tensor:
        seqs: dict[str, torch.Tensor] = {}
        pads: dict[str, torch.Tensor] = {}
        times: dict[str, torch.Tensor] = {}
        free: dict[str, torch.Tensor] = {}
        for m in self.mods:
            x = self.embed(m, inputs)
            b = x.shape[0]
            seqs[m] = torch.cat([self.summary[m].expand(b, -1, -1), x], dim=1)
            pads[m] = torch.cat([inputs[f"{m}_pad"].new_zeros(b, 1), inputs[f"{m}_pad"]], dim=1)
            times[m] = torch.cat([inputs[f"{m}_t"].new_zeros(b, 1), inputs[f"{m}_t"].float()], dim=1)
            free[m] = torch.zeros_like(pads[m])
            free[m][:, 0] = True
        pooled = []
        for t in self.mods:
            if len(self.mods) > 1:
                outs = []
                for s in self.mods:
                    if s == t:
                        continue
                    h = seqs[t]
                    for block in self.cross[f"{t}_from_{s}"]:
                        h = block(h, seqs[s], pads[s], times[t], times[s], free[t])
                    outs.append(h)
                h = self.fuse[t](torch.cat(outs, dim=-1))
            else:
                h = self.fuse[t](seqs[t])
            for layer in self.self_attn[t]:
                h = layer(h, src_key_padding_mask=pads[t])
            # the summary token and the max over the sequence (a single decisive element)
            pooled.append(torch.cat([h[:, 0], masked_max(h[:, 1:], pads[t][:, 1:])], dim=-1))
        return self.head(torch.cat(pooled, dim=-1))
