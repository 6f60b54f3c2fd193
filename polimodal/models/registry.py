"""The one registry of model kinds: what each kind is, which inputs it reads, whether it wants a GPU.

Every consumer reads this table instead of re-deriving it: the workflow (``common.smk``: which
files a train or classify job reads, :meth:`ModelKind.files` through the inputs table
:data:`polimodal.data.inputs.INPUTS`; which jobs go to a GPU partition; start-up checks), the fold
runner and corpus classification (which inputs to load; the model itself:
:func:`polimodal.models.build.build_model`) and the plots (colour by modality). Importing this
module imports no model code (no torch, no scikit-learn): a kind's class is imported on first use
by :func:`polimodal.models.build.model_class`.

Adding a model kind: write its class (a :class:`~polimodal.models.base.Model` subclass whose
``kind`` names it) and its parameter dataclass, then add one :class:`ModelKind` line below, with
its cost (:class:`~polimodal.stages.KindCost`: ``polimodal plan`` refuses a kind without one).
DESIGN.md ("Adding a model kind") lists the files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from polimodal.data.inputs import INPUTS, Level, files_of
from polimodal.data.texts import TEXT_FIELDS
from polimodal.errors import ConfigError
from polimodal.models.classic.params import SvmParams
from polimodal.models.hf.params import LlmParams, VlmParams
from polimodal.models.torch.params import (
    BertParams,
    ClipParams,
    CnnParams,
    EarlyFusionParams,
    FndClipParams,
    MultParams,
)
from polimodal.options import options_from_section, output_settings
from polimodal.stages import GPU_ESTIMATE, KindCost

#: Keys of a model's config section that are not its parameters (its kind picks the dataclass).
RUNNER_KEYS = ("kind",)


@dataclass(frozen=True)
class ModelKind:
    """One model kind: its class (``module:Class``), parameters, inputs and hardware."""

    name: str
    target: str
    params: type
    #: what it reads: ``text`` (the video's text: transcript, optionally title/description),
    #: ``frames`` (its kept frames), ``words`` (its transcript's words with their times),
    #: ``audio`` (its pitch and intensity); the files of each: :data:`polimodal.data.inputs.INPUTS`
    inputs: tuple[str, ...]
    gpu: bool = False  # the train job asks the scheduler for a GPU
    #: rule family: "" = rules train/classify (train_gpu/classify_gpu with gpu); "llm" = the
    #: generative models' rules train_llm/classify_llm (envs/llm.yaml, own SLURM resources), whose
    #: models also read the task's prompt (tasks.<task>.prompt)
    family: str = ""
    #: what it costs to train and to score a video (``polimodal plan``); a kind without one is
    #: refused by the plan (``tests/test_models_registry.py`` proves every kind has one)
    cost: KindCost | None = None

    @property
    def rule_suffix(self) -> str:
        """Its train and classify rules' suffix: ``_llm`` (family llm), ``_gpu`` (a GPU), else ``""``."""
        if self.family == "llm":
            return "_llm"
        return "_gpu" if self.gpu else ""

    @property
    def prompted(self) -> bool:
        """Whether the kind needs the task's prompt (generative models)."""
        return self.family == "llm"

    @property
    def modality(self) -> str:
        """``text``, ``image`` or ``multimodal``: the label of the plots and tables."""
        if set(self.inputs) == {"text"}:
            return "text"
        if set(self.inputs) == {"frames"}:
            return "image"
        return "multimodal"

    def reads(self, what: str) -> bool:
        return what in self.inputs

    def files(self, level: Level) -> list[str]:
        """The names of the files it reads (a train job: ``task``; a classify job: ``shard``)."""
        return files_of(self.inputs, level)

    def parse_params(self, params: Mapping[str, Any] | None, where: str) -> Any:
        """The kind's parameter dataclass from a config section (runner keys ignored)."""
        return options_from_section(
            self.params, params, where, ignore=RUNNER_KEYS, null_is_default=True, noun="parameter"
        )


def _gpu_estimate(what: str) -> str:
    return f"{GPU_ESTIMATE} ({what})"


