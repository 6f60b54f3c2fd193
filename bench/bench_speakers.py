"""Diarization error rate and per-speaker pitch of the speakers stage on espeak-ng dialogues.

Dialogues of two and three espeak-ng voices of different pitch (and one voice alone) taking
turns at known times (polimodal.synthetic.dialogue); DER by pyannote.metrics (no collar, and a
0.25 s collar), the speakers found, the median F0 (Praat) of each true voice and of the speaker
matched to it, and the CPU time per hour of speech (the stage's cost in polimodal/stages.py).

    PYTHONPATH=. python bench/bench_speakers.py
    ATEN_CPU_CAPABILITY=default OMP_NUM_THREADS=1 PYTHONPATH=. python bench/bench_speakers.py
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from polimodal.extract.pitch import pitch_track
from polimodal.extract.speakers import SpeakersOptions, diarize, load_encoder
from polimodal.synthetic.dialogue import der, make_dialogue

warnings.filterwarnings("ignore", "'uem' was approximated")


def median_f0(track: dict[str, np.ndarray], turns: list[tuple[float, float, str]], label: str) -> float:
    t = track["time"]
    inside = np.zeros(len(t), bool)
    for a, b, who in turns:
        if who == label:
            inside |= (t >= a) & (t < b)
    return float(np.median(track["f0"][inside])) if inside.any() else float("nan")


def main() -> None:
    options = SpeakersOptions(device="cpu")
    encoder = load_encoder(options)
    cpu = audio = 0.0
    for name, order in [
        ("2 voices", [0, 1, 0, 1, 0, 1]),
        ("3 voices", [0, 1, 2, 0, 1, 2]),
        ("1 voice", [0, 0, 0]),
        ("1 voice (high)", [1, 1, 1]),
    ]:
        d = make_dialogue(order)
        t0 = time.process_time()
        turns = diarize(d.samples, encoder, options)
        cpu += time.process_time() - t0
        audio += d.duration
        found = [(t.start, t.end, t.speaker) for t in turns]
        track = pitch_track(d.samples)
        print(
            f"{name}: {len({t.speaker for t in turns})} speaker(s) found, DER {der(d.truth, found):.3f} "
            f"(collar 0.25 s: {der(d.truth, found, collar=0.25):.3f})"
        )
        for voice in sorted({v for *_, v in d.truth}):
            # the speaker found that overlaps this voice most
            overlap: dict[str, float] = {}
            for a, b, v in d.truth:
                if v == voice:
                    for s, e, who in found:
                        overlap[who] = overlap.get(who, 0.0) + max(0.0, min(b, e) - max(a, s))
            best = max(overlap, key=overlap.get) if overlap else None
            print(
                f"  {voice}: median F0 {median_f0(track, d.truth, voice):.1f} Hz (truth turns), "
                f"{best}: {median_f0(track, found, best) if best else float('nan'):.1f} Hz (its turns)"
            )
    print(f"CPU: {cpu:.1f} s for {audio:.1f} s of audio = {cpu / audio * 3600:.0f} core-s per hour")


if __name__ == "__main__":
    main()
