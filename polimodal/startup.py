"""Every mistake that can be known before work starts: checked when the workflow is parsed.

:func:`check_run` is called by ``workflow/rules/common.smk`` at start-up (also for
``snakemake -n``), so a bad model kind, a misspelt model parameter, a model reference that does
not exist, or labels that do not fit their task stop the run before any job, with a message
that names the key, value or sheet line. So do the stage settings that would otherwise fail in
the first job (:func:`check_stages`): a missing cookies file, a compute type or language that
faster-whisper/CTranslate2 do not know, and a ``device: cuda`` on a machine without one. It
imports no model code (no torch, faster-whisper or CTranslate2, unless a setting names cuda or a
CPU compute type): parsing stays fast (``tests/test_imports.py`` checks it).
"""

from __future__ import annotations

import ast
import importlib.util
import logging
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from polimodal.align.query import QueryOptions
from polimodal.align.stats import VIDEO_SPEAKER
from polimodal.corpus.posts import DEFAULT_TEXT_COLUMNS
from polimodal.corpus.samples import SHEET_KINDS, SheetKind
from polimodal.data.texts import TEXT_FIELDS
from polimodal.errors import ConfigError, ModelLoadError
from polimodal.experiments.tasks import Task, task_labels
from polimodal.extract.language import check_languages
from polimodal.extract.ocr import check_ocr
from polimodal.measure.options import check_coding
from polimodal.models.registry import ModelKind, check_model_config
from polimodal.options import no_effect_keys
from polimodal.resolve import resolve_model_ref

log = logging.getLogger(__name__)

#: Keys of a model's config section (and config sections) that name a model or weights.
MODEL_REF_KEYS = ("model", "weights", "text_model", "clip_model")


def model_refs(config: Mapping[str, Any], models: Sequence[str]) -> Iterator[tuple[str, str]]:
    """``(where, reference)`` of every model reference of the run: the whisper model, the frame
    embedder's weights, and each model's ``model``/``weights``."""
    for section in ("transcribe", "embed"):
        for key in MODEL_REF_KEYS:
            ref = (config.get(section) or {}).get(key)
            if isinstance(ref, str):
                yield f"{section}.{key}", ref
    for name in models:
        for key in MODEL_REF_KEYS:
            ref = (config.get("models", {}).get(name) or {}).get(key)
            if isinstance(ref, str):
                yield f"models.{name}.{key}", ref


def device_check(in_job: bool) -> str:
    """How :func:`check_cuda` treats a missing GPU: ``skip`` inside a job (a cluster job parses the
    workflow again on its own node, e.g. a CPU node for ingest), ``warn`` where ``sbatch`` exists (a
    cluster's login node has no GPU, its GPU nodes do), else ``check`` (a ConfigError)."""
    if in_job:
        return "skip"
    return "warn" if shutil.which("sbatch") else "check"


def run_kind(config: Mapping[str, Any]) -> SheetKind[Any]:
    """The kind of corpus the config runs (``corpus``, :data:`SHEET_KINDS`); ConfigError for another."""
    name = str(config.get("corpus", "videos"))
    if name not in SHEET_KINDS:
        raise ConfigError(f"config corpus: {name!r} is not one of {list(SHEET_KINDS)}")
    return SHEET_KINDS[name]


