"""Proof that fusion is real: a label only recoverable from text **and** frames together.

Synthetic task (:func:`polimodal.synthetic.xor.make_xor_corpus`): a video's text is about the
economy or about sport, its frames are red or blue, and its label is "yes" iff exactly one of
"topic is economy" and "frames are red" holds (XOR). The four combinations are balanced and
every sentence occurs equally often with both colours, so a text-only model (BERT) and an
image-only model (CNN) cannot beat chance, whatever they learn; the multimodal model (CLIP,
text + frame fused per frame by concatenating their normalised embeddings, MLP head) can.

All three are tiny *untrained* stand-ins (random weights, :mod:`polimodal.synthetic.tinymodels`) trained
for a few epochs on CPU. A CLIP with a *linear* head on the same concatenation stays well below:
a linear function of ``[t ; v]`` is additive in the modalities and cannot express XOR (at best it
gets 3 of the 4 topic x colour cells right). The assertions compare the models (fusion at least
0.3 above the best unimodal model), with bounds far from what the models measure on any CPU
(``bench/learned_margins.py``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from polimodal.data.videodata import VideoData
from polimodal.models import model_class
from polimodal.models.selection import macro_f1
from polimodal.synthetic.xor import make_xor_corpus

log = logging.getLogger(__name__)
CLASSES = ["no", "yes"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, VideoData]:
    return make_xor_corpus(
        tmp_path_factory.mktemp("xor"), {"train": 12, "validation": 4, "test": 8}, frames_per_video=2, seed=7
    )


@pytest.fixture(scope="module")
def models(tiny_bert: Path, tiny_cnn: Path, tiny_clip: Path) -> dict[str, dict]:
    common = {"batch_size": 16, "patience": 2}
    return {
        "bert": {
            "kind": "bert",
            "model": str(tiny_bert),
            "lr": 2e-3,
            "epochs": 3,
            **common,
        },
        "cnn": {
            "kind": "cnn",
            "model": "shufflenet_v2_x0_5",
            "weights": str(tiny_cnn),
            "image_size": 64,
            "lr": 1e-3,
            "epochs": 2,
            **common,
        },
        "clip": {
            "kind": "clip",
            "model": str(tiny_clip),
            "lr": 1e-3,
            "head_lr": 1e-2,
            "head_hidden": 64,
            "dropout": 0.0,
            "epochs": 4,
            **common,
        },
    }


def run(name: str, cfg: dict, corpus: dict[str, VideoData], workdir: Path) -> float:
    params = {k: v for k, v in cfg.items() if k != "kind"}
    model = model_class(cfg["kind"])(CLASSES, params, seed=0)
    model.fit(corpus["train"], corpus["validation"], workdir)
    labels, _ = model.predict(corpus["test"])
    f1 = macro_f1(corpus["test"].labels, labels, CLASSES)
    print(f"fusion task: {name} test macro F1 {f1:.3f}")  # shown with pytest -s
    return f1


def test_xor_corpus_is_balanced(corpus: dict[str, VideoData]) -> None:
    test = corpus["test"]
    cells = {}
    for vid, label, text in zip(test.video_ids, test.labels, test.texts, strict=True):
        _, topic, colour, _ = vid.split("_")
        cells.setdefault((topic, colour), []).append((label, text))
    assert len(cells) == 4 and {len(v) for v in cells.values()} == {8}
    for (topic, colour), rows in cells.items():
        assert {lab for lab, _ in rows} == {"yes" if (topic == "economy") != (colour == "red") else "no"}
    # the same sentences with both colours: text alone says nothing about the label
    for topic in ("economy", "sport"):
        assert sorted(t for _, t in cells[(topic, "red")]) == sorted(t for _, t in cells[(topic, "blue")])


def test_only_the_multimodal_model_beats_chance(
    corpus: dict[str, VideoData], models: dict[str, dict], tmp_path: Path, learned
) -> None:
    f1 = {name: run(name, cfg, corpus, tmp_path / name) for name, cfg in models.items()}
    linear = {**models["clip"], "head": "linear", "epochs": 2}
    f1["clip_linear_head"] = run("clip_linear_head", linear, corpus, tmp_path / "clip_linear")
    learned({
        "bert": (f1["bert"], "<=", 0.7),
        "cnn": (f1["cnn"], "<=", 0.7),
        # additive in the modalities: at best 3 of the 4 cells right, macro F1 (2/3 + 4/5) / 2 = 0.733
        "clip_linear_head": (f1["clip_linear_head"], "<=", 0.75),
        "clip": (f1["clip"], ">=", 0.9),
        "clip - best unimodal": (f1["clip"] - max(f1["bert"], f1["cnn"]), ">=", 0.3),
        "clip - clip_linear_head": (f1["clip"] - f1["clip_linear_head"], ">=", 0.2),
    })  # fmt: skip
