"""Answer scoring (:mod:`polimodal.models.hf.scoring`): the cached, batched log-likelihoods equal a
direct computation, for a text LM (prompts of different lengths, answers of 2 and 3 tokens) and a
VLM (prompts with frames: Idefics2's perceiver latents and Idefics3's pixel-shuffled patches as
image tokens, Mllama's cross-attention)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from polimodal.models.hf.chat import ChatCodec
from polimodal.models.hf.prompts import TaskPrompt
from polimodal.models.hf.scoring import answer_loglik_full, answer_logliks, class_scores, normalise_logliks

PROMPT = TaskPrompt("Is this about US politics? Answer YES or NO.", ("NO", "YES"))


def _jpeg(colour: str) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (80, 60), colour).save(buf, "JPEG")
    return buf.getvalue()


def test_llm_scores_equal_full_forward_passes(tiny_llama: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_llama)
    model = AutoModelForCausalLM.from_pretrained(tiny_llama)
    codec = ChatCodec(tok, PROMPT, max_text_tokens=20)
    # SmolLM2's tokenizer: NO<|im_end|> is 2 tokens, YES<|im_end|> 3
    assert sorted(len(a) for a in codec.answer_ids) == [2, 3]
    assert all(a[-1] == tok.convert_tokens_to_ids("<|im_end|>") for a in codec.answer_ids)
    texts = ["", "the senate votes", "a long transcript " * 30, "cake and eggs"]
    prompts = [codec.prompt(t) for t in texts]
    assert len({len(p["input_ids"]) for p in prompts}) == 4  # left padding is exercised
    got = answer_logliks(model, prompts, codec.answer_ids, batch_size=3)
    want = np.array([[answer_loglik_full(model, p, a) for a in codec.answer_ids] for p in prompts])
    assert got.shape == (4, 2)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    # the text is cut to max_text_tokens
    assert len(tok(codec.cut_text(texts[2]), add_special_tokens=False)["input_ids"]) == 20
    probs = class_scores(got)
    np.testing.assert_allclose(probs.sum(1), 1.0)
    assert (np.argmax(probs, 1) == np.argmax(got, 1)).all()


def test_vlm_scores_equal_full_forward_passes(tiny_idefics3: Path) -> None:
    from transformers import AutoModelForImageTextToText, AutoProcessor

    processor = AutoProcessor.from_pretrained(tiny_idefics3)
    model = AutoModelForImageTextToText.from_pretrained(tiny_idefics3)
    codec = ChatCodec(processor.tokenizer, PROMPT, processor=processor, max_frames=3)
    frames = [_jpeg(c) for c in ("red", "green", "blue", "white", "black")]
    prompts = [codec.prompt("the senate votes", frames), codec.prompt("cake", frames[:1]), codec.prompt("x")]
    assert prompts[0]["pixel_values"].shape[1] == 3  # 3 of 5 frames, evenly spaced
    assert "pixel_values" not in prompts[2]
    rendered = codec.render(codec._messages("T", 2), True)
    assert rendered.index("<image>") < rendered.index("T") < rendered.index(PROMPT.question)
    got = answer_logliks(model, prompts, codec.answer_ids)
    want = np.array([[answer_loglik_full(model, p, a) for a in codec.answer_ids] for p in prompts])
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    # the frames matter: different frames, different scores
    other = answer_logliks(model, [codec.prompt("the senate votes", frames[::-1])], codec.answer_ids)
    assert not np.allclose(other[0], got[0])


def test_empty_answer_is_an_error(tiny_llama: Path) -> None:
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_llama)
    with pytest.raises(ValueError, match="at least one token"):
        answer_logliks(model, [], [[1], []])


def test_a_model_without_preference_does_not_prefer_the_shorter_answer(tiny_llama: Path) -> None:
    """Zero the final norm: every next token is equally likely. Summed log-likelihoods then favour
    the 2-token answer by a factor of the vocabulary size; per-token means give both 0.5."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_llama)
    model = AutoModelForCausalLM.from_pretrained(tiny_llama)
    with torch.no_grad():
        model.model.norm.weight.zero_()
    codec = ChatCodec(tok, PROMPT, max_text_tokens=20)
    lengths = [len(a) for a in codec.answer_ids]
    assert sorted(lengths) == [2, 3]
    prompts = [codec.prompt(t) for t in ["the senate votes", "cake and eggs"]]
    summed = answer_logliks(model, prompts, codec.answer_ids)
    uniform = -np.log(model.config.vocab_size) * np.array(lengths, dtype=float)
    np.testing.assert_allclose(summed, np.broadcast_to(uniform, summed.shape), rtol=1e-5)
    short = int(np.argmin(lengths))
    assert (class_scores(summed)[:, short] > 0.99).all()  # the bias: the short answer always wins
    fair = class_scores(normalise_logliks(summed, codec.answer_ids, "mean"))
    np.testing.assert_allclose(fair, 0.5, atol=1e-6)
    null = answer_logliks(model, [codec.prompt("")], codec.answer_ids)
    calibrated = class_scores(normalise_logliks(summed, codec.answer_ids, "calibrated", null=null))
    np.testing.assert_allclose(calibrated, 0.5, atol=1e-6)
    with pytest.raises(ValueError, match="answer scoring 'median'"):
        normalise_logliks(summed, codec.answer_ids, "median")


