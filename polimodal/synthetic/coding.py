"""Known truth for the measurement loop (stand-ins, never a real stage).

:func:`simulated_corpus`: a corpus of two groups with known label shares and a classifier whose
errors differ by group, so that counting its predicted labels is biased and the truth is known.
:func:`simulated_coders`: coders who copy the true label except at a known disagreement rate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from polimodal.experiments.tasks import Task
from polimodal.types import PathLike


def simulated_corpus(
    n: int = 20_000,
    *,
    shares: Sequence[float] = (0.10, 0.25),
    sizes: Sequence[float] = (0.6, 0.4),
    offsets: Sequence[float] = (0.8, -0.9),
    separation: float = 1.6,
    seed: int = 0,
) -> pd.DataFrame:
    """``n`` items in groups ``g0``, ``g1``, ...: ``y`` drawn with each group's share, and ``pred``
    a classifier's probability ``expit(separation * (2y - 1) + offset_g + noise)``: a
    positive offset makes a group's false positives common (its share is overestimated), a
    negative one its false negatives. Columns: item_id, group, y, pred, label (pred > 0.5), x (a
    covariate: the group as 0/1 for two groups)."""
    rng = np.random.default_rng(seed)
    group = rng.choice(len(sizes), size=n, p=np.asarray(sizes) / np.sum(sizes))
    y = (rng.random(n) < np.asarray(shares)[group]).astype(float)
    logit = separation * (2 * y - 1) + np.asarray(offsets)[group] + rng.normal(0, 1.0, n)
    pred = 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "item_id": [f"v{i:07d}" for i in range(n)],
            "group": [f"g{g}" for g in group],
            "y": y,
            "pred": pred,
            "label": (pred > 0.5).astype(float),
            "x": group.astype(float),
        }
    )


def simulated_coders(
    truth: pd.Series,
    values: Sequence[str],
    *,
    coders: Sequence[str] = ("coder_a", "coder_b"),
    disagreement: float = 0.1,
    task: str = "label",
    seed: int = 0,
) -> pd.DataFrame:
    """Codes in long form (item_id, coder, task, value): the first coder gives the true value, every
    other coder the true value except, with probability ``disagreement``, another value at random.
    ``truth``: item_id -> true value."""
    rng = np.random.default_rng(seed)
    rows = []
    for item, value in truth.items():
        for k, coder in enumerate(coders):
            given = str(value)
            if k > 0 and rng.random() < disagreement:
                given = str(rng.choice([v for v in values if v != str(value)]))
            rows.append((str(item), coder, task, given))
    return pd.DataFrame(rows, columns=["item_id", "coder", "task", "value"])


def simulate_step(
    batch: PathLike, sheet: pd.DataFrame, tasks: Sequence[Task], cfg: Mapping[str, Any], out: PathLike
) -> pd.DataFrame:
    """The demo's simulated coders' codes of one batch (item_id, coder, task, value) as CSV: the
    sheet's label is the truth, coders from ``cfg['coders']`` (the first copies the truth, each
    other one disagrees with probability ``cfg['disagreement']``)."""
    drawn = pd.read_parquet(batch)
    number = int(drawn["batch"].iloc[0]) if len(drawn) else 0
    truth_sheet = sheet.set_index("video_id")
    parts = []
    for k, task in enumerate(tasks):
        column = task.column
        truth = truth_sheet.loc[list(drawn["item_id"]), column].astype(str).str.strip()
        truth = truth[truth != ""]
        parts.append(
            simulated_coders(
                truth,
                list(task.values),
                coders=list(cfg["coders"]),
                task=task.name,
                disagreement=float(cfg["disagreement"]),
                seed=int(cfg.get("seed", 0)) + 1000 * number + k,
            )
        )
    codes = pd.concat(parts, ignore_index=True)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    codes.to_csv(out, index=False)
    return codes
