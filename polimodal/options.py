"""Stage options from a config section: dataclass fields are the allowed keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, TypeVar

from polimodal.errors import ConfigError

T = TypeVar("T")


def options_from_section(cls: type[T], section: Mapping[str, Any] | None, name: str) -> T:
    """``cls(**section)``, missing keys taking the dataclass defaults; an unknown key is a
    :class:`ConfigError` naming the config section ``name`` and the keys it knows."""
    section = dict(section or {})
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(section) - known)
    if unknown:
        raise ConfigError(f"config {name}: unknown key(s) {unknown}; expected {sorted(known)}")
    return cls(**section)
