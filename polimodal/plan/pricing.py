"""The plan's prices: Snakemake's jobs per stage times the costs of :data:`polimodal.stages.STAGES`
and of each model kind (``ModelKind.cost``), scaled by the config (see :mod:`polimodal.plan`)."""

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
from polimodal.stages import (
    COSTS,
    EMBED_DIM_MEASURED,
    EMBED_DIMS,
    MB,
    STAGES,
    WHISPER_SCALE,
    ByModels,
    Cost,
    KindCost,
    PerHour,
    Stage,
    stage_of,
)

#: The pricers a stage can name (``Stage.pricing``): prices that follow the config's settings
#: (frame size and format, transcription model, embedding width, the models' frames). A stage
#: priced per hour (:class:`~polimodal.stages.PerHour`) or by its models
#: (:class:`~polimodal.stages.ByModels`) declares it on its entry and needs none.
PRICERS = ("ingest", "transcribe", "embed", "store_frames", "experiment tables")


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


def kind_cost(kind: ModelKind) -> KindCost:
    """The kind's declared cost; ConfigError naming the kind and where its cost goes when it has none."""
    if kind.cost is None:
        raise ConfigError(
            f"model kind {kind.name!r} has no cost: give its ModelKind entry in "
            "polimodal/models/registry.py a cost=KindCost(train_s, classify_s, checkpoint_mb, source)"
        )
    return kind.cost


def _classify_rank(kind: ModelKind) -> tuple[int, float]:
    return (["", "_gpu", "_llm"].index(kind.rule_suffix), kind_cost(kind).classify_s)