def check_run(
    config: Mapping[str, Any], sheet: pd.DataFrame, models: Sequence[str], *, devices: str = "check"
) -> dict[str, ModelKind]:
    """Check the models, model references and tasks of a run; return each model's kind.

    ``devices``: what a ``device`` naming a GPU this machine does not have does (:func:`device_check`).
    What the corpus kind (:func:`run_kind`) allows is read from its entry: its stages' settings
    (:data:`STAGE_CHECKS`), the inputs its models may read, its text fields.

    Raises ConfigError (model kind, parameter, reference, a model or sheet column the config names
    that does not exist) or LabelError (a task's label column missing, a label outside ``values``,
    a class with fewer than 2 examples) naming what is wrong.
    """
    corpus = run_kind(config)
    undefined = sorted(set(models) - set(config.get("models") or {}))
    if undefined:
        raise ConfigError(
            f"config experiments.models names {undefined}, which are not defined under `models:` "
            f"(defined: {sorted(config.get('models') or {})})"
        )
    text_columns = list((config.get("posts") or {}).get("text_columns") or DEFAULT_TEXT_COLUMNS)
    fields = ["transcript", *text_columns] if corpus.sheet_texts else list(TEXT_FIELDS)
    kinds = {name: check_model_config(name, config["models"][name], fields) for name in models}
    check_stages(config, models, devices=devices)
    if corpus.sheet_texts:
        check_text_columns(config, text_columns)
    check_corpus_inputs(config, corpus, kinds)
    check_sheet_columns(config, sheet)
    for where, ref in model_refs(config, models):
        try:
            resolve_model_ref(ref)
        except ModelLoadError as exc:
            raise ConfigError(f"config {where}: {exc}") from None
    tasks = config.get("tasks") or {}
    for name, cfg in tasks.items():
        task_labels(Task.from_config(name, cfg or {}), sheet)
    check_prompts(tasks, {m: kinds[m] for m in models}, config.get("models") or {})
    check_model_classes(tasks, {m: kinds[m] for m in models}, config.get("models") or {})
    check_no_effect(config, kinds)
    check_caption_fields(config, models)
    for task, chosen in (config.get("classify") or {}).items():
        if task not in tasks:
            raise ConfigError(f"config classify.{task}: no such task (tasks: {sorted(tasks)})")
        unknown = [] if chosen == "best" else [m for m in chosen if m not in models]
        if unknown:
            raise ConfigError(
                f"config classify.{task}: model(s) {unknown} are not run (models: {list(models)})"
            )
    check_coding(config, sheet, models)
    return kinds


def check_caption_fields(config: Mapping[str, Any], models: Sequence[str]) -> None:
    """``transcribe.prefer_manual_captions`` and a model whose ``text_fields`` name ``captions`` need
    config ``captions.enabled: true``."""
    if (config.get("captions") or {}).get("enabled"):
        return
    if (config.get("transcribe") or {}).get("prefer_manual_captions"):
        raise ConfigError(
            "config transcribe.prefer_manual_captions is true, but config captions.enabled is false: "
            "no captions are fetched (set captions.enabled: true)"
        )
    for name in models:
        fields = ((config.get("models") or {}).get(name) or {}).get("text_fields") or []
        if "captions" in fields:
            raise ConfigError(
                f"config models.{name}.text_fields names 'captions', but config captions.enabled is "
                "false: no captions are fetched (set captions.enabled: true, or drop the field)"
            )


def check_corpus_inputs(
    config: Mapping[str, Any], corpus: SheetKind[Any], kinds: Mapping[str, ModelKind]
) -> None:
    """Every model of the run reads inputs the corpus gives (:attr:`SheetKind.inputs`: a posts
    corpus has no words or audio), and the ``query`` runs only where the corpus runs ``align``: a
    ConfigError naming the model or key, what it needs and what the corpus has."""
    for name, kind in kinds.items():
        lacking = [i for i in kind.inputs if i not in corpus.inputs]
        if lacking:
            raise ConfigError(
                f"config models.{name} (kind {kind.name}) reads {lacking}, which a {corpus.name} corpus "
                f"does not give (its inputs: {list(corpus.inputs)})"
            )
    if QueryOptions.from_config(config.get("query") or {}).enabled and "align" not in corpus.stages:
        raise ConfigError(
            f"config query: searches the aligned words (stage align), which a {corpus.name} corpus "
            f"does not have (its stages: {list(corpus.stages)}); remove its pattern and words"
        )


