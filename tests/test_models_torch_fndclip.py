"""FND-CLIP: its fusions over normalised projections, the CLIP-guided loss, and the proof on the
synthetic "agree" posts task that fusion does its job.

Task (:mod:`polimodal.synthetic.posts`): a post's text names a colour, its images show one; the
label is whether they agree. Every colour word and every image colour occurs equally often in
agreeing and disagreeing posts, so the text-only (BERT) and image-only (CNN) models cannot beat
chance, whatever they learn; FND-CLIP with ``dot`` (dot-product alignment) can (the other fusions
learn it more slowly with these tiny random encoders: their numbers are in
``bench/bench_fndclip.py``). All encoders are tiny *untrained* stand-ins (random weights),
trained on CPU for a few epochs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from polimodal.data.videodata import VideoData
from polimodal.models import model_class
from polimodal.models.registry import check_model_config, get_kind
from polimodal.models.selection import macro_f1
from polimodal.nn.losses import CrossEntropyGuided, guided_contrastive
from polimodal.synthetic.posts import AGREE_COLOURS, make_agree_corpus

CLASSES = ["agree", "disagree"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, VideoData]:
    return make_agree_corpus(
        tmp_path_factory.mktemp("agree"), {"train": 10, "validation": 2, "test": 3}, images_per_post=2, seed=7
    )


@pytest.fixture(scope="module")
def fnd(tiny_bert: Path, tiny_cnn: Path, tiny_clip: Path) -> dict:
    return {
        "kind": "fndclip",
        "model": str(tiny_bert),
        "max_length": 16,
        "image_model": "shufflenet_v2_x0_5",
        "weights": str(tiny_cnn),
        "clip_model": str(tiny_clip),
        "image_size": 32,
        "projection_dim": 32,
        "head_hidden": 64,
        "dropout": 0.0,
        "lr": 3e-3,
        "head_lr": 1e-2,
        "epochs": 10,
        "patience": 10,
        "batch_size": 16,
    }


def run(
    name: str, cfg: dict, corpus: dict[str, VideoData], workdir: Path, seed: int = 0
) -> tuple[float, object]:
    model = model_class(cfg["kind"])(CLASSES, {k: v for k, v in cfg.items() if k != "kind"}, seed=seed)
    summary = model.fit(corpus["train"], corpus["validation"], workdir)
    labels, _ = model.predict(corpus["test"])
    f1 = macro_f1(corpus["test"].labels, labels, CLASSES)
    print(f"agree task: {name} test macro F1 {f1:.3f} ({summary.get('epochs_run')} epochs)")  # pytest -s
    return f1, model


def test_agree_corpus_is_balanced(corpus: dict[str, VideoData]) -> None:
    test = corpus["test"]
    for colour in AGREE_COLOURS:
        by_text = [lab for lab, t in zip(test.labels, test.texts, strict=True) if colour in t.split()]
        by_image = [lab for vid, lab in zip(test.video_ids, test.labels, strict=True) if vid.endswith(colour)]
        assert by_text.count("agree") == by_text.count("disagree") > 0
        assert by_image.count("agree") == by_image.count("disagree") > 0
    assert len(test.frames(test.video_ids[0])) == 2


def test_registered_with_its_inputs_and_checked_params() -> None:
    spec = get_kind("fndclip")
    assert spec.inputs == ("text", "frames") and spec.gpu and spec.modality == "multimodal"
    check_model_config("f", {"kind": "fndclip", "fusion": "dot", "contrastive": 0})
    with pytest.raises(Exception, match="fusion"):
        check_model_config("f", {"kind": "fndclip", "fusion": "sum"})
    with pytest.raises(Exception, match="contrastive must be >= 0"):
        check_model_config("f", {"kind": "fndclip", "contrastive": -1})


def test_guided_contrastive_follows_the_guide() -> None:
    torch.manual_seed(0)
    t = torch.nn.functional.normalize(torch.randn(6, 8), dim=1)
    guide = 20.0 * torch.eye(6)  # the guide says: each text goes with its own image
    aligned = guided_contrastive(t, t, guide, 0.1)
    shuffled = guided_contrastive(t, t[torch.randperm(6)], guide, 0.1)
    assert aligned < shuffled
    assert guided_contrastive(t[:1], t[:1], guide[:1, :1], 0.1) == 0
    logits = torch.randn(6, 2)
    y = torch.randint(0, 2, (6,))
    out = {"logits": logits, "text": t, "image": t, "guide_logits": guide}
    plain = torch.nn.functional.cross_entropy(logits, y)
    assert torch.isclose(CrossEntropyGuided(None, 0.0, 0.1)(out, y), plain)
    assert torch.isclose(CrossEntropyGuided(None, 0.5, 0.1)(out, y), plain + 0.5 * aligned)


def test_only_fusion_beats_chance_on_the_agree_task(
    corpus: dict[str, VideoData], fnd: dict, tiny_bert: Path, tiny_cnn: Path, tmp_path: Path, learned
) -> None:
    common = {"batch_size": 16, "patience": 2}
    bert = {"kind": "bert", "model": str(tiny_bert), "lr": 2e-3, "epochs": 3, **common}
    cnn = {"kind": "cnn", "model": "shufflenet_v2_x0_5", "weights": str(tiny_cnn), "image_size": 32,
           "lr": 1e-3, "epochs": 2, **common}  # fmt: skip
    f1 = {
        "bert": run("bert", bert, corpus, tmp_path / "bert")[0],
        "cnn": run("cnn", cnn, corpus, tmp_path / "cnn")[0],
    }
    # three seeds: on some floating-point paths (CPU kernels, thread counts) one seed's training
    # ends with two of the three colours aligned (~0.83) instead of all three (1.0); the claim is
    # that fusion beats both unimodal models, whatever the path, so it is asserted over seeds
    dot = {**fnd, "fusion": "dot", "contrastive": 0.0}
    runs = [run(f"fndclip dot seed {s}", dot, corpus, tmp_path / f"dot{s}", seed=s) for s in (0, 1, 2)]
    dots = [f for f, _ in runs]
    model = runs[0][1]
    best_unimodal = max(f1["bert"], f1["cnn"])
    learned({
        "bert": (f1["bert"], "<=", 0.6),
        "cnn": (f1["cnn"], "<=", 0.6),
        "dot, mean of 3 seeds": (sum(dots) / 3, ">=", 0.7),
        "dot, mean of 3 seeds - best unimodal": (sum(dots) / 3 - best_unimodal, ">=", 0.25),
        "dot, worst seed - best unimodal": (min(dots) - best_unimodal, ">=", 0.1),
    })  # fmt: skip
    # the checkpoint reloads to the same predictions (the guide is not part of it)
    params = {k: v for k, v in fnd.items() if k != "kind"} | {"fusion": "dot", "contrastive": 0.0}
    again = model_class("fndclip")(CLASSES, params, seed=0)
    again.load(tmp_path / "dot0")
    assert again.predict(corpus["test"])[0] == model.predict(corpus["test"])[0]


def test_contrastive_term_trains_with_the_clip_guide(
    corpus: dict[str, VideoData], fnd: dict, tmp_path: Path
) -> None:
    cfg = {**fnd, "fusion": "concat", "contrastive": 0.5, "epochs": 1}
    model = model_class("fndclip")(CLASSES, {k: v for k, v in cfg.items() if k != "kind"}, seed=0)
    model.fit(corpus["train"], corpus["validation"], tmp_path)
    net = model.module
    assert net is not None and len(net._guide) == 1
    assert not any(k.startswith("_guide") or "clip" in k for k in net.state_dict())
    inputs = model.collate(
        corpus["train"], [0, 1, 2], corpus["train"].frames(corpus["train"].video_ids[0])[:1] * 3
    )
    net.train()
    out = net(**inputs)
    assert out["guide_logits"].shape == (3, 3)
    value = model.make_loss(None)(out, torch.tensor([0, 1, 0]))
    value.backward()
    assert net.head.text[1].weight.grad is not None and torch.isfinite(value)
    # a last micro-batch of one trains too (the projections' batch norm uses its running statistics)
    t1, v1 = net.head.project(
        torch.randn(1, net.head.text[0].num_features), torch.randn(1, net.head.image[0].num_features)
    )
    assert t1.shape == v1.shape == (1, net.head.dim)
    scorer = model_class("fndclip")(CLASSES, {k: v for k, v in cfg.items() if k != "kind"}, seed=0)
    scorer.load(tmp_path)  # scoring: no guide loaded
    assert scorer.module is not None and not scorer.module._guide


@pytest.mark.parametrize("guide", ["tiny_altclip", "tiny_siglip"])
def test_multilingual_text_encoder_and_guide(
    guide: str, corpus: dict[str, VideoData], fnd: dict, tiny_xlm_roberta: Path, request, tmp_path: Path
) -> None:
    """An XLM-R text encoder and a multilingual CLIP guide (AltCLIP, SigLIP: tiny random stand-ins)
    train; SigLIP's guide reads no attention mask (all ones), AltCLIP's a real one."""
    cfg = {**fnd, "model": str(tiny_xlm_roberta), "clip_model": str(request.getfixturevalue(guide))}
    cfg |= {"fusion": "dot", "contrastive": 0.5, "epochs": 1, "freeze_encoders": True}
    model = model_class("fndclip")(CLASSES, {k: v for k, v in cfg.items() if k != "kind"}, seed=0)
    data = corpus["train"].subset(corpus["train"].video_ids[:24])  # the wiring, not learning: a few posts
    model.fit(data, corpus["validation"], tmp_path)
    assert model.clip_length == {"tiny_altclip": 77, "tiny_siglip": 64}[guide]
    inputs = model.collate(data, [0, 1, 2], data.frames(data.video_ids[0])[:1] * 3)
    assert "token_type_ids" not in inputs and inputs["clip_ids"].shape == (3, model.clip_length)
    assert bool(inputs["clip_mask"].all()) == (guide == "tiny_siglip")
    net = model.module.train()
    out = net(**inputs)
    assert out["guide_logits"].shape == (3, 3) and torch.isfinite(out["guide_logits"]).all()
    assert model.predict(corpus["validation"])[1].shape == (len(corpus["validation"]), 2)


def test_frozen_encoders_stay_in_eval_mode_while_the_head_trains() -> None:
    from polimodal.models.torch.fndclip import FndClipNet, FusionHead

    def net(frozen: bool) -> FndClipNet:
        head = FusionHead(8, 3, 4, 2, "dot", 8, 0.0)
        return FndClipNet(torch.nn.Dropout(0.5), torch.nn.BatchNorm2d(3), head, (0.5,) * 3, (0.5,) * 3,
                          frozen=frozen)  # fmt: skip

    frozen, tuned = net(True).train(), net(False).train()
    assert frozen.head.training and not frozen.text_encoder.training and not frozen.image_encoder.training
    assert tuned.text_encoder.training and tuned.image_encoder.training
    assert not frozen.eval().head.training