def test_mllama_scores_equal_full_forward_passes(tiny_mllama: Path) -> None:
    """Llama-3.2-Vision's architecture: one ``<|image|>`` token per frame, the image states reach the
    text through cross-attention layers (cached with the prompt); the answer tokens read the images
    the prompt's last token reads (``cross_attention_mask``)."""
    from transformers import AutoModelForImageTextToText, AutoProcessor

    processor = AutoProcessor.from_pretrained(tiny_mllama)
    model = AutoModelForImageTextToText.from_pretrained(tiny_mllama)
    assert type(model).__name__ == "MllamaForConditionalGeneration"
    codec = ChatCodec(processor.tokenizer, PROMPT, processor=processor, max_frames=3)
    eot = processor.tokenizer.convert_tokens_to_ids("<|eot_id|>")
    assert all(a[-1] == eot for a in codec.answer_ids)  # Llama 3's end of turn closes the answers
    frames = [_jpeg(c) for c in ("red", "green", "blue", "white", "black")]
    prompts = [codec.prompt("the senate votes", frames), codec.prompt("cake", frames[:1]), codec.prompt("x")]
    image = processor.tokenizer.convert_tokens_to_ids("<|image|>")
    assert int((prompts[0]["input_ids"] == image).sum()) == 3  # 3 of 5 frames, one token each
    assert prompts[0]["pixel_values"].shape[1] == 3 and prompts[0]["cross_attention_mask"].shape[2] == 3
    assert set(prompts[2]) == {"input_ids"}  # text only: the cross-attention layers are skipped
    got = answer_logliks(model, prompts, codec.answer_ids)
    want = np.array([[answer_loglik_full(model, p, a) for a in codec.answer_ids] for p in prompts])
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    other = answer_logliks(model, [codec.prompt("the senate votes", frames[1:4])], codec.answer_ids)
    assert not np.allclose(other[0], got[0])  # the frames matter


def test_idefics2_scores_equal_full_forward_passes(tiny_idefics2: Path) -> None:
    """The study's VLM architecture (idefics2-8b's, tiny and random): each frame, whatever its size,
    becomes the perceiver's fixed number of image tokens between ``<fake_token_around_image>``s;
    the cached scores equal full forward passes, and the frames change them."""
    from transformers import AutoModelForImageTextToText, AutoProcessor

    processor = AutoProcessor.from_pretrained(tiny_idefics2)
    model = AutoModelForImageTextToText.from_pretrained(tiny_idefics2)
    assert type(model).__name__ == "Idefics2ForConditionalGeneration"
    codec = ChatCodec(processor.tokenizer, PROMPT, processor=processor, max_frames=3)
    eou = processor.tokenizer.convert_tokens_to_ids("<end_of_utterance>")
    assert all(a[-1] == eou for a in codec.answer_ids)
    frames = [_jpeg(c) for c in ("red", "green", "blue", "white", "black")]
    prompts = [codec.prompt("the senate votes", frames), codec.prompt("cake", frames[:1]), codec.prompt("x")]
    image = processor.tokenizer.convert_tokens_to_ids("<image>")
    latents = model.config.perceiver_config.resampler_n_latents
    assert int((prompts[0]["input_ids"] == image).sum()) == 3 * latents  # 3 of 5 frames
    assert int((prompts[1]["input_ids"] == image).sum()) == latents
    assert prompts[0]["pixel_values"].shape[:2] == (1, 3) and "pixel_attention_mask" in prompts[0]
    assert set(prompts[2]) == {"input_ids"}
    got = answer_logliks(model, prompts, codec.answer_ids)
    want = np.array([[answer_loglik_full(model, p, a) for a in codec.answer_ids] for p in prompts])
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    other = answer_logliks(model, [codec.prompt("the senate votes", frames[::-1])], codec.answer_ids)
    assert not np.allclose(other[0], got[0])  # the frames matter


def test_the_answer_scoring_modes_are_declared_once() -> None:
    """The parameter's allowed values are the ones scoring knows: one tuple."""
    from dataclasses import fields

    from polimodal.models.hf import scoring
    from polimodal.models.hf.params import ANSWER_SCORING, GenerativeParams

    field = {f.name: f for f in fields(GenerativeParams)}["answer_scoring"]
    assert field.metadata["choices"] == ANSWER_SCORING and scoring.ANSWER_SCORING is ANSWER_SCORING
    logliks = np.log(np.array([[0.5, 0.25]]))
    for mode in ANSWER_SCORING:
        null = logliks if mode == "calibrated" else None
        assert normalise_logliks(logliks, [[1], [2, 3]], mode, null=null).shape == (1, 2)