KINDS: dict[str, ModelKind] = {
    k.name: k
    for k in (
        ModelKind(
            "svm",
            "polimodal.models.classic.svm:TextSVM",
            SvmParams,
            ("text",),
            cost=KindCost(0.05, 0.001, 5, "estimate, CPU core-s: tf-idf (20,000 features) + 5 values of C"),
        ),
        ModelKind(
            "bert",
            "polimodal.models.torch.bert:BertModel",
            BertParams,
            ("text",),
            gpu=True,
            cost=KindCost(0.007, 0.002, 440, _gpu_estimate("bert-base, 512 tokens: ~150 videos/s training")),
        ),
        ModelKind(
            "cnn",
            "polimodal.models.torch.cnn:CnnModel",
            CnnParams,
            ("frames",),
            gpu=True,
            cost=KindCost(0.016, 0.03, 100, _gpu_estimate("resnet50, 16 frames per video per epoch")),
        ),
        ModelKind(
            "clip",
            "polimodal.models.torch.clip:ClipModel",
            ClipParams,
            ("text", "frames"),
            gpu=True,
            cost=KindCost(0.016, 0.03, 600, _gpu_estimate("ViT-B/32, 16 frames per video per epoch")),
        ),
        ModelKind(
            "mult",
            "polimodal.models.torch.mult:MultModel",
            MultParams,
            ("words", "audio"),
            gpu=True,
            cost=KindCost(0.005, 0.002, 5, _gpu_estimate("small cross-modal transformer")),
        ),
        ModelKind(
            "early_fusion",
            "polimodal.models.torch.mult:EarlyFusionModel",
            EarlyFusionParams,
            ("words", "audio"),
            cost=KindCost(
                0.002,
                0.001,
                1,
                "estimate, CPU core-s: bench/bench_pitch.py, 2026-12-01: 0.55 s per epoch of 600 videos",
            ),
        ),
        ModelKind(
            "fndclip",
            "polimodal.models.torch.fndclip:FndClipModel",
            FndClipParams,
            ("text", "frames"),
            gpu=True,
            cost=KindCost(0.03, 0.04, 600, _gpu_estimate("BERT + CNN encoders")),
        ),
        ModelKind(
            "llm",
            "polimodal.models.hf.generative:LlmModel",
            LlmParams,
            ("text",),
            gpu=True,
            family="llm",
            cost=KindCost(
                0.45,
                0.155,
                50,
                "estimate, issue 11 closing note, 2026-12-01: 8B model at ~125 TFLOP/s: LoRA ~15-20 min "
                "per epoch and zero-shot ~10 min per 3,880 videos",
            ),
        ),
        ModelKind(
            "vlm",
            "polimodal.models.hf.generative:VlmModel",
            VlmParams,
            ("text", "frames"),
            gpu=True,
            family="llm",
            cost=KindCost(0.9, 0.3, 50, "estimate: twice the llm's (8B + 3 frames of image tokens)"),
        ),
    )
}
assert all(set(k.inputs) <= set(INPUTS) for k in KINDS.values())


def get_kind(kind: str) -> ModelKind:
    """The declaration of ``kind``; ConfigError naming the known kinds when there is none."""
    try:
        return KINDS[str(kind)]
    except KeyError:
        raise ConfigError(f"unknown model kind {kind!r}; known kinds: {sorted(KINDS)}") from None


def check_model_config(
    name: str, cfg: Mapping[str, Any], text_fields: Sequence[str] | None = TEXT_FIELDS
) -> ModelKind:
    """Check one ``models.<name>`` section at start-up: known kind, known parameters, valid values.

    ``text_fields``: the names its ``text_fields`` parameter may use (a videos corpus:
    :data:`TEXT_FIELDS`; posts: ``transcript`` and the text columns); None: any name (a job, which
    knows no corpus). Returns the kind's declaration. Errors name the model, the key and what is
    allowed.
    """
    return _checked(name, cfg, text_fields)[0]


def parse_model_config(
    name: str, cfg: Mapping[str, Any], *, prompt: Mapping[str, Any] | None = None
) -> tuple[ModelKind, Any]:
    """The kind of section ``models.<name>`` and its parameters read into the kind's dataclass
    (checked as :func:`check_model_config` does, any text field name allowed). ``prompt``: the
    task's prompt, a generative kind's ``prompt`` when the section sets none."""
    return _checked(name, cfg, None, prompt)


def _checked(
    name: str,
    cfg: Mapping[str, Any],
    text_fields: Sequence[str] | None,
    prompt: Mapping[str, Any] | None = None,
) -> tuple[ModelKind, Any]:
    if not isinstance(cfg, Mapping) or "kind" not in cfg:
        raise ConfigError(f"models.{name}: needs a 'kind' (one of {sorted(KINDS)})")
    try:
        spec = get_kind(cfg["kind"])
    except ConfigError as exc:
        raise ConfigError(f"models.{name}: {exc}") from None
    fields = cfg.get("text_fields")
    if fields is not None:
        allowed = list(TEXT_FIELDS if text_fields is None else text_fields)
        bad = [f for f in fields if not isinstance(f, str) or (text_fields is not None and f not in allowed)]
        if bad or not fields:
            raise ConfigError(
                f"models.{name}.text_fields {list(fields)}: unknown field(s) {bad}: each must be one of "
                f"{allowed}"
                + ("" if text_fields is None else " (posts: `transcript` or a posts.text_columns column)")
            )
        if not spec.reads("text"):
            raise ConfigError(f"models.{name}: kind {spec.name} reads no text, text_fields is not used")
    if spec.prompted and prompt is not None and cfg.get("prompt") is None:
        cfg = {**cfg, "prompt": prompt}
    return spec, spec.parse_params(cfg, f"models.{name} (kind {spec.name})")


def model_settings(name: str, cfg: Mapping[str, Any]) -> dict[str, Any]:
    """What of section ``models.<name>`` changes the model's predictions: its ``kind`` and its
    parameters' output settings (:func:`polimodal.options.output_settings`: defaults filled in,
    ``text_fields`` included, canonical; without the ``NOT_OUTPUT`` keys of its kind's dataclass,
    such as ``device``, ``eval_batch_size``, ``log_every``, and without the keys its settings make
    moot).

    The train and classify rules pass this as their params (Snakemake retrains when it changes);
    their jobs read the whole section from the config.
    """
    spec, options = parse_model_config(name, cfg)
    return {"kind": spec.name, **output_settings(options)}
