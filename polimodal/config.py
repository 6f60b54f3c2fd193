"""Reading a config file: YAML (or JSON, which YAML reads too) into a mapping, with errors that name
the file, the line and the column.

Snakemake's own message for a broken config file names neither ("Config file is not valid JSON or
YAML"): the ``Snakefile`` reads its ``configfile:`` with :func:`check_config_file` first, and the
``polimodal`` commands read theirs with :func:`load_config`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from polimodal.errors import ConfigError
from polimodal.types import PathLike

TAB_HINT = "tabs are not allowed for indentation in YAML: indent with spaces"


def _yaml_error(path: Path, text: str, exc: yaml.YAMLError) -> ConfigError:
    """``exc`` as a ConfigError naming ``path``, the line and column (1-based) and the cause."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is None:  # pragma: no cover - PyYAML marks every scanner and parser error
        return ConfigError(f"config {path}: not valid YAML: {exc}")
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"config {path}, line {mark.line + 1}, column {mark.column + 1}"
    lines = text.splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    if "\t" in indent:
        return ConfigError(f"{where}: {TAB_HINT} ({problem}): {line!r}")
    context, cmark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and cmark is not None and cmark.line != mark.line:
        problem += f" ({context} that starts at line {cmark.line + 1})"
    return ConfigError(f"{where}: not valid YAML: {problem}: {line!r}")


def load_yaml(path: PathLike) -> Any:
    """The YAML document of ``path``; ConfigError (file, line, column, cause) when it does not parse."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config {path} does not exist") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(f"config {path}, line {line}: not UTF-8 text ({exc.reason})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        error = _yaml_error(path, text, exc)
    try:  # JSON that PyYAML does not read (tabs between tokens): Snakemake reads it as JSON
        return json.loads(text)
    except ValueError:
        raise error from None


def load_config(path: PathLike) -> dict[str, Any]:
    """A config file as a mapping (an empty file: ``{}``); ConfigError naming the file and line."""
    config = load_yaml(path)
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise ConfigError(f"config {path}: expected a mapping (key: value) at the top level")
    return config


def check_config_file(path: PathLike) -> None:
    """Raise ConfigError (file, line, cause) when ``path`` is not a config Snakemake can read: called
    by the ``Snakefile`` before its ``configfile:``, whose own error names neither file nor line. A
    missing file is left to Snakemake (with ``--configfile`` it is no error)."""
    if Path(path).exists():
        load_config(path)
