"""The training keys every trained kind shares (:mod:`polimodal.models.params`): one set of keys,
rules and messages, which the torch and the generative kinds extend (and adjust where they differ)."""

from __future__ import annotations

from dataclasses import fields

import pytest

from polimodal.errors import ConfigError
from polimodal.models.hf.params import LlmParams, VlmParams
from polimodal.models.params import MAX_EPOCHS, TrainingParams
from polimodal.models.torch.params import BertParams, TrainParams
from polimodal.options import options_from_section

TRAINING_KEYS = {f.name for f in fields(TrainingParams)}


@pytest.mark.parametrize("cls", [TrainParams, BertParams, LlmParams, VlmParams])
def test_every_trained_kind_has_the_training_keys(cls: type) -> None:
    assert issubclass(cls, TrainingParams)
    assert TRAINING_KEYS <= {f.name for f in fields(cls)}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("epochs", MAX_EPOCHS + 1, f"epochs must be 1..{MAX_EPOCHS}"),
        ("grad_accum", 0, "batch_size and grad_accum must be >= 1"),
        ("lr", 0.0, "lr must be > 0"),
        ("warmup_ratio", 1.0, r"warmup_ratio must be in \[0, 1\)"),
        ("patience", 0, "patience must be >= 1"),
        ("log_every", 0, "log_every must be >= 1"),
    ],
)
@pytest.mark.parametrize("cls", [TrainingParams, BertParams, LlmParams])
def test_the_shared_rules_say_the_same(cls: type, key: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=rf"^models\.m: {message}"):
        options_from_section(cls, {key: value}, "models.m")


def test_where_the_kinds_differ() -> None:
    # torch: eval_batch_size 0 means 2 × batch_size; head_lr is checked with lr; the values are shown
    assert options_from_section(BertParams, {"eval_batch_size": 0}, "m").predict_batch_size == 32
    with pytest.raises(ConfigError, match=r"^m: lr must be > 0, head_lr >= 0 \(got BertParams\("):
        options_from_section(BertParams, {"head_lr": -1.0}, "m")
    # generative: at least one prompt per batch; no values in the message
    with pytest.raises(ConfigError, match=r"^m: eval_batch_size must be >= 1$"):
        options_from_section(LlmParams, {"eval_batch_size": 0}, "m")
    assert TrainingParams().lr != LlmParams().lr and VlmParams().batch_size == 2
