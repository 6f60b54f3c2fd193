"""LoRA (:mod:`polimodal.models.hf.lora`): targets are the language model's attention projections,
never the VLM's vision tower unless asked; reruns give identical adapters and predictions."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from polimodal.models.hf.lora import ExampleSet, add_lora, lora_target_regex, train_lora
from polimodal.models.hf.params import VlmParams

PROMPT = {"question": "Is this about politics? Answer YES or NO.", "answers": {"1": "YES", "0": "NO"}}
LORA = {
    "finetune": "lora",
    "prompt": PROMPT,
    "batch_size": 4,
    "grad_accum": 1,
    "lr": 2e-2,
    "lora_r": 8,
    "epochs": 1,
    "warmup_ratio": 0.0,
    "gradient_checkpointing": False,
    "device": "cpu",
}


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


WORDS = "river garden music coffee window yellow travel pencil summer camera ocean basket".split()


def _texts(n: int, seed: int) -> tuple[list[str], list[int]]:
    """Label 1 iff the text holds 'senate'."""
    r = random.Random(seed)
    texts, labels = [], []
    for i in range(n):
        words = [r.choice(WORDS) for _ in range(8)]
        if i % 2:
            words.insert(r.randrange(1, 9), "senate")
        texts.append(" ".join(words))
        labels.append(i % 2)
    return texts, labels


def _adapter_after(tiny_llama: Path, workdir: Path, draw_before: bool) -> dict[str, torch.Tensor]:
    from peft import get_peft_model_state_dict

    from polimodal.models.hf.chat import collate
    from polimodal.models.hf.generative import LlmModel
    from polimodal.nn.runtime import seed_everything

    model = LlmModel(["0", "1"], {**LORA, "model": str(tiny_llama)}, seed=1)
    seed_everything(1)  # what fit does before it loads the base model
    model._load_base()
    assert model.codec is not None
    if draw_before:
        # what loading did in a job that converted the GGUF file first (convert_gguf builds a
        # randomly initialised model: AutoModelForCausalLM.from_config draws from this generator)
        torch.nn.Linear(64, 64)
    texts, labels = _texts(8, 1)
    examples = ExampleSet(8, lambda i: model.codec.example(texts[i], labels[i], []))  # type: ignore[union-attr]
    pad = model.tokenizer.eos_token_id
    peft_model, _ = train_lora(
        model.model,
        examples,
        lambda feats: collate(feats, pad),
        lambda: 0.5,
        model.options,
        workdir,
        seed=1,
        runtime=model.runtime,
    )
    return {k: v.clone() for k, v in get_peft_model_state_dict(peft_model).items()}


def test_adapters_depend_on_the_seed_only(tiny_llama: Path, tmp_path: Path) -> None:
    """The adapters' initial weights come from torch's global generator: a job that drew from it
    while loading (the first job in a fresh GGUF cache converts the file) must train the same
    adapter as a rerun that did not (the demo's smollm2_lora fold 1 once changed its predictions)."""
    plain = _adapter_after(tiny_llama, tmp_path / "plain", draw_before=False)
    drawn = _adapter_after(tiny_llama, tmp_path / "drawn", draw_before=True)
    assert plain.keys() == drawn.keys() and plain
    for k in plain:
        assert torch.equal(plain[k], drawn[k]), k


RUN = """
import json, random, sys
import numpy as np, torch
from pathlib import Path
from safetensors.torch import load_file
from polimodal.data.videodata import VideoData
from polimodal.models.hf.generative import LlmModel
params, out, vocabulary = json.loads(sys.argv[1]), Path(sys.argv[2]), sys.argv[3].split()
def data(n, seed):
    r, texts = random.Random(seed), []
    for i in range(n):
        words = [r.choice(vocabulary) for _ in range(8)]
        if i % 2:
            words.insert(r.randrange(1, 9), "senate")
        texts.append(" ".join(words))
    return VideoData([f"k{seed}_{i}" for i in range(n)], [str(i % 2) for i in range(n)], texts)
model = LlmModel(["0", "1"], params, seed=1)
model.fit(data(8, 1), data(4, 2), out / "model")
np.save(out / "scores.npy", model.predict(data(8, 3))[1])
torch.save(load_file(out / "model/adapter/adapter_model.safetensors"), out / "adapter.pt")
print("threads", torch.get_num_threads())
"""


@pytest.mark.slow
def test_reruns_in_separate_processes_are_identical(tiny_llama: Path, tmp_path: Path) -> None:
    """The same LoRA training in two processes, with 1 and 2 CPU threads: bitwise identical adapter
    and predictions (the thread count does not change the sums on CPU here)."""
    params = json.dumps({**LORA, "model": str(tiny_llama)})
    results = []
    for threads in (1, 2):
        out = tmp_path / f"threads{threads}"
        env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
        proc = subprocess.run(
            [sys.executable, "-c", RUN, params, str(out), " ".join(WORDS)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert f"threads {threads}" in proc.stdout
        results.append((torch.load(out / "adapter.pt"), np.load(out / "scores.npy")))
    (w1, s1), (w2, s2) = results
    assert w1.keys() == w2.keys() and w1
    for k in w1:
        assert torch.equal(w1[k], w2[k]), k
    np.testing.assert_array_equal(s1, s2)


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