def chosen_models(config: Mapping[str, Any], models: Mapping[str, Any], kinds: Mapping[str, ModelKind]):
    """Per task, the models that classify the corpus (config ``classify``): the listed ones, or for
    ``best`` one, unknown until the comparison: counted as the costliest candidate."""
    classify_cfg = dict(config.get("classify") or {})
    chosen: dict[str, list[str]] = {}
    for t in config.get("tasks") or {}:
        setting = classify_cfg.get(t, "best")
        names = list(models) if setting == "best" else list(setting)
        chosen[t] = [max(names, key=lambda m: _classify_rank(kinds[m]))] if setting == "best" else names
    return chosen, [t for t in chosen if classify_cfg.get(t, "best") == "best"]


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
    jobs: Mapping[str, int],
    *,
    minutes_per_video: float = 10.0,
    videos_table: Path | None = None,
) -> Plan:
    """Jobs, core-hours, GPU-hours and bytes of a run of ``config`` over ``sheet``.

    ``jobs``: Snakemake's jobs per rule for that run (:func:`dag_jobs`); ``sheet`` is
    :func:`polimodal.corpus.samples.read_sample_sheet`'s frame; ``videos_table`` the run's
    ``results/videos.parquet`` (its durations replace ``minutes_per_video`` when it exists).
    """
    from polimodal.corpus.samples import n_shards
    from polimodal.experiments.tasks import Task, task_labels
    from polimodal.extract.audio import AudioOptions
    from polimodal.extract.frames import FrameOptions
    from polimodal.extract.ingest import IngestOptions
    from polimodal.extract.transcribe import TranscribeOptions

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
    used: dict[str, Cost | KindCost] = {}

    def cost(key: str) -> Cost:
        used[key] = COSTS[key]
        return COSTS[key]

    def per_hour(key: str, scale: float = 1.0) -> float:
        return cost(key).value * scale * hours

    # ---- the settings the costs scale with
    frame_opts = FrameOptions.from_config(_section(config, "frames"))  # the schema's defaults
    fps = float(frame_opts.fps)
    max_side = int(frame_opts.max_side)
    n_images = 0
    if posts:  # a post's images are its frames: per-frame costs count images (3,600 = an hour at 1 fps)
        n_images = int((sheet["source"].str.count(r" \| ") + 1).sum()) if n else 0
        fps = n_images / 3600 / hours if hours else 0.0
    # JPEG bytes follow the pixel area (an estimate off the measured 384); frames are never
    # upscaled, so a video's are at most the download's side (ingest.format's height limit, 16:9);
    # a post's image, of unknown size, counts as 854 px at most (an estimate)
    video_side = (
        854 if posts else downloaded_side(IngestOptions.from_config(_section(config, "ingest")).format)
    )
    frame_scale = fps * (min(max_side or video_side, video_side) / 384) ** 2
    if frame_opts.image_format == "webp":
        frame_scale *= cost("frames.webp").value
    frames_stored = per_hour("frames.bytes", frame_scale) * MB
    keep_media = bool(_section(config, "ingest").get("keep_media", False))

    # ---- per stage: what its jobs cost (rows whose rules Snakemake runs; the rest is never priced)
    def ingest() -> dict[str, Any]:
        # the stored frames come from store_frames after dedup (the ingest job's table of every
        # JPEG is temporary), or from ingest itself with frames.keep_dropped
        stored = frames_stored if frame_opts.keep_dropped else 0.0
        if not posts:
            flac = AudioOptions.from_config(_section(config, "audio")).codec == "flac"
            stored += per_hour("audio.bytes.flac" if flac else "audio.bytes") * MB
        if keep_media:
            stored += per_hour("media.bytes") * MB
        core = n_images * cost("post_image.cpu").value if posts else per_hour("ingest.cpu")
        note = f"{n_images:,} images" if posts else f"frames at {fps:g} fps"
        note += f", max_side {max_side}" + ("; media kept (ingest.keep_media)" if keep_media else "")
        return dict(
            core_hours=core / 3600, stored_bytes=stored, estimate=frame_scale != fps or posts, note=note
        )

    def transcribe() -> dict[str, Any]:
        tr = TranscribeOptions.from_config(_section(config, "transcribe"))
        size = str(tr.model).split("/")[-1].removesuffix(".en").split("-")[0]
        whisper = WHISPER_SCALE.get(size, 1.0)
        if int(tr.batch_size or 0) > 0:
            key = "transcribe.cpu.batched"
        else:
            key = "transcribe.cpu.greedy" if int(tr.beam_size) == 1 else "transcribe.cpu"
        return dict(
            core_hours=per_hour(key, whisper) / 3600,
            gpu_hours=per_hour("transcribe.gpu", whisper),
            stored_bytes=per_hour("transcripts.bytes") * MB,
            estimate=True,
            either=True,
            note=f"{tr.model}" + ("; CPU scaled by model size (estimate)" if whisper != 1.0 else ""),
        )

    def embed() -> dict[str, Any]:
        section = _section(config, "embed")
        model = str(section.get("model", "mobilenet_v3_small"))
        dim = EMBED_DIMS.get(model, EMBED_DIM_MEASURED)
        key = "embeddings.bytes.float16" if section.get("precision") == "float16" else "embeddings.bytes"
        return dict(
            core_hours=per_hour("embed.cpu", fps) / 3600,
            gpu_hours=per_hour("embed.gpu", fps),
            stored_bytes=per_hour(key, fps * dim / EMBED_DIM_MEASURED) * MB,
            estimate=True,
            either=True,
            note=f"{model} ({dim}-d)",
        )

    def store_frames() -> dict[str, Any]:
        note = "the JPEGs of kept frames (near-duplicates: rows only); at most the bytes shown"
        core = per_hour("store_frames.cpu", fps) / 3600
        return dict(core_hours=core, stored_bytes=frames_stored, estimate=True, note=note)

    # ---- experiments: the models' costs, on their kinds' registry entries
    tasks = dict(config.get("tasks") or {})
    models = _models(config) if tasks else {}
    kinds = {m: check_model_config(m, cfg, text_fields=None) for m, cfg in models.items()}
    for k in kinds.values():
        used[f"kind.{k.name}"] = kind_cost(k)
    experiments = dict(config.get("experiments") or {})
    folds = int(experiments.get("folds", 3))
    # the share of a task's videos a fold trains on (the rest: test, validation)
    train_share = (1 - float(experiments.get("test_size", 0.2))) * (
        1 - float(experiments.get("validation_size", 0.2))
    )
    labelled = {t: len(task_labels(Task.from_config(t, cfg or {}), sheet).labels) for t, cfg in tasks.items()}
    chosen, best = chosen_models(config, models, kinds)
    jobs = dict(jobs)
    # Snakemake plans up to the first task's checkpoint choose_models: the others (one per task)
    # and the classification jobs that follow them are added here
    if jobs.get("choose_models"):
        jobs["choose_models"] = len(tasks)
    if "gather_classified" not in jobs and chosen:
        for names in chosen.values():
            for m in names:
                rule = f"classify{kinds[m].rule_suffix}"
                jobs[rule] = jobs.get(rule, 0) + shards
        jobs["gather_classified"] = sum(len(names) for names in chosen.values())

    def experiment_tables() -> dict[str, Any]:
        reads_frames = any(k.reads("frames") for k in kinds.values())
        task_hours = sum(labelled.values()) * minutes / 60.0
        frames_per_h = cost("frames.bytes").value * frame_scale if reads_frames else 0
        note = f"labelled videos per task: {', '.join(f'{t} {c:,}' for t, c in labelled.items())}"
        note += "; task data holds a copy of their kept frames" if reads_frames else ""
        return dict(stored_bytes=task_hours * frames_per_h * MB, note=note)

    def models_of(train: bool, suffix: str) -> dict[str, Any]:
        row: dict[str, Any] = dict(core_hours=0.0, gpu_hours=0.0, stored_bytes=0.0, estimate=True)
        names = [
            m
            for m in (models if train else dict.fromkeys(m for ms in chosen.values() for m in ms))
            if kinds[m].rule_suffix == suffix
        ]
        for m in names:
            kc = kind_cost(kinds[m])
            if train:  # per fold: epochs over the training share + scoring every split of the task's videos
                epochs = _epochs(kinds[m], models[m], m)
                seconds = sum(
                    c * (epochs * kc.train_s * train_share + kc.classify_s) for c in labelled.values()
                )
                seconds *= folds
                row["stored_bytes"] += kc.checkpoint_mb * MB * len(tasks) * folds
            else:  # every video, by each task that chose the model
                seconds = n * kc.classify_s * sum(m in ms for ms in chosen.values())
            row["gpu_hours" if kinds[m].gpu else "core_hours"] += seconds / 3600
        if train:
            row["note"] = ", ".join(names)
        elif any(kinds[m].rule_suffix == suffix for t in best for m in chosen[t]):
            row["note"] = "best: one model, counted as the costliest candidate"
        return row

    pricers = dict(zip(PRICERS, (ingest, transcribe, embed, store_frames, experiment_tables), strict=True))

    def price(stage: Stage) -> dict[str, Any]:
        """The stage's row, priced as its entry says (``Stage.pricing``)."""
        how = stage.pricing
        if how is None:
            return {}
        if isinstance(how, ByModels):
            return models_of(how.train, how.rule_suffix)
        if isinstance(how, PerHour):
            scale = fps if how.per_frame else 1.0
            for key in (how.cpu, how.stored):
                if key is not None:
                    used[key] = stage.costs[key]
            return dict(
                core_hours=stage.costs[how.cpu].value * scale * hours / 3600,
                stored_bytes=stage.costs[how.stored].value * scale * hours * MB if how.stored else 0.0,
                estimate=how.estimate,
            )
        if how not in pricers:
            raise ConfigError(
                f"stage {stage.name!r} (polimodal/stages.py): pricing {how!r} is none of "
                f"{list(PRICERS)} (polimodal/plan/pricing.py), nor PerHour or ByModels"
            )
        return pricers[how]()

    unknown = [r for r in jobs if stage_of(r) is None]
    if unknown:
        raise ConfigError(
            f"rule(s) {unknown} of the workflow belong to no stage: add them, with their costs, to "
            "STAGES in polimodal/stages.py"
        )
    rows = []
    for stage in STAGES:
        rules = {r: jobs[r] for r in stage.rules if jobs.get(r)}
        if rules:
            rows.append(StageRow(stage.name, rules, **price(stage)))
    media_per_video = cost("media.bytes").value * minutes / 60.0 * MB
    return Plan(
        n_videos=n,
        hours=hours,
        minutes_per_video=minutes,
        duration_source=duration_source,
        shard_size=shard_size,
        shards=shards,
        corpus=str(corpus),
        rows=rows,
        scratch_bytes=0.0 if posts else media_per_video * (shard_size if keep_media else 1),
        download_bytes=0.0 if posts else per_hour("media.bytes") * MB,
        keep_media=keep_media,
        costs=used,  # type: ignore[arg-type]
    )
