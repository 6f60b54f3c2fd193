"""Answer scoring: a generative model's class scores without free generation.

For each prompt (the chat up to the assistant's turn, see :mod:`polimodal.models.hf.prompts`) and
each allowed answer, the log-likelihood of the answer's **full** token sequence, end-of-turn token
included (``"YES<|im_end|>"`` may be three tokens and ``"NO<|im_end|>"`` two), given the prompt::

    log p(a | prompt) = sum_t log p(a_t | prompt, a_<t)

The prompt is run once; its KV cache is repeated for the answers, which are scored together in one
batched forward pass (every answer of every prompt of the batch). The class scores are the softmax
of the log-likelihoods over the answers, so every prediction is one of the task's values.

Answers of different lengths: a summed log-likelihood favours the shorter answer (each token
costs probability), so "Opinion" beats "High-quality news" for no reason but length. Two remedies:
lettered options (every answer one token, e.g. "A"…"F": the study preset's choice for multiclass
prompts) and length normalisation (:func:`normalise_logliks` with ``"mean"``: the mean log-likelihood
per answer token), which removes the bias of a model that has no preference between answers.

Prompts are batched with left padding (explicit position ids, so padding changes nothing);
prompts with images (vision-language models) are scored one at a time. The cache holds what the
model needs of the images: Idefics' image tokens are part of the prompt's self-attention cache;
Mllama's (Llama-3.2-Vision's) cross-attention layers keep the projected image states in the cache,
and the answer tokens get the prompt's last row of ``cross_attention_mask``
(:data:`TOKEN_ROW_INPUTS`).
:func:`answer_loglik_full` is the reference: one full forward pass per (prompt, answer), no cache
(tests check that both agree; ``bench/bench_llm.py`` measures the speed-up).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch

from polimodal.models.hf.params import ANSWER_SCORING

#: One prompt: ``input_ids`` (1-D), optional ``attention_mask`` and model-specific tensors
#: (``pixel_values`` ...), each with a leading batch dimension of 1 for the latter.
Prompt = dict[str, torch.Tensor]

#: Model inputs with a row per token, ``(batch, tokens, ...)``: Mllama's (Llama-3.2-Vision's)
#: ``cross_attention_mask`` says which images each token's cross-attention reads. A token added
#: after the prompt (an answer token) reads what the prompt's last token reads, as in Mllama's
#: ``generate``.
TOKEN_ROW_INPUTS = ("cross_attention_mask",)


def extend_token_rows(rows: torch.Tensor, n: int) -> torch.Tensor:
    """``rows`` (batch, tokens, ...) with ``n`` more tokens that repeat the last token's row."""
    return torch.cat([rows, rows[:, -1:].expand(-1, n, *rows.shape[2:])], dim=1)


def _forward_kwargs(model: Any) -> set[str]:
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return set(inspect.signature(base.forward).parameters)


