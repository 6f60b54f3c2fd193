"""Early fusion over pooled sequences (:mod:`polimodal.nn.early_fusion`)."""

from __future__ import annotations

import torch
from torch import nn

from polimodal.nn.early_fusion import EarlyFusionNet


def inputs() -> dict[str, torch.Tensor]:
    return {
        "words_ids": torch.tensor([[2, 3, 0]]),
        "words_t": torch.tensor([[0.1, 0.5, 0.0]]),
        "words_pad": torch.tensor([[False, False, True]]),
        "words_pitch": torch.tensor([[1.5, 0.0, 0.0]]),
        "words_frame": torch.randn(1, 3, 4),
        "audio_x": torch.randn(1, 5, 3),
        "audio_t": torch.arange(5.0).unsqueeze(0),
        "audio_pad": torch.zeros(1, 5, dtype=torch.bool),
    }


def test_pooled_and_aligned_fusion() -> None:
    dims = {"words": 1, "audio": 3}
    pooled = EarlyFusionNet(dims, 2, dim=8, hidden=16, dropout=0.0, vocab_size=6, aligned=False, frame_dim=0)
    aligned = EarlyFusionNet(dims, 2, dim=8, hidden=16, dropout=0.0, vocab_size=6, aligned=True, frame_dim=4)
    assert pooled(**inputs()).shape == aligned(**inputs()).shape == (1, 2)
    assert not hasattr(pooled, "word_mlp") and aligned.word_mlp[0].in_features == 8 + 2 + 4
    # mean and max of each modality: words 2 x 8 (pooled) or 2 x 16 (aligned), audio 2 x 3
    assert pooled.head[0].normalized_shape == (2 * 8 + 2 * 3,)
    assert aligned.head[0].normalized_shape == (2 * 16 + 2 * 3,)
    assert [type(m) for m in pooled.head] == [nn.LayerNorm, nn.Linear, nn.GELU, nn.Dropout, nn.Linear]


def test_frozen_word_vectors_are_projected() -> None:
    net = EarlyFusionNet(
        {"words": 6}, 3, dim=8, hidden=16, dropout=0.0, vocab_size=0, aligned=False, frame_dim=0
    )
    out = net(
        words_x=torch.randn(2, 4, 6), words_t=torch.zeros(2, 4), words_pad=torch.zeros(2, 4, dtype=torch.bool)
    )
    assert out.shape == (2, 3) and net.word_table is None and net.word_proj is not None
