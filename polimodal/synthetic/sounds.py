"""Non-speech sound clips made by ffmpeg, for the tests and the benchmark of suspect transcript
segments (:mod:`polimodal.extract.suspect`): music (chords of sines), noise, near-silence (room
tone) and applause (band-passed noise bursts), plus espeak-ng speech for contrast. Each clip is
returned as 16 kHz mono float32 samples, what :func:`polimodal.extract.transcribe.transcribe_audio`
reads. ``seed`` varies each kind (key, tempo, noise colour, clap rates) so that a benchmark can
draw many different clips of one kind. Needs the ``ffmpeg`` (and for speech ``espeak-ng``) binaries.
"""

from __future__ import annotations

import random
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from polimodal.synthetic.media import _need, speak

SAMPLE_RATE = 16000

#: Sentences for speech clips (political register, as the corpus).
SENTENCES = (
    "The United States Senate votes on the federal budget.",
    "Members of parliament debated the new energy law for three hours.",
    "The minister promised more money for schools and hospitals next year.",
    "Our party will lower taxes for working families across the country.",
    "The committee rejected the amendment by a narrow margin on Tuesday.",
    "Voters in the northern districts turned out in record numbers.",
    "The opposition leader called the proposal a waste of public money.",
    "We need a fair trade policy that protects local farmers and workers.",
)


def _ffmpeg(source: str, duration: float, filters: str | None = None) -> np.ndarray:
    """Samples of an ffmpeg lavfi ``source`` (after ``filters``), 16 kHz mono float32."""
    args = [_need("ffmpeg"), "-loglevel", "error", "-f", "lavfi", "-t", f"{duration:.3f}", "-i", source]
    if filters:
        args += ["-af", filters]
    args += ["-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "f32le", "-"]
    out = subprocess.run(args, check=True, capture_output=True).stdout
    return np.frombuffer(out, dtype=np.float32).copy()


def music(duration: float = 10.0, seed: int = 0) -> np.ndarray:
    """A chord progression (root, third, fifth and octave as sines; a new chord every beat
    group), with a note envelope, in a key and tempo drawn from ``seed``."""
    rng = random.Random(seed)
    root = 110.0 * 2 ** (rng.randrange(12) / 12)
    beat = rng.choice((0.5, 0.75, 1.0))
    steps = rng.sample((0, 5, 7, 9, 3, 10), 4)  # four chords (semitones above the root)
    # the chord index at time t: floor(t / beat) mod 4; its root shift in semitones
    shift = "+".join(f"{s}*eq(mod(floor(t/{beat}),4),{i})" for i, s in enumerate(steps))
    f0 = f"{root}*pow(2,({shift})/12)"
    env = f"(0.4+0.6*exp(-4*mod(t,{beat})))"
    voices = "+".join(f"sin(2*PI*{f0}*{ratio}*t)" for ratio in (1, 1.26, 1.5, 2))
    expr = f"0.15*{env}*({voices})"
    return _ffmpeg(f"aevalsrc='{expr}':s={SAMPLE_RATE}", duration)


def noise(duration: float = 10.0, seed: int = 0) -> np.ndarray:
    """Steady noise (white, pink or brown by ``seed``) at a moderate level."""
    color = ("white", "pink", "brown")[seed % 3]
    amp = (0.1, 0.3, 0.5)[(seed // 3) % 3]
    return _ffmpeg(f"anoisesrc=color={color}:amplitude={amp}:seed={seed + 1}:r={SAMPLE_RATE}", duration)


def room_tone(duration: float = 10.0, seed: int = 0) -> np.ndarray:
    """Near-silence: faint brown noise (about -45 dBFS peak), above the digital-silence cut-off
    of :data:`polimodal.extract.transcribe.SILENCE_PEAK`, so the model does see it."""
    amp = (0.003, 0.006, 0.01)[seed % 3]
    return _ffmpeg(f"anoisesrc=color=brown:amplitude={amp}:seed={seed + 1}:r={SAMPLE_RATE}", duration)


def silence(duration: float = 10.0, seed: int = 0) -> np.ndarray:
    """Digital silence (no segments by design: the transcribe stage skips it)."""
    return np.zeros(int(duration * SAMPLE_RATE), dtype=np.float32)


def applause(duration: float = 10.0, seed: int = 0) -> np.ndarray:
    """Clapping: white noise gated by several trains of short decaying bursts at different rates
    (a crowd), band-passed to the range of hand claps."""
    rng = random.Random(seed)
    trains = "+".join(
        f"exp(-60*mod(t*{rng.uniform(3.0, 9.0):.2f}+{rng.random():.2f},1))" for _ in range(rng.randint(4, 8))
    )
    expr = f"0.25*(2*random(0)-1)*({trains})"
    return _ffmpeg(f"aevalsrc='{expr}':s={SAMPLE_RATE}", duration, "highpass=f=700,lowpass=f=5000")


def speech(duration: float = 10.0, seed: int = 0) -> np.ndarray:
    """espeak-ng reading two of :data:`SENTENCES` (by ``seed``), padded with silence to ``duration``."""
    text = " ".join(SENTENCES[(seed + i) % len(SENTENCES)] for i in range(2))
    with tempfile.TemporaryDirectory() as tmp:
        wav = speak(text, Path(tmp) / "s.wav", pitch=30 + 10 * (seed % 4))
        return _ffmpeg(f"amovie={wav},apad", duration)


#: Clip kind → generator ``(duration, seed) -> samples``.
KINDS: dict[str, Callable[[float, int], np.ndarray]] = {
    "speech": speech,
    "music": music,
    "noise": noise,
    "room_tone": room_tone,
    "silence": silence,
    "applause": applause,
}
