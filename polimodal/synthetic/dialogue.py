"""Dialogues with known truth for the diarization tests and bench: espeak-ng voices of different
pitch taking turns at known times (test stand-ins, fenced here like the other synthetic media).

Each utterance is spoken by espeak-ng (:func:`polimodal.synthetic.media.speak`), resampled to
16 kHz mono by ffmpeg, and the utterances are concatenated with ``gap`` seconds of silence between
them. The truth of each turn is where its audio is above -40 dBFS (espeak pads with silence).
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from polimodal.synthetic.media import _need, speak

SAMPLE_RATE = 16000
FLOATS = ("-f", "f32le", "-")  # raw float32 samples on stdout

#: Voices for up to three speakers: espeak-ng voice, pitch (-p, 0-99) and speed, clearly apart.
VOICES = (("en-us", 15, 150), ("en-us+f3", 85, 165), ("en-us+m7", 99, 150))

SENTENCES = (
    "The budget for the coming year will raise taxes on every family in the country.",
    "That is simply not true, the minister said no such thing in parliament today.",
    "We will vote against this proposal because it hurts schools and hospitals.",
    "Our party has always defended the workers and their jobs in every region.",
    "Let me finish please, the numbers show that health spending has gone up.",
    "The people deserve a clear answer about the border and about the economy.",
)


@dataclass(frozen=True)
class Dialogue:
    """A dialogue's samples (16 kHz mono float32) and its truth: (start, end, speaker) turns."""

    samples: np.ndarray
    truth: list[tuple[float, float, str]]

    @property
    def duration(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    def write_wav(self, out: str | Path) -> Path:
        """The samples as a 16-bit 16 kHz mono WAV file (a media file for the ingest stages)."""
        import wave

        out = Path(out)
        with wave.open(str(out), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SAMPLE_RATE)
            w.writeframes((np.clip(self.samples, -1, 1) * 32767).astype("<i2").tobytes())
        return out

    def write_video(self, out: str | Path, size: tuple[int, int] = (160, 120)) -> Path:
        """An MP4 of a moving test pattern with the dialogue as its AAC audio track."""
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            wav = self.write_wav(Path(tmp) / "d.wav")
            source = [
                "-f",
                "lavfi",
                "-t",
                f"{self.duration:.3f}",
                "-i",
                f"testsrc2=size={size[0]}x{size[1]}:rate=10",
            ]
            codecs = [
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-b:a",
                "64k",
            ]
            subprocess.run(
                [
                    _need("ffmpeg"),
                    "-y",
                    "-loglevel",
                    "error",
                    *source,
                    "-i",
                    str(wav),
                    *codecs,
                    "-shortest",
                    str(out),
                ],
                check=True,
                capture_output=True,
            )
        return out


def utterance(text: str, voice: str, pitch: int, speed: int = 150, ssml: bool = False) -> np.ndarray:
    """``text`` spoken by espeak-ng's ``voice`` at ``pitch``, as 16 kHz mono float32 samples
    (``ssml``: ``text`` is SSML)."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = speak(text, Path(tmp) / "u.wav", voice=voice, pitch=pitch, speed=speed, ssml=ssml)
        raw = subprocess.run(
            [
                _need("ffmpeg"),
                "-loglevel",
                "error",
                "-i",
                str(wav),
                "-ac",
                "1",
                "-ar",
                str(SAMPLE_RATE),
                *FLOATS,
            ],
            check=True,
            capture_output=True,
        ).stdout
    return np.frombuffer(raw, dtype=np.float32).copy()


def _voiced_span(x: np.ndarray, threshold_db: float = -40.0) -> tuple[int, int]:
    loud = np.flatnonzero(np.abs(x) > 10 ** (threshold_db / 20))
    return (int(loud[0]), int(loud[-1]) + 1) if loud.size else (0, 0)


def make_dialogue(
    speakers: Sequence[int],
    *,
    voices: Sequence[tuple[str, int, int]] = VOICES,
    gap: float = 0.4,
    lead: float = 0.5,
    texts: Sequence[str] = SENTENCES,
    ssml: bool = False,
) -> Dialogue:
    """Turns spoken by ``voices[s]`` for each ``s`` of ``speakers`` (e.g. ``[0, 1, 0, 1]``), each a
    sentence of ``texts`` (SSML with ``ssml``) in turn, ``gap`` s apart after ``lead`` s of silence; the truth
    labels are ``V0``, ``V1``, ..."""
    parts = [np.zeros(int(lead * SAMPLE_RATE), np.float32)]
    truth = []
    at = len(parts[0])
    for k, s in enumerate(speakers):
        voice, pitch, speed = voices[s]
        u = utterance(texts[k % len(texts)], voice, pitch, speed, ssml=ssml)
        a, b = _voiced_span(u)
        truth.append(((at + a) / SAMPLE_RATE, (at + b) / SAMPLE_RATE, f"V{s}"))
        parts += [u, np.zeros(int(gap * SAMPLE_RATE), np.float32)]
        at += len(u) + int(gap * SAMPLE_RATE)
    return Dialogue(np.concatenate(parts), truth)


def der(
    truth: Sequence[tuple[float, float, str]], turns: Sequence[tuple[float, float, str]], collar: float = 0.0
) -> float:
    """Diarization error rate of ``turns`` against ``truth`` by pyannote.metrics (optimal mapping
    of labels; ``collar``: seconds around each true boundary not scored, pyannote's convention)."""
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    def annotation(rows: Sequence[tuple[float, float, str]]) -> Annotation:
        a = Annotation()
        for start, end, label in rows:
            a[Segment(start, end)] = label
        return a

    return float(DiarizationErrorRate(collar=collar)(annotation(truth), annotation(turns)))
