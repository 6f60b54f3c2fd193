"""Every mistake that can be known before work starts: checked when the workflow is parsed.

:func:`check_run` is called by ``workflow/rules/common.smk`` at start-up (also for
``snakemake -n``), so a bad model kind, a misspelt model parameter, a model reference that does
not exist, or labels that do not fit their task stop the run before any job, with a message
that names the key, value or sheet line. It imports no model code (no torch): parsing stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pandas as pd

from polimodal.errors import ConfigError, ModelLoadError
from polimodal.experiments.tasks import Task, task_labels
from polimodal.models.registry import ModelKind, check_model_config
from polimodal.resolve import resolve_model_ref

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


def check_run(config: Mapping[str, Any], sheet: pd.DataFrame, models: Sequence[str]) -> dict[str, ModelKind]:
    """Check the models, model references and tasks of a run; return each model's kind.

    Raises ConfigError (model kind, parameter, reference) or LabelError (a task's label column
    missing, a label outside ``values``, a class with fewer than 2 examples) naming what is wrong.
    """
    kinds = {name: check_model_config(name, config["models"][name]) for name in models}
    for where, ref in model_refs(config, models):
        try:
            resolve_model_ref(ref)
        except ModelLoadError as exc:
            raise ConfigError(f"config {where}: {exc}") from None
    tasks = config.get("tasks") or {}
    for name, cfg in tasks.items():
        task_labels(Task.from_config(name, cfg or {}), sheet)
    check_prompts(tasks, {m: kinds[m] for m in models}, config.get("models") or {})
    for task, chosen in (config.get("classify") or {}).items():
        if task not in tasks:
            raise ConfigError(f"config classify.{task}: no such task (tasks: {sorted(tasks)})")
        unknown = [] if chosen == "best" else [m for m in chosen if m not in models]
        if unknown:
            raise ConfigError(
                f"config classify.{task}: model(s) {unknown} are not run (models: {list(models)})"
            )
    return kinds


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