def check_sheet_columns(config: Mapping[str, Any], sheet: pd.DataFrame) -> None:
    """The sheet columns the config names exist: ``experiments.group_by`` (or ``language``, the
    detected language) and ``query.by``/``query.cluster`` (or ``video_id``); ConfigError naming the
    key, the missing columns and the sheet's columns."""
    path = config.get("samples", "(the sample sheet)")
    group_by = list((config.get("experiments") or {}).get("group_by") or [])
    missing = [c for c in group_by if c not in sheet.columns and c != "language"]
    if missing:
        raise ConfigError(
            f"config experiments.group_by names {missing}, which are not columns of the sample sheet "
            f"{path} (columns: {list(sheet.columns)}; or `language`: the detected language)"
        )
    query = QueryOptions.from_config(config.get("query") or {})
    from_aligned = ("video_id", VIDEO_SPEAKER)
    missing = [c for c in [*query.by, query.cluster] if c not in sheet.columns and c not in from_aligned]
    speakers_on = bool((config.get("speakers") or {}).get("enabled"))
    if VIDEO_SPEAKER in [*query.by, query.cluster] and VIDEO_SPEAKER not in sheet.columns and not speakers_on:
        raise ConfigError(
            f"config query.by/cluster names {VIDEO_SPEAKER!r} (the diarized speaker of each word), "
            "which needs config speakers.enabled: true"
        )
    if missing:
        raise ConfigError(
            f"config query.by/cluster names {missing}, which are not columns of the sample sheet "
            f"{path} (columns: {list(sheet.columns)})"
        )


def check_text_columns(config: Mapping[str, Any], text_columns: Sequence[str]) -> None:
    """A posts sheet's text columns are no task's label column (ConfigError naming the task)."""
    for name, cfg in (config.get("tasks") or {}).items():
        column = (cfg or {}).get("column", name)
        if column in text_columns:
            raise ConfigError(
                f"config tasks.{name}: its label column {column!r} is a text column (posts.text_columns "
                f"{list(text_columns)}): a text column is the posts' text, never a label"
            )


def check_post_texts_languages(config: Mapping[str, Any], devices: str = "check") -> None:
    """The post_texts stage detects each text's language (lingua): ``posts.languages_detect``
    (candidates) and ``languages`` (kept) are lingua's codes, and a kept language is a candidate.
    ConfigError naming the key and the bad code."""
    keep = config.get("languages")
    detect = (config.get("posts") or {}).get("languages_detect")
    if detect is not None:
        detect = check_languages(detect, "config posts.languages_detect")
    if keep is None:
        return
    keep = check_languages(keep, "config languages")
    missing = [c for c in keep if detect is not None and c not in detect]
    if missing:
        raise ConfigError(
            f"config languages: {missing} not among posts.languages_detect {detect}: no post would "
            "ever be found to be in them; add them there (or set it to null: all languages)"
        )


def check_transcribe_languages(config: Mapping[str, Any]) -> None:
    """The transcribe stage detects each video's language (faster-whisper): ``languages`` (kept)
    are its codes. ConfigError naming the key and the bad code."""
    keep = config.get("languages")
    if keep is None:
        return
    known = set(whisper_languages())
    bad = [c for c in keep if str(c).strip().lower() not in known]
    if bad:
        raise ConfigError(
            f"config languages: unknown language code(s) {bad}: use the ISO 639-1 codes faster-whisper "
            f"reports, such as en, es, da, de (known: {', '.join(sorted(known))})"
        )


def check_prompts(
    tasks: Mapping[str, Any], kinds: Mapping[str, ModelKind], models_cfg: Mapping[str, Any]
) -> None:
    """Every task prompt is well formed (one distinct answer per value), and every generative model
    (a kind that reads prompts) has one on every task: its own ``prompt`` or ``tasks.<task>.prompt``."""
    from polimodal.models.hf.prompts import task_prompt

    for name, cfg in tasks.items():
        cfg = cfg or {}
        if cfg.get("prompt") is not None:
            task_prompt(name, cfg)
        for model, kind in kinds.items():
            if kind.prompted and (models_cfg.get(model) or {}).get("prompt") is None:
                task_prompt(name, cfg, model)


