"""Config ``coding`` checked at start-up, before any job, and the coders' files found.

:func:`check_coding` (called by :func:`polimodal.startup.check_run`) names the key, batch, file or
column that is wrong: a design that cannot be drawn (n, method, strata, allocation, the task /
model / value a ``scores`` design reads), a drawn batch whose design the config has since changed
(a batch is never redrawn), a crossfit model that is not defined, an adjudication rule, a group
column or label column the sheet does not have, a file in the coders' folder of no known type or
of a batch that is not listed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from polimodal.errors import ConfigError
from polimodal.measure.loop import CODED_SUFFIXES, design_from_config
from polimodal.types import PathLike

_BATCH_DIR = re.compile(r"batch(\d+)$")
#: The design each drawn batch was drawn with, written beside it (``results/coding/batchN/``).
DESIGN_FILE = "design.json"


def coding_enabled(config: Mapping[str, Any]) -> bool:
    coding = config.get("coding") or {}
    return bool(coding.get("batches") or coding.get("declared"))


def coding_models(config: Mapping[str, Any], models: Sequence[str]) -> list[str]:
    """The crossfit model, when the loop runs and it is not one of the run's ``models``."""
    if not coding_enabled(config):
        return []
    model = ((config["coding"].get("crossfit") or {}).get("model")) or "svm"
    _check_crossfit_model(config, model)
    return [] if model in models else [model]


def _check_crossfit_model(config: Mapping[str, Any], model: str) -> None:
    if model not in (config.get("models") or {}):
        raise ConfigError(
            f"config coding.crossfit.model: {model!r} is not defined under `models:` "
            f"(defined: {sorted(config.get('models') or {})})"
        )


def coded_files(folder: PathLike, n_batches: int) -> dict[int, list[str]]:
    """Batch number -> the coders' files of ``folder/batchN/`` (sorted). A ConfigError names a
    file of no known type, or a folder of a batch that ``coding.batches`` does not list."""
    out: dict[int, list[str]] = {b: [] for b in range(1, n_batches + 1)}
    root = Path(folder)
    if not root.is_dir():
        return out
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        m = _BATCH_DIR.match(sub.name)
        if m is None:
            continue
        batch = int(m.group(1))
        files = sorted(p for p in sub.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))
        if files and batch not in out:
            raise ConfigError(
                f"{files[0]}: codes of batch {batch}, but coding.batches lists {n_batches} batch(es)"
            )
        for f in files:
            if f.suffix.lower() not in CODED_SUFFIXES:
                raise ConfigError(
                    f"{f}: not a coded file (a Label Studio export .json, or a coding sheet .csv/.xlsx)"
                )
            out[batch].append(str(f))
    return out


def check_coding(
    config: Mapping[str, Any], sheet: pd.DataFrame, models: Sequence[str], results: PathLike = "results"
) -> None:
    """Config ``coding`` against the sheet, tasks and models (module docstring)."""
    coding = config.get("coding") or {}
    batches = list(coding.get("batches") or [])
    declared = coding.get("declared")
    if declared is not None:
        if batches:
            raise ConfigError(
                "config coding: `declared` (a sheet coded elsewhere) and `batches` (drawn here) "
                "exclude each other; keep one"
            )
        if declared != "random" and declared not in sheet.columns:
            raise ConfigError(
                f"config coding.declared: {declared!r} is neither 'random' nor a column of the sheet "
                f"(a column of inclusion probabilities; columns: {list(sheet.columns)})"
            )
    if not batches and declared is None:
        return
    tasks = config.get("tasks") or {}
    if not tasks:
        raise ConfigError("config coding.batches: the loop codes the config's tasks, and there is none")
    items = sheet.rename(columns={"video_id": "item_id"}).assign(codable=True)
    for i, cfg in enumerate(batches):
        where = f"coding.batches[{i}]"
        if not isinstance(cfg, Mapping):
            raise ConfigError(f"{where}: {cfg!r}; a batch is a mapping (n, method, seed ...)")
        design = design_from_config(cfg, where)
        if design.method == "scores":
            task, value = str(cfg["task"]), str(cfg["value"])
            if task not in tasks:
                raise ConfigError(f"{where}.task: {task!r} is no task (tasks: {sorted(tasks)})")
            values = [str(v) for v in tasks[task].get("values") or []]
            if value not in values:
                raise ConfigError(f"{where}.value: {value!r} is none of task {task!r}'s values {values}")
            chosen = (config.get("classify") or {}).get(task, "best")
            if chosen == "best" or cfg["model"] not in chosen:
                raise ConfigError(
                    f"{where}.model: {cfg['model']!r} does not classify task {task!r}'s corpus "
                    f"(classify.{task}: {chosen!r}); name it there: classify: {{{task}: [{cfg['model']}]}}"
                )
            items = items.assign(**{design.score: 0.5})  # the scores come from the classified table
        design.check(items, where)
        drawn = Path(results) / "coding" / f"batch{i + 1}" / DESIGN_FILE
        if drawn.exists():
            before = json.loads(drawn.read_text())
            if before != json.loads(json.dumps(dict(cfg))):
                raise ConfigError(
                    f"{where}: batch {i + 1} was drawn with {before} ({drawn}); the config now says "
                    f"{dict(cfg)}. A drawn batch is never redrawn: restore its design, or add a new batch"
                )
    crossfit = coding.get("crossfit") or {}
    _check_crossfit_model(config, crossfit.get("model", "svm"))
    rule = str(coding.get("adjudicate", "majority"))
    simulate = coding.get("simulate") or None
    if not (rule in ("majority", "list") or rule.startswith("adjudicator:")):
        raise ConfigError(f"config coding.adjudicate: {rule!r}; majority, adjudicator:NAME or list")
    if rule.startswith("adjudicator:") and simulate and rule.split(":", 1)[1] not in simulate["coders"]:
        raise ConfigError(
            f"config coding.adjudicate: {rule!r} names no coder of coding.simulate.coders "
            f"{simulate['coders']}"
        )
    group = coding.get("group_by")
    if group is not None and group not in sheet.columns:
        raise ConfigError(
            f"config coding.group_by: {group!r} is no column of the sheet ({list(sheet.columns)})"
        )
    if simulate or coding.get("truth"):
        key = "simulate" if simulate else "truth"
        for name, cfg in tasks.items():
            column = str((cfg or {}).get("column") or name)
            if column not in sheet.columns:
                raise ConfigError(
                    f"config coding.{key}: the sheet's labels are the truth, and it has no column "
                    f"{column!r} (task {name!r})"
                )
    coded_files(coding.get("codes", "coding"), len(batches))
