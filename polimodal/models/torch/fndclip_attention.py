"""FND-CLIP's CLIP features and modality-wise attention (``kind: fndclip``, ``clip_features: true``).

As in Zhou et al. 2022, the frozen CLIP feeds the classifier (not only the contrastive guide):
with ``c_t``, ``c_v`` CLIP's text and image embeddings of a text/image pair::

    t = normalise(P_t([BERT[CLS] ; c_t]))          # text stream   (unimodal + CLIP text)
    v = normalise(P_v([CNN ; c_v]))                # image stream  (unimodal + CLIP image)
    s = standardise(cos(c_t, c_v))                 # BatchNorm1d(1): (s − μ)/σ, then learnt w·s + b
    m = s · normalise(P_m([c_t ; c_v]))            # fused CLIP stream, weighted by the similarity
    a = σ(MLP(avg(S)) + MLP(max(S)))               # S = √d · [t, v, m]: one weight per stream
    logits = classifier(Σ_k a_k S_k)

``a`` is squeeze-and-excitation over the three streams (each stream squeezed to its mean and its
maximum over the features, one shared 3 → 3 → 3 MLP, a sigmoid): each weight lies in (0, 1)
independently (a gate, not a softmax: they need not sum to 1). ``P_*`` are this module's
BatchNorm + Linear projections (``projection_dim``); ``t`` and ``v`` are also what the CLIP-guided
contrastive term compares (``contrastive`` λ, unchanged).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from polimodal.nn.heads import classification_head


class ModalityAttention(nn.Module):
    """Squeeze-and-excitation over ``streams`` (n, k, d): a weight in (0, 1) per sample and stream."""

    def __init__(self, k: int = 3) -> None:
        super().__init__()
        self.excite = nn.Sequential(nn.Linear(k, k), nn.GELU(), nn.Linear(k, k))

    def forward(self, streams: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.excite(streams.mean(-1)) + self.excite(streams.amax(-1)))


def _batch_norm_linear(x: torch.Tensor, proj: nn.Sequential) -> torch.Tensor:
    """``proj`` = BatchNorm1d → Linear; a training batch of one uses the running statistics."""
    bn, linear = proj[0], proj[1]
    if proj.training and x.shape[0] == 1:
        x = F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)
        return linear(x)
    return proj(x)


class ClipFeatureHead(nn.Module):
    """Projections, similarity weight, modality attention and classifier (parameters ``head.*``)."""

    def __init__(
        self,
        text_dim: int,
        image_dim: int,
        clip_dim: int,
        dim: int,
        n_classes: int,
        hidden: int,
        dropout: float,
    ) -> None:
        super().__init__()
        self.dim = dim
        self.text = nn.Sequential(nn.BatchNorm1d(text_dim + clip_dim), nn.Linear(text_dim + clip_dim, dim))
        self.image = nn.Sequential(nn.BatchNorm1d(image_dim + clip_dim), nn.Linear(image_dim + clip_dim, dim))
        self.fused = nn.Sequential(nn.BatchNorm1d(2 * clip_dim), nn.Linear(2 * clip_dim, dim))
        self.similarity = nn.BatchNorm1d(1)  # standardised cosine, then the learnt w·s + b
        self.attention = ModalityAttention(3)
        self.classifier = classification_head("mlp", dim, n_classes, hidden=hidden, dropout=dropout)

    def project(
        self, text: torch.Tensor, image: torch.Tensor, clip_text: torch.Tensor, clip_image: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The normalised text and image streams ``(t, v)`` (what the contrastive term compares)."""
        t = _batch_norm_linear(torch.cat([text.float(), clip_text.float()], -1), self.text)
        v = _batch_norm_linear(torch.cat([image.float(), clip_image.float()], -1), self.image)
        return F.normalize(t, dim=-1), F.normalize(v, dim=-1)

    def weight(self, clip_text: torch.Tensor, clip_image: torch.Tensor) -> torch.Tensor:
        """The standardised CLIP similarity ``(n,)`` that scales the fused stream."""
        cos = F.cosine_similarity(clip_text.float(), clip_image.float(), dim=-1).unsqueeze(-1)
        bn = self.similarity
        if bn.training and cos.shape[0] == 1:
            return F.batch_norm(cos, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)[
                :, 0
            ]
        return bn(cos)[:, 0]

    def streams(
        self, t: torch.Tensor, v: torch.Tensor, clip_text: torch.Tensor, clip_image: torch.Tensor
    ) -> torch.Tensor:
        """``(n, 3, dim)``: √d · [text, image, similarity-weighted fused CLIP] streams."""
        fused = _batch_norm_linear(torch.cat([clip_text.float(), clip_image.float()], -1), self.fused)
        m = self.weight(clip_text, clip_image).unsqueeze(-1) * F.normalize(fused, dim=-1)
        return math.sqrt(self.dim) * torch.stack([t, v, m], dim=1)

    def forward(
        self, t: torch.Tensor, v: torch.Tensor, clip_text: torch.Tensor, clip_image: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(logits, stream weights (n, 3))``."""
        streams = self.streams(t, v, clip_text, clip_image)
        weights = self.attention(streams)
        return self.classifier((weights.unsqueeze(-1) * streams).sum(1)), weights
