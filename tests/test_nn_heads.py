"""Classification heads and late fusion (:mod:`polimodal.nn.heads`)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from polimodal.errors import ConfigError
from polimodal.nn.heads import HEADS, classification_head, concat_normalised


def test_heads() -> None:
    mlp = classification_head("mlp", 8, 3, hidden=5, dropout=0.0)
    linear = classification_head("linear", 8, 3, dropout=0.0)
    x = torch.randn(4, 8)
    assert mlp(x).shape == linear(x).shape == (4, 3)
    assert [type(m) for m in mlp] == [nn.Linear, nn.GELU, nn.Dropout, nn.Linear] and mlp[0].out_features == 5
    assert sum(isinstance(m, nn.Linear) for m in linear) == 1
    assert set(HEADS) == {"mlp", "linear"}
    with pytest.raises(ConfigError, match="head must be one of"):
        classification_head("attention", 8, 3)


def test_concat_normalised() -> None:
    t, v = torch.randn(3, 16) * 7, torch.randn(3, 16) * 0.01
    z = concat_normalised(t, v)
    assert z.shape == (3, 32)
    torch.testing.assert_close(z[:, :16].norm(dim=1), torch.full((3,), 4.0))
    torch.testing.assert_close(z[:, 16:].norm(dim=1), torch.full((3,), 4.0))
    torch.testing.assert_close(z[:, :16], 4.0 * t / t.norm(dim=1, keepdim=True))
