"""The cross-modal transformer (:mod:`polimodal.nn.crossmodal`); what it learns: test_models_torch_mult."""

from __future__ import annotations

import torch
from torch import nn

from polimodal.nn.crossmodal import CrossModalBlock, MultNet, time_bias


def test_time_bias_favours_the_same_moment() -> None:
    rates = torch.tensor([1.0, 10.0])
    t_q = torch.tensor([[0.0, 1.0]])  # position 0: the summary token
    t_k = torch.tensor([[0.0, 1.0, 3.0]])
    free = torch.tensor([[True, False]])
    pad = torch.tensor([[False, False, True]])
    bias = time_bias(rates, t_q, t_k, free, pad)
    assert bias.shape == (2, 2, 3)  # (batch × heads, Lq, Lk)
    assert (bias[:, 0, :2] == 0).all() and (bias[:, :, 0] == 0).all()  # summary tokens: no bias
    assert bias[0, 1, 1] == 0 and torch.isneginf(bias[:, :, 2]).all()  # same moment; padded key
    block = CrossModalBlock(8, 2, dropout=0.0)
    out = block(torch.randn(1, 2, 8), torch.randn(1, 3, 8), pad, t_q, t_k, free)
    assert out.shape == (1, 2, 8)


def test_mult_net_shapes_and_parameter_names() -> None:
    net = MultNet(
        {"words": 1, "audio": 3}, 2, dim=8, heads=2, layers=1, self_layers=1, dropout=0.0, vocab_size=6
    )
    inputs = {
        "words_ids": torch.tensor([[2, 3], [4, 0]]),
        "words_t": torch.tensor([[0.1, 0.5], [0.2, 0.0]]),
        "words_pad": torch.tensor([[False, False], [False, True]]),
        "audio_x": torch.randn(2, 4, 3),
        "audio_t": torch.arange(4.0).repeat(2, 1),
        "audio_pad": torch.zeros(2, 4, dtype=torch.bool),
    }
    assert net(**inputs).shape == (2, 2)
    assert set(net.cross) == {"words_from_audio", "audio_from_words"}
    # the head: LayerNorm, then the MLP head of nn.heads, its parameters named as checkpoints have them
    assert [type(m) for m in net.head] == [nn.LayerNorm, nn.Linear, nn.GELU, nn.Dropout, nn.Linear]
    assert {k for k in net.state_dict() if k.startswith("head.")} == {
        f"head.{i}.{p}" for i in (0, 1, 4) for p in ("weight", "bias")
    }
