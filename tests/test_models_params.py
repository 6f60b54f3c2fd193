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


# ----------------------------------------------------------------------------- what changes predictions
# model_settings (polimodal.models.registry) is what the train and classify rules pass as params:
# Snakemake retrains a model x task x fold exactly when it changes.
def test_where_and_how_a_model_runs_changes_no_setting() -> None:
    from polimodal.models.registry import model_settings

    for cfg in ({"kind": "bert"}, {"kind": "cnn"}, {"kind": "llm", "finetune": "lora"}):
        moved = {**cfg, "log_every": 3, "eval_batch_size": 5, "device": "cpu"}
        assert model_settings("m", moved) == model_settings("m", cfg)
        assert not {"log_every", "eval_batch_size", "device"} & set(model_settings("m", cfg))
    llm = {"kind": "llm", "finetune": "lora"}
    assert model_settings("m", {**llm, "device_map": "auto"}) == model_settings("m", llm)


def test_a_default_written_out_changes_nothing_a_real_option_does() -> None:
    from polimodal.models.registry import model_settings

    cfg = {"kind": "bert", "text_fields": ["transcript"]}
    bert = model_settings("m", cfg)
    assert model_settings("m", {**cfg, "epochs": 3, "lr": 2e-5}) == bert
    assert model_settings("m", {**cfg, "epochs": 4}) != bert
    assert model_settings("m", {"kind": "bert", "lr": 1}) == model_settings("m", {"kind": "bert", "lr": 1.0})
    assert bert["kind"] == "bert" and bert["text_fields"] == ["transcript"] and bert["epochs"] == 3


def test_keys_made_moot_by_the_other_settings_are_left_out() -> None:
    from polimodal.models.registry import model_settings

    cnn = model_settings("m", {"kind": "cnn"})  # video_score: mean_prob
    assert "threshold" not in cnn and "vote" not in cnn
    votes = model_settings("m", {"kind": "cnn", "video_score": "votes", "threshold": 2})
    assert votes["threshold"] == 2 and votes["vote"] == "count"
    zero_shot = model_settings("m", {"kind": "llm"})  # finetune: none trains nothing
    assert not {"epochs", "lr", "lora_r", "gradient_checkpointing"} & set(zero_shot)
    assert {"eval_batch_size", "device"}.isdisjoint(zero_shot) and zero_shot["max_text_tokens"] == 800


def test_text_fields_have_one_default_in_the_dataclass_of_every_text_kind() -> None:
    """``text_fields`` is a parameter of every kind that reads text, its default declared once;
    writing that default out changes neither the model settings nor the built model."""
    from dataclasses import fields

    from polimodal.data.texts import DEFAULT_TEXT_FIELDS
    from polimodal.models.build import build_model
    from polimodal.models.registry import KINDS, model_settings

    for kind, spec in KINDS.items():
        declared = {f.name: f.default for f in fields(spec.params)}
        if spec.reads("text"):
            assert declared["text_fields"] is DEFAULT_TEXT_FIELDS, kind
            written = {"kind": kind, "text_fields": ["transcript"]}
            assert model_settings("m", written) == model_settings("m", {"kind": kind}), kind
            assert model_settings("m", {"kind": kind})["text_fields"] == ["transcript"], kind
        else:
            assert "text_fields" not in declared, kind
    svm = build_model("m", {"kind": "svm", "text_fields": ["title", "transcript"]}, ["a", "b"])
    assert svm.options.text_fields == ("title", "transcript")
    assert build_model("m", {"kind": "svm"}, ["a", "b"]).options.text_fields == DEFAULT_TEXT_FIELDS
