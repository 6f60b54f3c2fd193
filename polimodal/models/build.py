"""A model of a registered kind: its class, imported on first use, and its instance from a config
section. Above :mod:`polimodal.models.base` (the interface) and :mod:`polimodal.models.registry`
(the declarations, which the interface reads): the fold runner, corpus classification and the CLI
build every model here.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

from polimodal.errors import ConfigError
from polimodal.models.base import Model
from polimodal.models.registry import get_kind, parse_model_config


def model_class(kind: str) -> type[Model]:
    """The Model class of ``kind``, imported on first use."""
    spec = get_kind(kind)
    module, _, name = spec.target.partition(":")
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"model kind {kind!r}: cannot import {spec.target}: {exc}") from exc
    if getattr(cls, "kind", None) != spec.name:
        raise TypeError(f"{spec.target}.kind is {getattr(cls, 'kind', None)!r}, registered as {spec.name!r}")
    return cls


def build_model(
    name: str,
    cfg: Mapping[str, Any],
    classes: Sequence[str],
    *,
    seed: int = 0,
    prompt: Mapping[str, Any] | None = None,
) -> Model:
    """The model of config section ``models.<name>`` (checked first) for a task's ``classes``.

    The section is parsed once, into its kind's dataclass, and that object is the model's
    ``options``. ``prompt``: the task's prompt (``tasks.<task>.prompt``), given to a generative
    model as its ``prompt`` parameter unless its own section sets one.
    """
    spec, options = parse_model_config(name, cfg, prompt=prompt)  # text fields: checked at start-up
    return model_class(spec.name)(list(classes), options, seed)
