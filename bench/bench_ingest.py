"""Benchmark: what the ingest job now does per video, against the stages it replaces.

Makes a ``--duration`` s 854x480 25 fps H.264 + AAC (128 kb/s) video with speech, the shape of
a YouTube download at <= 480p, and times with interleaved repeats, on the same file:

- before: ``probe`` (ingest) + ``extract_frames`` (the old frames job) + faster-whisper's
  ``decode_audio`` of the media (inside the old transcribe job);
- after: ``probe`` + the media digest + ``extract_frames`` + ``extract_audio`` (16 kHz mono Opus, the default)
  in the ingest job, and ``polimodal.extract.audio.decode_audio`` in the transcribe job.

It also prints the size of the media and of the stored audio per hour.

    .venv/bin/python bench/bench_ingest.py [--duration 60] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from faster_whisper import decode_audio

from polimodal.extract.audio import decode_audio as decode_stored
from polimodal.extract.audio import extract_audio
from polimodal.extract.download import file_digest
from polimodal.extract.frames import FrameOptions, extract_frames
from polimodal.extract.probe import probe
from polimodal.synthetic.media import SCENES, make_video

SPEECH = (
    "The committee will now hear testimony on the federal budget. The senator from Ohio asks "
    "about spending on roads, schools and hospitals, and the minister answers every question. "
)


def before(path: Path, frames: FrameOptions) -> bytes | None:
    probe(path)
    extract_frames(path, frames, video_id="v")
    decode_audio(str(path), sampling_rate=16000)


def after(path: Path, frames: FrameOptions) -> bytes:
    media = probe(path)
    file_digest(path)
    extract_frames(path, frames, video_id="v")
    stored = extract_audio(path, stream_duration=media.audio_duration, video_id="v")["audio"]
    decode_stored(stored)
    return stored


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        video = make_video(
            Path(tmp) / "v.mp4", duration=args.duration, scenes=SCENES[:4], speech=SPEECH * 6, size=(854, 480)
        )
        frames = FrameOptions()
        runs: dict[str, list[float]] = {"before": [], "after": []}
        flac = b""
        for _ in range(args.repeats):
            for name, fn in (("before", before), ("after", after)):
                t0 = time.perf_counter()
                result = fn(video, frames)
                runs[name].append(time.perf_counter() - t0)
                if isinstance(result, bytes):
                    flac = result
        media = probe(video)
        per_hour = 3600 / media.duration / 1e6
        b, a = statistics.median(runs["before"]), statistics.median(runs["after"])
        print(f"video: {args.duration:.0f} s, 854x480, {media.size / 1e6:.1f} MB")
        print(f"per video: before {b:.2f} s, after {a:.2f} s (ratio after/before {a / b:.2f})")
        print(
            f"per hour: media {media.size * per_hour:.0f} MB, audio {len(flac) * per_hour:.0f} MB "
            f"(media / audio = {media.size / len(flac):.1f})"
        )


if __name__ == "__main__":
    main()
