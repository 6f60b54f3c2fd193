"""The study's comparisons: pairs from the config, best per modality, VLM vs LLM, and their figures."""

from __future__ import annotations

import pandas as pd
import pytest
from PIL import Image

from polimodal.experiments.comparisons import ModelInfo, comparisons_table, finetune_pairs, plot_comparisons

MODELS = {
    "svm": {"kind": "svm"},
    "cnn": {"kind": "cnn", "model": "resnet50"},
    "clip": {"kind": "clip", "model": "openai/clip-vit-base-patch32"},
    "llama2_zeroshot": {"kind": "llm", "model": "meta-llama/Llama-2-7b-chat-hf", "finetune": "none"},
    "llama2_lora": {"kind": "llm", "model": "meta-llama/Llama-2-7b-chat-hf", "finetune": "lora"},
    "llama3_zeroshot": {"kind": "llm", "model": "meta-llama/Meta-Llama-3-8B-Instruct"},
    "idefics2_zeroshot": {"kind": "vlm", "model": "HuggingFaceM4/idefics2-8b", "finetune": "none"},
    "idefics2_lora": {"kind": "vlm", "model": "HuggingFaceM4/idefics2-8b", "finetune": "lora"},
}
MODALITY = {"svm": "text", "cnn": "image", "clip": "multimodal", "llama2_zeroshot": "text",
            "llama2_lora": "text", "llama3_zeroshot": "text", "idefics2_zeroshot": "multimodal",
            "idefics2_lora": "multimodal"}  # fmt: skip
F1 = {
    "us_politics": {"svm": 0.80, "cnn": 0.60, "clip": 0.70, "llama2_zeroshot": 0.50, "llama2_lora": 0.85,
                    "llama3_zeroshot": 0.65, "idefics2_zeroshot": 0.55, "idefics2_lora": 0.90},
    "hateful": {"svm": 0.55, "cnn": 0.52, "clip": 0.58, "llama2_zeroshot": 0.40, "llama2_lora": 0.60,
                "llama3_zeroshot": 0.45, "idefics2_zeroshot": 0.50, "idefics2_lora": 0.62},
}  # fmt: skip


@pytest.fixture()
def table():
    rows = [
        {"task": t, "model": m, "modality": MODALITY[m], "macro_f1_mean": v, "macro_f1_sd": 0.02}
        for t, scores in F1.items()
        for m, v in scores.items()
    ]
    return pd.DataFrame(rows)


def test_pairs_are_the_same_checkpoint_with_and_without_lora():
    pairs = finetune_pairs(ModelInfo.from_config(MODELS))
    assert pairs == [("idefics2_lora", "idefics2_zeroshot"), ("llama2_lora", "llama2_zeroshot")]


def test_every_comparison_per_task(table):
    c = comparisons_table(table, ModelInfo.from_config(MODELS))
    us = c[c["task"] == "us_politics"].set_index("comparison")
    ft = c[(c["comparison"] == "fine-tuned vs zero-shot") & (c["task"] == "us_politics")].set_index("a")
    assert ft.loc["llama2_lora", "difference"] == pytest.approx(0.35)
    assert ft.loc["idefics2_lora", "b"] == "idefics2_zeroshot"
    # best multimodal (idefics2_lora 0.90) vs best text (llama2_lora 0.85) and best image (cnn)
    assert us.loc["multimodal vs text-only", ["a", "b"]].tolist() == ["idefics2_lora", "llama2_lora"]
    assert us.loc["multimodal vs image-only", "difference"] == pytest.approx(0.30)
    assert "multimodal vs audio-only" not in us.index  # no audio model configured
    # VLM vs LLM with the same fine-tuning: zero-shot idefics2 0.55 vs the best zero-shot LLM, llama3 0.65
    assert us.loc["VLM vs LLM (zero-shot)", ["a", "b"]].tolist() == ["idefics2_zeroshot", "llama3_zeroshot"]
    assert us.loc["VLM vs LLM (zero-shot)", "difference"] == pytest.approx(-0.10)
    assert us.loc["VLM vs LLM (fine-tuned)", "difference"] == pytest.approx(0.05)
    assert set(c["task"]) == {"us_politics", "hateful"}


def test_a_config_without_generative_models_has_only_the_modality_comparisons(table):
    few = {k: v for k, v in MODELS.items() if k in ("svm", "cnn", "clip")}
    c = comparisons_table(table[table["model"].isin(few)], ModelInfo.from_config(few))
    assert set(c["comparison"]) == {"multimodal vs text-only", "multimodal vs image-only"}


def test_the_figures_are_written(table, tmp_path):
    c = comparisons_table(table, ModelInfo.from_config(MODELS))
    paths = plot_comparisons(table, c, tmp_path)
    assert set(paths) == {"overview", "finetune", "modality", "vlm_llm"}
    for path in paths.values():
        with Image.open(path) as img:
            assert img.width > 300 and img.height > 100