def check_model_classes(
    tasks: Mapping[str, Any], kinds: Mapping[str, ModelKind], models_cfg: Mapping[str, Any]
) -> None:
    """Every model's parameters that name a class of the task (a frame model's ``positive``) name one
    of each task's values (the parameters' ``positive_class``, which the model itself calls): a
    ConfigError naming the model, the task and its values."""
    for model, kind in kinds.items():
        params = kind.parse_params(models_cfg.get(model), f"models.{model}")
        classes_check = getattr(params, "positive_class", None)
        if classes_check is None:
            continue
        for name, cfg in tasks.items():
            task = Task.from_config(name, cfg or {})
            classes_check(f"config models.{model} on task {name!r}", task.values)


def check_no_effect(config: Mapping[str, Any], kinds: Mapping[str, ModelKind]) -> None:
    """No model of the run sets a key that its other settings make moot (ConfigError naming the
    model, the key and the setting, e.g. ``models.cnn.threshold: has no effect under video_score:
    mean_prob``): such a key would be silently ignored. Which keys: the ``no_effect()`` of the
    kind's parameter dataclass (:func:`polimodal.options.no_effect_keys`)."""
    for name, kind in kinds.items():
        cfg = config["models"][name]
        opts = kind.parse_params(cfg, f"models.{name} (kind {kind.name})")
        for key, why in no_effect_keys(opts, cfg).items():
            raise ConfigError(f"models.{name}.{key}: has no effect under {why}; remove it")


# ----------------------------------------------------------------------------- stage settings
def _source_constant(package: str, module: str, name: str) -> tuple[str, ...] | None:
    """The literal tuple ``name`` of ``package/module.py``, read from the source without importing
    the package (faster-whisper imports CTranslate2, PyAV and tokenizers, and CTranslate2's specs
    import torch: this runs at every start-up). None when the file or the assignment is not there."""
    spec = importlib.util.find_spec(package)  # a top-level package: found, not imported
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder, *module.split(".")).with_suffix(".py")
        if not path.is_file():
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets
            ):
                return tuple(ast.literal_eval(node.value))
    return None


def whisper_languages() -> tuple[str, ...]:
    """The language codes faster-whisper accepts (its tokenizer's list; ``en``, ``de``, ``zh``, ...)."""
    codes = _source_constant("faster_whisper", "tokenizer", "_LANGUAGE_CODES")
    if codes is not None:  # what Tokenizer checks a language against
        return codes
    from faster_whisper.tokenizer import _LANGUAGE_CODES  # pragma: no cover - other versions

    return tuple(_LANGUAGE_CODES)  # pragma: no cover


def compute_types() -> tuple[str, ...]:
    """The compute types CTranslate2 knows: ``auto``, ``default`` and its quantization types.

    The types are ``ACCEPTED_MODEL_TYPES`` of ``ctranslate2.specs.model_spec``, read from the
    module's source (importing it imports torch, seconds at every start-up); failing that (another
    version), the types this machine's CPU and GPUs support.
    """
    types = _source_constant("ctranslate2", "specs.model_spec", "ACCEPTED_MODEL_TYPES")
    if types is not None:
        return ("auto", "default", *types)
    import ctranslate2  # pragma: no cover - other versions

    found = set(ctranslate2.get_supported_compute_types("cpu"))  # pragma: no cover - other versions
    if ctranslate2.get_cuda_device_count() > 0:  # pragma: no cover
        found |= set(ctranslate2.get_supported_compute_types("cuda"))
    return ("auto", "default", *sorted(found))  # pragma: no cover


def _cuda_devices_torch() -> int:
    import torch  # only when a setting names cuda

    return int(torch.cuda.device_count()) if torch.cuda.is_available() else 0


def _cuda_devices_ctranslate2() -> int:
    import ctranslate2

    return int(ctranslate2.get_cuda_device_count())


def check_cuda(where: str, device: Any, count: Callable[[], int], library: str, mode: str = "check") -> None:
    """``device`` (auto, cpu, cuda, cuda:N) names a GPU that ``library`` sees (``count()`` of them).

    Only a setting that names cuda is checked (auto falls back to the CPU). Note: on a cluster whose
    login node has no GPU, ``auto`` is the setting for jobs that run on GPU nodes.
    """
    device = str(device)
    if not device.startswith("cuda") or mode == "skip":
        return
    n = count()
    index = int(device.partition(":")[2] or 0)
    if index >= n:
        message = (
            f"config {where}: {device!r}, but {library} sees {n} CUDA device(s) on this machine; "
            "use auto (the GPU where a job finds one, else the CPU) or cpu"
        )
        if mode == "warn":
            log.warning("%s (not stopped: sbatch is here, the jobs may run on GPU nodes)", message)
            return
        raise ConfigError(message)


