"""The generative kinds (:mod:`polimodal.models.hf.generative`) on tiny models, CPU.

- zero-shot: every prediction is a task value, scores are probabilities;
- LoRA learns what zero-shot cannot: a keyword decides the answer; validation macro F1 goes from
  chance to >= 0.9, and the adapter-only checkpoint reloads to identical predictions; a second
  fit of the same model reuses it, a changed parameter trains again;
- the VLM sees the frames: on a task decided only by frame colour (identical texts), the LoRA-tuned
  tiny VLM beats chance clearly, while the text-only LM cannot (it sees identical inputs);
- Llama-3.2-Vision's architecture (tiny Mllama) and the study's Idefics2 (tiny, random) train LoRA
  on frames + text and reload.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import f1_score

from polimodal.corpus.schemas import FRAMES, write_parquet
from polimodal.data.frames import FrameStore
from polimodal.data.videodata import VideoData
from polimodal.errors import ConfigError
from polimodal.models.hf.generative import LlmModel, VlmModel
from polimodal.models.reuse import SUMMARY

PROMPT = {"question": "Is this about politics? Answer YES or NO.", "answers": {"1": "YES", "0": "NO"}}
WORDS = "river garden music coffee window yellow travel pencil summer camera ocean basket".split()
LORA = {
    "finetune": "lora",
    "prompt": PROMPT,
    "batch_size": 8,
    "grad_accum": 1,
    "lr": 2e-2,
    "lora_r": 8,
    "warmup_ratio": 0.0,
    "gradient_checkpointing": False,
    "device": "cpu",
    "patience": 10,
}


def _keyword_data(n: int, seed: int) -> VideoData:
    """Label 1 iff the text contains 'senate' (never first: its token differs without a space)."""
    r = random.Random(seed)
    ids, labels, texts = [], [], []
    for i in range(n):
        label = str(i % 2)
        words = [r.choice(WORDS) for _ in range(8)]
        if label == "1":
            words.insert(r.randrange(1, 9), "senate")
        ids.append(f"k{seed}_{i}")
        labels.append(label)
        texts.append(" ".join(words))
    return VideoData(ids, labels, texts)


def _f1(data: VideoData, labels: list[str]) -> float:
    return float(f1_score(data.labels, labels, average="macro"))


def test_zero_shot_predicts_task_values(tiny_llama: Path, tmp_path: Path) -> None:
    data = _keyword_data(6, 3)
    model = LlmModel(["0", "1"], {"model": str(tiny_llama), "prompt": PROMPT, "device": "cpu"})
    summary = model.fit(data, data, tmp_path)
    assert summary["finetune"] == "none"
    labels, scores = model.predict(data)
    assert set(labels) <= {"0", "1"} and len(labels) == 6
    assert scores.shape == (6, 2)
    np.testing.assert_allclose(scores.sum(1), 1.0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["generative.json"]  # no weights written
    again = LlmModel(["0", "1"], {"model": str(tiny_llama), "prompt": PROMPT, "device": "cpu"})
    again.load(tmp_path)
    np.testing.assert_allclose(again.predict(data)[1], scores)


def test_a_model_without_prompt_is_a_config_error(tiny_llama: Path) -> None:
    with pytest.raises(ConfigError, match=r"no prompt.*tasks.<task>.prompt"):
        LlmModel(["0", "1"], {"model": str(tiny_llama)})
    bad = {"question": "?", "answers": {"1": "YES", "2": "NO"}}
    with pytest.raises(ConfigError, match=r"missing \['0'\].*not task values \['2'\]"):
        LlmModel(["0", "1"], {"model": str(tiny_llama), "prompt": bad})


def test_lora_learns_a_keyword_that_zero_shot_cannot(tiny_llama: Path, tmp_path: Path, learned) -> None:
    train, val, test = _keyword_data(40, 1), _keyword_data(20, 2), _keyword_data(20, 5)
    zero = LlmModel(["0", "1"], {"model": str(tiny_llama), "prompt": PROMPT, "device": "cpu"})
    zero_labels, _ = zero.predict(val)
    model = LlmModel(["0", "1"], {"model": str(tiny_llama), **LORA, "epochs": 6}, seed=0)
    summary = model.fit(train, val, tmp_path)
    labels, _ = model.predict(val)
    test_labels, test_scores = model.predict(test)
    learned({
        "zero_shot_val": (_f1(val, zero_labels), "<=", 0.6),  # the untrained model: (nearly) one answer
        "lora_val": (summary["best_val_macro_f1"], ">=", 0.9),
        "lora_test": (_f1(test, test_labels), ">=", 0.75),  # unseen videos: well above chance too
    })  # fmt: skip
    assert _f1(val, labels) == pytest.approx(summary["best_val_macro_f1"], abs=1e-3)  # the best epoch is kept
    # adapter-only checkpoint: a few KB of LoRA weights, not the base model
    adapter = tmp_path / "adapter"
    assert (adapter / "adapter_config.json").exists()
    assert not list(tmp_path.rglob("model.safetensors"))
    size = sum(p.stat().st_size for p in adapter.iterdir())
    base = sum(p.stat().st_size for p in tiny_llama.glob("*.safetensors"))
    assert size < base / 10
    restored = LlmModel(["0", "1"], {"model": str(tiny_llama), **LORA, "epochs": 6})
    restored.load(tmp_path)
    again_labels, again_scores = restored.predict(test)
    assert again_labels == test_labels
    np.testing.assert_allclose(again_scores, test_scores, rtol=1e-5, atol=1e-6)


def test_a_finished_lora_training_is_reused(tiny_llama: Path, tmp_path: Path) -> None:
    """As a torch checkpoint: the same model (data, parameters, seed) loads the adapter; another trains."""
    train, val = _keyword_data(8, 1), _keyword_data(4, 2)
    params = {"model": str(tiny_llama), **LORA, "epochs": 1}
    first = LlmModel(["0", "1"], params)
    summary = first.fit(train, val, tmp_path)
    assert "reused_checkpoint" not in summary and (tmp_path / SUMMARY).exists()
    adapter = tmp_path / "adapter" / "adapter_model.safetensors"
    written = adapter.stat().st_mtime_ns
    again = LlmModel(["0", "1"], params)
    assert again.fit(train, val, tmp_path) == {**summary, "reused_checkpoint": True}
    assert adapter.stat().st_mtime_ns == written  # loaded, not trained again
    np.testing.assert_allclose(again.predict(val)[1], first.predict(val)[1], rtol=1e-5, atol=1e-6)
    changed = LlmModel(["0", "1"], {**params, "lr": 1e-2})
    assert "reused_checkpoint" not in changed.fit(train, val, tmp_path)
    assert adapter.stat().st_mtime_ns != written
    (tmp_path / SUMMARY).unlink()  # as if that training had stopped half-way
    assert "reused_checkpoint" not in LlmModel(["0", "1"], {**params, "lr": 1e-2}).fit(train, val, tmp_path)


def _jpeg(rgb: tuple[int, int, int], seed: int) -> bytes:
    from PIL import Image

    noise = np.random.default_rng(seed).integers(-20, 21, (48, 64, 3))
    img = np.clip(np.array(rgb)[None, None, :] + noise, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG")
    return buf.getvalue()


def _colour_data(tmp: Path, n: int, seed: int) -> VideoData:
    """Label 1 iff the video's frames are red (else blue); every text is the same."""
    rows, ids, labels = [], [], []
    for i in range(n):
        label = str(i % 2)
        vid = f"c{seed}_{i}"
        colour = (200, 40, 40) if label == "1" else (40, 40, 200)
        for j in range(2):
            rows.append(
                {
                    "video_id": vid,
                    "frame_idx": j,
                    "timestamp": float(j),
                    "width": 64,
                    "height": 48,
                    "jpeg": _jpeg(colour, seed * 1000 + i * 10 + j),
                }
            )
        ids.append(vid)
        labels.append(label)
    path = tmp / f"frames{seed}.parquet"
    write_parquet(rows, path, FRAMES)
    return VideoData(ids, labels, ["a video about something"] * n, FrameStore([path]))


