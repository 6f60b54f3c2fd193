"""LoRA targets (:mod:`polimodal.models.hf.lora`): the language model's attention projections,
never the VLM's vision tower unless asked."""

from __future__ import annotations

import re
from pathlib import Path

from polimodal.models.hf.lora import add_lora, lora_target_regex
from polimodal.models.hf.params import VlmParams


def test_regex_skips_the_vision_tower() -> None:
    rx = re.compile(lora_target_regex(("q_proj", "v_proj")))
    assert rx.fullmatch("model.text_model.layers.0.self_attn.q_proj")
    assert rx.fullmatch("model.language_model.layers.3.self_attn.v_proj")
    assert not rx.fullmatch("model.vision_model.encoder.layers.0.self_attn.q_proj")
    assert not rx.fullmatch("model.text_model.layers.0.mlp.up_proj")
    assert re.fullmatch(
        lora_target_regex(("q_proj",), vision=True), "model.vision_model.encoder.layers.0.self_attn.q_proj"
    )


def test_adapters_on_the_text_model_of_a_vlm(tiny_idefics3: Path) -> None:
    from transformers import AutoModelForImageTextToText

    model = add_lora(AutoModelForImageTextToText.from_pretrained(tiny_idefics3), VlmParams())
    adapted = {n.rsplit(".lora_A", 1)[0] for n, _ in model.named_parameters() if ".lora_A" in n}
    assert adapted and all("text_model" in n for n in adapted)
    assert {n.rsplit(".", 1)[-1] for n in adapted} == {"q_proj", "k_proj", "v_proj", "o_proj"}
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    with_vision = add_lora(
        AutoModelForImageTextToText.from_pretrained(tiny_idefics3), VlmParams(lora_vision=True)
    )
    assert any("vision_model" in n and ".lora_A" in n for n, _ in with_vision.named_parameters())


def test_adapters_on_the_language_model_of_mllama(tiny_mllama: Path) -> None:
    """Llama-3.2-Vision: adapters on the language model's self-attention **and** cross-attention
    projections (its cross-attention layers are language-model layers: their k/v read the image
    states), none in the vision tower or the projector."""
    from transformers import AutoModelForImageTextToText

    model = add_lora(AutoModelForImageTextToText.from_pretrained(tiny_mllama), VlmParams())
    adapted = {n.rsplit(".lora_A", 1)[0] for n, _ in model.named_parameters() if ".lora_A" in n}
    assert adapted and all(".language_model.layers." in n for n in adapted)
    assert {n.rsplit(".", 2)[-2] for n in adapted} == {"self_attn", "cross_attn"}
    assert {n.rsplit(".", 1)[-1] for n in adapted} == {"q_proj", "k_proj", "v_proj", "o_proj"}
    assert not any("vision_model" in n or "multi_modal_projector" in n for n in adapted)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)


def test_adapters_on_the_text_model_of_idefics2(tiny_idefics2: Path) -> None:
    """Idefics2 (the study's VLM): its perceiver resampler has q/k/v/o projections of its own; they
    stay frozen with the vision tower, the adapters go on the text model's attention only."""
    from transformers import AutoModelForImageTextToText

    base = AutoModelForImageTextToText.from_pretrained(tiny_idefics2)
    assert any("perceiver" in n and n.endswith("q_proj") for n, _ in base.named_modules())
    model = add_lora(base, VlmParams())
    adapted = {n.rsplit(".lora_A", 1)[0] for n, _ in model.named_parameters() if ".lora_A" in n}
    assert adapted and all(".text_model.layers." in n for n in adapted)
    assert {n.rsplit(".", 1)[-1] for n in adapted} == {"q_proj", "k_proj", "v_proj", "o_proj"}
    assert not any("perceiver" in n or "vision" in n or "connector" in n for n in adapted)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
