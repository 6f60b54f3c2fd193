"""Option dataclasses: the one source of every setting's name, default and allowed values.

A config section (``ingest``, ``transcribe``, ``frames``, ``embed``, ``dedup``, ``experiments``)
and a model's parameters are read into a dataclass by :func:`options_from_section`: the
dataclass's fields are the allowed keys, their defaults the defaults, their annotations the
types a value must have (``lr: fast`` for a ``float`` is an error naming the key), and a field's metadata
may declare ``choices`` (allowed values) or a regex ``pattern``; anything else the dataclass
checks in a ``check(where)`` method. The JSON schema of the config repeats types and defaults
for Snakemake's start-up validation; ``tests/test_options.py`` proves they agree with the
dataclasses.

Which settings change a stage's output is declared here too: a dataclass lists the fields that
do not in a ``NOT_OUTPUT`` class variable (where and how politely a job runs: devices, batch
sizes, retries, pauses, timeouts, cookies), and :func:`output_settings` gives the others in a
canonical form. The rules pass that as their params (Snakemake reruns a job when its params
change) and the per-video work keys of :mod:`polimodal.corpus.shards` hash it, so a setting
outside it, or a default written out, reruns nothing. A dataclass may also say which of its keys
the other settings make moot, in a ``no_effect()`` method (key -> the setting, e.g. a frame
model's ``threshold`` under ``video_score: mean_prob``): they are left out of the output settings
too, and writing one is an error at start-up (:func:`no_effect_keys`,
:func:`polimodal.startup.check_no_effect`).
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, Field, field, fields
from typing import Any, TypeVar

from polimodal.errors import ConfigError

T = TypeVar("T")

#: A device setting: auto, cpu, cuda or cuda:N.
DEVICE_PATTERN = r"^(auto|cpu|cuda(:[0-9]+)?)$"


def choice(default: Any, choices: Sequence[Any]) -> Any:
    """A dataclass field whose value must be one of ``choices``."""
    return field(default=default, metadata={"choices": tuple(choices)})


def device_field(default: str = "auto") -> Any:
    """A dataclass field holding a device setting (:data:`DEVICE_PATTERN`)."""
    return field(default=default, metadata={"pattern": DEVICE_PATTERN})


def default_of(f: Field[Any]) -> Any:
    """The default value of a dataclass field (MISSING when it has none)."""
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return MISSING


def _allows_none(f: Field[Any]) -> bool:
    return "None" in str(f.type) or f.type is Any


def type_ok(value: Any, hint: Any) -> bool:
    """Whether ``value`` (read from YAML) has the type ``hint`` of a dataclass field.

    ``int``: an integer (not a bool); ``float``: any number (not a bool); ``bool``: true/false;
    ``list[X]`` / ``tuple[X, ...]``: a list of X; unions: any member; ``Any`` and other types: anything.
    """
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(type_ok(value, h) for h in typing.get_args(hint))
    if hint is type(None) or hint is None:
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if origin in (list, tuple):
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        return isinstance(value, list | tuple) and all(type_ok(v, args[0]) for v in value if args)
    return True


def type_name(hint: Any) -> str:
    """``hint`` in words: ``a number``, ``a list of strings``, ``a string or null`` ..."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return " or ".join(type_name(h) for h in typing.get_args(hint))
    if typing.get_origin(hint) in (list, tuple):
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        return "a list" + (f" of {type_name(args[0]).split(' ', 1)[-1]}s" if args else "")
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string", type(None): "null"}
    return names.get(hint, str(hint))


def _type_error(where: str, value: Any, hint: Any) -> ConfigError:
    hint_text = ""
    if isinstance(value, str) and "a number" in type_name(hint):
        try:
            float(value)
            hint_text = " (YAML reads 1e-4 as text: write 1.0e-4)"
        except ValueError:
            pass
    return ConfigError(f"{where}: {value!r} is not {type_name(hint)}{hint_text}")


def options_from_section(
    cls: type[T],
    section: Mapping[str, Any] | None,
    name: str,
    *,
    ignore: Sequence[str] = (),
    null_is_default: bool = False,
    noun: str = "key",
) -> T:
    """``cls(**section)``, missing keys taking the dataclass defaults, then checked.

    An unknown key (not a field, not in ``ignore``) is a :class:`ConfigError` naming the config
    section ``name`` and the keys it knows; so is a value outside a field's ``choices`` or
    ``pattern``, or one that ``cls.check`` rejects. ``null_is_default``: a ``null`` value of a
    field that cannot be None takes the default (model parameters, where ``null`` means "unset").
    A value of the wrong type for its field's annotation (:func:`type_ok`) is a ConfigError naming
    the key, the value and the type expected.
    """
    section = {k: v for k, v in dict(section or {}).items() if k not in ignore}
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(section) - set(known))
    if unknown:
        raise ConfigError(f"{name}: unknown {noun}(s) {unknown}; expected {sorted(known)}")
    if null_is_default:
        section = {k: v for k, v in section.items() if v is not None or _allows_none(known[k])}
    hints = typing.get_type_hints(cls)
    for key, value in section.items():
        if not type_ok(value, hints.get(key, Any)):
            raise _type_error(f"{name}.{key}", value, hints[key])
    try:
        opts = cls(**section)
    except TypeError as exc:  # pragma: no cover - dataclass keyword errors
        raise ConfigError(f"{name}: {exc}") from exc
    for f in known.values():
        value = getattr(opts, f.name)
        choices = f.metadata.get("choices")
        if choices is not None and value not in choices:
            raise ConfigError(f"{name}.{f.name}: {value!r} is not one of {list(choices)}")
        pattern = f.metadata.get("pattern")
        if pattern is not None and not re.fullmatch(pattern, str(value)):
            raise ConfigError(f"{name}.{f.name}: {value!r} does not match {pattern}")
    check = getattr(opts, "check", None)
    if callable(check):
        check(name)
    return opts


def output_settings(opts: Any) -> dict[str, Any]:
    """The settings of ``opts`` (an options dataclass) that change what its stage writes.

    Every field except those named in the class's ``NOT_OUTPUT`` and those its other settings
    make moot (``no_effect()``), in a canonical form: keys
    sorted, a whole number in a float field as a float (``fps: 1`` is ``fps: 1.0``), mappings
    sorted, tuples as lists. Defaults are filled in because ``opts`` was built with them (see
    :func:`options_from_section`), so writing a default out changes nothing. A class may fold
    values that give the same output into one in a ``canonical_output(settings)`` method.
    """
    skip = getattr(opts, "NOT_OUTPUT", frozenset()) | set(_no_effect(opts))
    settings = {f.name: _canonical(getattr(opts, f.name), f) for f in fields(opts) if f.name not in skip}
    canonical = getattr(opts, "canonical_output", None)
    if callable(canonical):
        settings = canonical(settings)
    return dict(sorted(settings.items()))


def _no_effect(opts: Any) -> dict[str, str]:
    moot = getattr(opts, "no_effect", None)
    return dict(moot()) if callable(moot) else {}


def no_effect_keys(opts: Any, section: Mapping[str, Any] | None) -> dict[str, str]:
    """The keys written in ``section`` (``opts`` was read from it) that have no effect under its
    other settings: key -> the setting that makes it moot (``no_effect()``). A key written as
    ``null`` counts as unset."""
    written = {k for k, v in dict(section or {}).items() if v is not None}
    return {k: why for k, why in _no_effect(opts).items() if k in written}


def _canonical(value: Any, f: Field[Any] | None = None) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int) and f is not None and "float" in str(f.type):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value