def test_the_vlm_sees_the_frames(tiny_idefics3: Path, tiny_llama: Path, tmp_path: Path, learned) -> None:
    train, val = _colour_data(tmp_path, 24, 1), _colour_data(tmp_path, 12, 2)
    vlm = VlmModel(["0", "1"], {"model": str(tiny_idefics3), **LORA, "epochs": 3, "max_frames": 2}, seed=0)
    summary = vlm.fit(train, val, tmp_path / "vlm")
    llm = LlmModel(["0", "1"], {"model": str(tiny_llama), **LORA, "epochs": 1}, seed=0)
    llm.fit(train, val, tmp_path / "llm")
    labels, _ = llm.predict(val)
    learned({"vlm_val": (summary["best_val_macro_f1"], ">=", 0.8), "llm_val": (_f1(val, labels), "<=", 0.5)})
    assert len(set(labels)) == 1  # identical texts: one answer for every video, chance level


def test_qlora_needs_a_gpu(tiny_llama: Path, tmp_path: Path) -> None:
    model = LlmModel(["0", "1"], {"model": str(tiny_llama), **LORA, "quantize": "4bit"})
    with pytest.raises(ConfigError, match=r"quantize: 4bit .* needs a CUDA GPU; this job has cpu"):
        model.fit(_keyword_data(4, 1), _keyword_data(4, 2), tmp_path)
    with pytest.raises(ConfigError, match=r"quantize: 4bit is for finetune: lora"):
        LlmModel(["0", "1"], {"model": str(tiny_llama), "prompt": PROMPT, "quantize": "4bit"})


