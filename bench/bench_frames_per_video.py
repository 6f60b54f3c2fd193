"""What the study's frame rule costs: one training epoch of the frame models (CNN, CLIP) with
``frames_per_video: 16`` (a random 16 of each video's kept frames per epoch, the default config)
against ``frames_per_video: all`` (every kept frame once per epoch, the study preset).

    .venv/bin/python bench/bench_frames_per_video.py [--kept 48] [--videos 8] [--models cnn,clip]

Data: the synthetic XOR corpus (:func:`polimodal.synthetic.xor.make_xor_corpus`) with ``--kept``
kept 48-px frames per video and ``--videos`` videos per topic × colour cell in train (4 cells).
Models: the tiny random ones of the tests (shufflenet_v2_x0_5 at 64 px; the tiny CLIP), on CPU.
Printed: training seconds of one epoch (the loop's own clock: streaming, decoding, forward,
backward, step; no validation), samples, and the seconds per 1,000 training videos. An epoch's
time is proportional to the frames it reads, so ``all`` costs ``kept / 16`` times the default on
videos with more than 16 kept frames (and the same on videos with fewer).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from polimodal.models import model_class  # noqa: E402
from polimodal.synthetic.tinymodels import save_tiny_clip, save_tiny_cnn  # noqa: E402
from polimodal.synthetic.xor import make_xor_corpus  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kept", type=int, default=48, help="kept frames per video")
    ap.add_argument("--videos", type=int, default=8, help="training videos per cell (4 cells)")
    ap.add_argument("--models", default="cnn,clip")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sizes = {"train": args.videos, "validation": 1}
        data = make_xor_corpus(root / "xor", sizes, frames_per_video=args.kept)
        common = {"epochs": 1, "batch_size": 32, "patience": 10, "device": "cpu", "shuffle_buffer": 1024}
        params = {
            "cnn": {"model": "shufflenet_v2_x0_5", "weights": str(save_tiny_cnn(root / "cnn.pt")),
                    "image_size": 64, "lr": 1e-3},
            "clip": {"model": str(save_tiny_clip(root / "clip")), "lr": 1e-3},
        }  # fmt: skip
        n_train = len(data["train"])
        threads = torch.get_num_threads()
        print(f"{n_train} training videos, {args.kept} kept frames each, CPU, {threads} threads")
        for name in args.models.split(","):
            seconds = {}
            for fpv in (16, "all"):
                model = model_class(name)(["no", "yes"], {**params[name], **common, "frames_per_video": fpv})
                summary = model.fit(data["train"], data["validation"], root / f"{name}_{fpv}")
                epoch = summary["history"][0]
                seconds[fpv] = epoch["seconds"]
                print(
                    f"  {name:5s} frames_per_video {fpv!s:>3}: {epoch['samples']:5d} frames, "
                    f"{epoch['seconds']:6.2f} s per epoch, "
                    f"{1000 * epoch['seconds'] / n_train:7.1f} s per 1k videos"
                )
            print(f"  {name:5s} all / 16: {seconds['all'] / seconds[16]:.2f} (frames: {args.kept / 16:.2f})")


if __name__ == "__main__":
    main()
