"""Training objectives (:mod:`polimodal.nn.losses`): class weights, cross-entropy, logits of an output."""

from __future__ import annotations

import numpy as np
import torch

from polimodal.nn.losses import CrossEntropy, class_weights, logits_of


def test_class_weights_are_balanced_and_zero_for_absent_classes() -> None:
    w = class_weights(np.array([0, 0, 0, 1]), 3)
    torch.testing.assert_close(w, torch.tensor([4 / 6, 2.0, 0.0]))
    torch.testing.assert_close(class_weights(np.array([0, 1, 0, 1]), 2), torch.tensor([1.0, 1.0]))


def test_logits_of_tensor_or_mapping() -> None:
    logits = torch.randn(2, 3)
    assert logits_of(logits) is logits
    assert logits_of({"logits": logits, "embedding": torch.zeros(2, 4)}) is logits


def test_cross_entropy_matches_torch() -> None:
    torch.manual_seed(0)
    logits, targets = torch.randn(5, 3), torch.tensor([0, 1, 2, 2, 1])
    torch.testing.assert_close(
        CrossEntropy()(logits, targets), torch.nn.functional.cross_entropy(logits, targets)
    )
    w = torch.tensor([1.0, 2.0, 0.5])
    torch.testing.assert_close(
        CrossEntropy(w)({"logits": logits}, targets),
        torch.nn.functional.cross_entropy(logits, targets, weight=w),
    )
    # half-precision logits are scored in fp32
    assert CrossEntropy()(logits.half(), targets).dtype == torch.float32