def test_mllama_vlm_lora_trains_and_reloads(tiny_mllama: Path, tmp_path: Path) -> None:
    """``kind: vlm`` on Llama-3.2-Vision's architecture (tiny random Mllama): LoRA trains on frames
    + text, the adapter holds the language model's self- and cross-attention weights only, and it
    reloads to identical predictions. The real model is a YAML edit:
    ``model: meta-llama/Llama-3.2-11B-Vision-Instruct``, ``quantize: 4bit`` (QLoRA, GPU).
    (What it learns is not asserted here, to keep the test fast: the tiny Mllama learns the colour
    task of ``test_the_vlm_sees_the_frames`` more slowly than the tiny Idefics3; with lr 2e-2 on 24
    videos its validation macro F1 was 0.33 for 3 epochs and 1.0 from epoch 4 of 6, ~100 s on CPU.)"""
    train, val = _colour_data(tmp_path, 8, 1), _colour_data(tmp_path, 4, 2)
    params = {"model": str(tiny_mllama), **LORA, "epochs": 1, "max_frames": 2, "batch_size": 4}
    vlm = VlmModel(["0", "1"], params, seed=0)
    summary = vlm.fit(train, val, tmp_path / "vlm")
    assert summary["epochs_run"] == 1 and summary["train_loss"] is not None
    labels, scores = vlm.predict(val)
    from safetensors import safe_open

    with safe_open(str(tmp_path / "vlm" / "adapter" / "adapter_model.safetensors"), "pt") as f:
        saved = list(f.keys())
    assert any(".cross_attn." in k for k in saved) and not any("vision" in k for k in saved)
    restored = VlmModel(["0", "1"], params)
    restored.load(tmp_path / "vlm")
    again_labels, again_scores = restored.predict(val)
    assert again_labels == labels
    np.testing.assert_allclose(again_scores, scores, rtol=1e-5, atol=1e-6)


def test_idefics2_vlm_zero_shot_and_lora_train_and_reload(tiny_idefics2: Path, tmp_path: Path) -> None:
    """``kind: vlm`` on the study's architecture (idefics2-8b's, tiny and random): zero-shot scores
    are probabilities of task values; LoRA trains on frames + text, its adapter holds the text
    model's attention weights only (not the perceiver's, not the vision tower's), and it reloads to
    identical predictions."""
    train, val = _colour_data(tmp_path, 8, 1), _colour_data(tmp_path, 4, 2)
    zero_params = {"model": str(tiny_idefics2), "prompt": PROMPT, "device": "cpu", "max_frames": 2}
    zero = VlmModel(["0", "1"], zero_params)
    zero_labels, zero_scores = zero.predict(val)
    assert set(zero_labels) <= {"0", "1"} and zero_scores.shape == (4, 2)
    np.testing.assert_allclose(zero_scores.sum(1), 1.0)
    params = {"model": str(tiny_idefics2), **LORA, "epochs": 1, "max_frames": 2, "batch_size": 4}
    vlm = VlmModel(["0", "1"], params, seed=0)
    summary = vlm.fit(train, val, tmp_path / "vlm")
    assert summary["epochs_run"] == 1 and summary["train_loss"] is not None
    labels, scores = vlm.predict(val)
    assert not np.allclose(scores, zero_scores)  # the adapter changed the model
    from safetensors import safe_open

    with safe_open(str(tmp_path / "vlm" / "adapter" / "adapter_model.safetensors"), "pt") as f:
        saved = list(f.keys())
    assert saved and all(".text_model.layers." in k for k in saved)
    assert not any("perceiver" in k or "vision" in k for k in saved)
    restored = VlmModel(["0", "1"], params)
    restored.load(tmp_path / "vlm")
    again_labels, again_scores = restored.predict(val)
    assert again_labels == labels
    np.testing.assert_allclose(again_scores, scores, rtol=1e-5, atol=1e-6)