def check_stages(config: Mapping[str, Any], models: Sequence[str] = (), *, devices: str = "check") -> None:
    """The stage settings that would fail in the first job, checked at start-up (ConfigError):

    the ``ingest`` section (e.g. ``cookies`` names a file that exists); the settings of each stage
    the corpus runs (:attr:`polimodal.corpus.samples.SheetKind.stages`, :data:`STAGE_CHECKS`:
    transcribe's compute type, language and device, the languages each text stage can detect);
    a ``device`` naming cuda (embed, the models of the run) a GPU this machine sees.
    """
    from polimodal.extract.ingest import IngestOptions

    IngestOptions.from_config(config.get("ingest") or {})  # e.g. a cookies file that does not exist
    check_ocr(config, models)
    for stage in run_kind(config).stages:
        check = STAGE_CHECKS.get(stage)
        if check is not None:
            check(config, devices)
    embed = config.get("embed") or {}
    check_cuda("embed.device", embed.get("device", "auto"), _cuda_devices_torch, "torch", devices)
    for name in models:
        device = (config.get("models", {}).get(name) or {}).get("device")
        if device is not None:
            check_cuda(f"models.{name}.device", device, _cuda_devices_torch, "torch", devices)


def check_transcribe(config: Mapping[str, Any], devices: str = "check") -> None:
    """The transcribe stage's settings: ``transcribe.compute_type`` a CTranslate2 compute type
    (:func:`compute_types`; on ``device: cpu`` one the CPU supports); ``transcribe.language`` a
    faster-whisper language code (an English-only model, known by its name or its vocabulary:
    ``en``); its ``device`` a GPU this machine sees; and the languages it detects
    (:func:`check_transcribe_languages`)."""
    check_transcribe_languages(config)
    section = config.get("transcribe") or {}
    language = section.get("language")
    if language is not None:
        codes = whisper_languages()
        if language not in codes:
            raise ConfigError(
                f"config transcribe.language: {language!r} is not a Whisper language code (null: detect "
                f"per video; codes: {', '.join(codes)})"
            )
        _check_model_language(section, language)
    compute_type = str(section.get("compute_type", "auto"))
    known = compute_types()
    if compute_type not in known:
        raise ConfigError(
            f"config transcribe.compute_type: {compute_type!r} is not a CTranslate2 compute type "
            f"(one of {list(known)})"
        )
    device = str(section.get("device", "auto"))
    check_cuda("transcribe.device", device, _cuda_devices_ctranslate2, "CTranslate2", devices)
    if device == "cpu" and compute_type not in ("auto", "default"):
        import ctranslate2

        cpu = sorted(ctranslate2.get_supported_compute_types("cpu"))
        if compute_type not in cpu:
            raise ConfigError(
                f"config transcribe.compute_type: {compute_type!r} is not supported on this CPU "
                f"(device: cpu; CTranslate2 supports {cpu}, or auto)"
            )


def _check_model_language(section: Mapping[str, Any], language: str) -> None:
    """``transcribe.language`` other than en with an English-only model (by name, or a local model's
    vocabulary: :func:`polimodal.extract.transcribe.english_only`): a ConfigError naming both."""
    from polimodal.extract.transcribe import TranscribeOptions, check_model_language

    check_model_language(str(section.get("model", TranscribeOptions.model)), language)


#: Stage name (of :attr:`polimodal.corpus.samples.SheetKind.stages`) → the check of its settings
#: ``(config, devices)``, run at start-up for the stages the run's corpus runs.
STAGE_CHECKS: dict[str, Callable[[Mapping[str, Any], str], None]] = {
    "transcribe": check_transcribe,
    "post_texts": check_post_texts_languages,
}
