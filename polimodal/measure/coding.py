"""What a coding form of a batch shows and accepts, shared by the Label Studio project
(:mod:`.labelstudio`) and the coding sheet (:mod:`.sheet`).

- :func:`applies`: which items of the batch a task applies to (its ``subset``, see
  :mod:`polimodal.experiments.tasks`): an item outside it must not be coded for the task;
- :func:`project_token`: a short fingerprint of the tasks' names and values and the batch, carried
  by every exported item so that an import can tell an export of another project or batch;
- :func:`check_items`: the batch's item ids, checked for being there and unique.

A task's ``subset`` on a coding form: ``None`` (every item; Label Studio requires a code),
``labelled`` (every item, a code is optional: the coder leaves it empty where the task has no
label), a column filter (the items whose columns match; the batch items must carry the columns).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import pandas as pd

from polimodal.errors import ConfigError
from polimodal.experiments.tasks import Task


def check_items(items: pd.DataFrame, where: str = "batch items") -> pd.Series:
    """The item ids of ``items`` as strings; ConfigError for a missing column or a duplicate id."""
    if "item_id" not in items.columns:
        raise ConfigError(f"{where}: no column 'item_id' (columns: {list(items.columns)})")
    ids = items["item_id"].astype(str)
    twice = ids[ids.duplicated()]
    if len(twice):
        raise ConfigError(f"{where}: item {twice.iloc[0]!r} is listed twice")
    return ids


def applies(task: Task, items: pd.DataFrame) -> pd.Series:
    """One bool per row of ``items``: whether ``task`` applies to the item (module docstring)."""
    out = pd.Series(True, index=items.index)
    if isinstance(task.subset, dict):
        for column, values in task.subset.items():
            if column not in items.columns:
                raise ConfigError(
                    f"task {task.name!r}: its subset names column {column!r}, which the batch items "
                    f"have not (columns: {list(items.columns)}); pass the items with that column"
                )
            out &= items[column].astype(str).str.strip().isin(values)
    return out


def project_token(tasks: Sequence[Task], batch: int) -> str:
    """16 hex digits fixed by the tasks' names and values (in order) and the batch number."""
    key = json.dumps([[[t.name, list(t.values)] for t in tasks], int(batch)])
    return hashlib.sha256(key.encode()).hexdigest()[:16]