def _pad_answers(answers: Sequence[Sequence[int]], device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    if not answers or any(len(a) == 0 for a in answers):
        raise ValueError(f"every answer needs at least one token, got {[list(a) for a in answers]}")
    width = max(len(a) for a in answers)
    ids = torch.zeros((len(answers), width), dtype=torch.long, device=device)
    mask = torch.zeros((len(answers), width), dtype=torch.long, device=device)
    for k, a in enumerate(answers):
        ids[k, : len(a)] = torch.as_tensor(list(a), dtype=torch.long)
        mask[k, : len(a)] = 1
    return ids, mask


def _batch_prompts(prompts: Sequence[Prompt], device: torch.device) -> dict[str, torch.Tensor]:
    """Left-pad text-only prompts into one batch (``input_ids``, ``attention_mask``, ``position_ids``)."""
    width = max(int(p["input_ids"].shape[-1]) for p in prompts)
    ids = torch.zeros((len(prompts), width), dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for i, p in enumerate(prompts):
        row = p["input_ids"].reshape(-1)
        ids[i, width - len(row) :] = row
        mask[i, width - len(row) :] = 1
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    return {"input_ids": ids.to(device), "attention_mask": mask.to(device), "position_ids": pos.to(device)}


def _single_prompt(prompt: Prompt, device: torch.device) -> dict[str, torch.Tensor]:
    out = {k: v.to(device) for k, v in prompt.items()}
    ids = out["input_ids"].reshape(1, -1)
    out["input_ids"] = ids
    out["attention_mask"] = torch.ones_like(ids)
    out["position_ids"] = torch.arange(ids.shape[1], device=device)[None]
    return out


@torch.no_grad()
def _score_batch(
    model: Any, inputs: dict[str, torch.Tensor], ans: torch.Tensor, ans_mask: torch.Tensor, kwargs: set[str]
) -> torch.Tensor:
    n = inputs["input_ids"].shape[0]
    k, width = ans.shape
    extra = {"logits_to_keep": 1} if "logits_to_keep" in kwargs else {}
    out = model(**inputs, use_cache=True, **extra)
    first = out.logits[:, -1, :].float().log_softmax(-1)[:, ans[:, 0]]  # (n, k)
    if width == 1:
        return first
    cache = out.get("cache") or out.get("past_key_values")  # transformers >= 5.2 renamed it
    cache.batch_repeat_interleave(k)  # prompt i's cache for each of its k answers: rows i*k .. i*k+k-1
    attn = inputs["attention_mask"]
    nxt = attn.sum(-1) if "position_ids" in inputs else torch.full((n,), attn.shape[1], device=attn.device)
    step_ids = ans[:, :-1].repeat(n, 1)  # (n*k, width-1), row i*k+j = answer j
    step_mask = torch.cat([attn.repeat_interleave(k, 0), ans_mask[:, :-1].repeat(n, 1)], dim=1)
    pos = nxt.repeat_interleave(k)[:, None] + torch.arange(width - 1, device=attn.device)[None]
    cache_kw = "cache" if "cache" in kwargs else "past_key_values"  # transformers >= 5.2 renamed it
    rows = {  # the answer tokens read the images the prompt's last token reads (Mllama)
        key: inputs[key][:, -1:].repeat_interleave(k, 0).expand(-1, width - 1, *inputs[key].shape[2:])
        for key in TOKEN_ROW_INPUTS
        if key in inputs
    }
    out2 = model(
        input_ids=step_ids,
        attention_mask=step_mask,
        position_ids=pos,
        use_cache=True,
        **{cache_kw: cache},
        **rows,
    )
    logp = out2.logits.float().log_softmax(-1)  # (n*k, width-1, V)
    target = ans[:, 1:].repeat(n, 1)
    tok = logp.gather(-1, target[..., None])[..., 0] * ans_mask[:, 1:].repeat(n, 1)
    return first + tok.sum(-1).view(n, k)


def answer_logliks(
    model: Any,
    prompts: Iterable[Prompt],
    answers: Sequence[Sequence[int]],
    *,
    batch_size: int = 8,
    device: torch.device | str | None = None,
) -> np.ndarray:
    """``(n_prompts, n_answers)`` log-likelihoods of each answer's token ids given each prompt.

    ``prompts``: :data:`Prompt` dicts (an iterable: built lazily, e.g. frames decoded on demand).
    Text-only prompts are scored ``batch_size`` at a time; prompts with other tensors one by one.
    """
    device = torch.device(device) if device is not None else next(model.parameters()).device
    was_training = model.training
    model.eval()
    kwargs = _forward_kwargs(model)
    ans, ans_mask = _pad_answers(answers, device)
    rows: list[torch.Tensor] = []
    pending: list[Prompt] = []

    def flush() -> None:
        if pending:
            rows.append(_score_batch(model, _batch_prompts(pending, device), ans, ans_mask, kwargs).cpu())
            pending.clear()

    try:
        for prompt in prompts:
            if set(prompt) - {"input_ids", "attention_mask"}:
                flush()
                rows.append(_score_batch(model, _single_prompt(prompt, device), ans, ans_mask, kwargs).cpu())
            else:
                pending.append(prompt)
                if len(pending) >= batch_size:
                    flush()
        flush()
    finally:
        model.train(was_training)
    if not rows:
        return np.zeros((0, len(answers)))
    return torch.cat(rows).double().numpy()


@torch.no_grad()
def answer_loglik_full(model: Any, prompt: Prompt, answer: Sequence[int]) -> float:
    """Reference: log p(answer | prompt) from one full forward pass over prompt + answer (no cache)."""
    device = next(model.parameters()).device
    inputs = _single_prompt(prompt, device)
    n = inputs["input_ids"].shape[1]
    a = torch.as_tensor(list(answer), dtype=torch.long, device=device)[None]
    inputs["input_ids"] = torch.cat([inputs["input_ids"], a], dim=1)
    for key in TOKEN_ROW_INPUTS:
        if key in inputs:
            inputs[key] = extend_token_rows(inputs[key], a.shape[1])
    inputs["attention_mask"] = torch.ones_like(inputs["input_ids"])
    inputs["position_ids"] = torch.arange(inputs["input_ids"].shape[1], device=device)[None]
    was_training = model.training
    model.eval()
    try:
        logits = model(**inputs, use_cache=False).logits[0].float()
    finally:
        model.train(was_training)
    logp = logits[n - 1 : -1].log_softmax(-1)
    return float(logp.gather(-1, a[0][:, None]).sum())


# How answer log-likelihoods become class scores (:data:`ANSWER_SCORING`, declared with the
# parameter): ``sum`` over the answer's tokens, ``mean`` per token (length-normalised), or
# ``calibrated``: the sum minus the answer's log-likelihood after a content-free prompt (the same
# prompt with an empty text; "calibrate before use", Zhao et al. 2021), which removes what the
# model prefers before it has read anything: length and prior.


def normalise_logliks(
    logliks: np.ndarray,
    answers: Sequence[Sequence[int]],
    mode: str = "sum",
    *,
    null: np.ndarray | None = None,
) -> np.ndarray:
    """``logliks`` (n_prompts × n_answers, summed) as ``mode`` says (:data:`ANSWER_SCORING`).

    ``null``: the (1 × n_answers) log-likelihoods after the content-free prompt (``calibrated``).
    """
    if mode not in ANSWER_SCORING:
        raise ValueError(f"answer scoring {mode!r}: one of {list(ANSWER_SCORING)}")
    x = np.asarray(logliks, dtype=float)
    if mode == "sum":
        return x
    if mode == "calibrated":
        if null is None:
            raise ValueError("calibrated answer scoring needs the content-free prompt's log-likelihoods")
        return x - np.asarray(null, dtype=float).reshape(1, -1)
    return x / np.array([len(a) for a in answers], dtype=float)[None, :]


def class_scores(logliks: np.ndarray) -> np.ndarray:
    """Softmax over the answers of each row: the class probabilities."""
    x = np.asarray(logliks, dtype=float)
    x = x - x.max(axis=1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=1, keepdims=True)
