"""Inter-coder agreement and adjudication of a coded sample.

Input: the codes in long form, one row per item x coder x task (``item_id``, ``coder``, ``task``,
``value``), as the Label Studio and spreadsheet imports give them.

- :func:`agreement`: per task, Krippendorff's alpha (nominal, the ``krippendorff`` package) with a
  bootstrap confidence interval over items, percent agreement (of the items coded by two or more),
  Cohen's kappa (scikit-learn) for each pair of coders, the number of items in disagreement.
- :func:`confusion`: a coder x coder confusion table of one task.
- :func:`adjudicate`: one label per item and task by a named rule: ``majority`` (a tie stays
  unsettled), ``adjudicator:NAME`` (that coder's label settles a disagreement) or ``list`` (only
  unanimous items are settled). The result keeps beside each label the number of coders and whether
  they agreed, and lists the unsettled items to settle by hand.
"""

from __future__ import annotations

from itertools import combinations

import krippendorff
import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

from polimodal.errors import LabelError

CODE_COLUMNS = ["item_id", "coder", "task", "value"]


def check_codes(codes: pd.DataFrame, values: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """The codes with their columns checked; LabelError naming the item, coder and value for a
    missing column, an item coded twice by the same coder for a task, or a value outside the task's
    (``values``: task -> allowed values)."""
    missing = [c for c in CODE_COLUMNS if c not in codes.columns]
    if missing:
        raise LabelError(f"codes: missing column(s) {missing}; a code is {CODE_COLUMNS}")
    codes = codes[CODE_COLUMNS].astype(str)
    twice = codes.duplicated(["item_id", "coder", "task"], keep=False)
    if twice.any():
        row = codes[twice].iloc[0]
        raise LabelError(
            f"item {row.item_id!r} is coded twice by coder {row.coder!r} for task {row.task!r}: "
            f"{sorted(codes[twice & (codes.item_id == row.item_id) & (codes.coder == row.coder)].value)}"
        )
    if values is not None:
        for task, part in codes.groupby("task"):
            if task not in values:
                raise LabelError(
                    f"codes name task {task!r}, which the config has not (tasks: {sorted(values)})"
                )
            bad = part[~part["value"].isin([str(v) for v in values[task]])]
            if len(bad):
                row = bad.iloc[0]
                raise LabelError(
                    f"item {row.item_id!r}, coder {row.coder!r}, task {task!r}: value {row.value!r} is "
                    f"none of {list(values[task])}"
                )
    return codes


def _reliability(part: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Coders x items matrix of value indices (NaN: not coded), and the values."""
    values = sorted(part["value"].unique())
    wide = part.pivot(index="coder", columns="item_id", values="value")
    matrix = wide.apply(lambda col: col.map({v: i for i, v in enumerate(values)})).to_numpy(dtype=float)
    return matrix, values


def _alpha(matrix: np.ndarray, n_values: int) -> float:
    pairable = (~np.isnan(matrix)).sum(axis=0) >= 2
    m = matrix[:, pairable]
    if m.shape[1] == 0:
        return float("nan")
    if len(np.unique(m[~np.isnan(m)])) < 2:
        return 1.0  # one value throughout: perfect agreement (krippendorff's alpha is undefined)
    return float(
        krippendorff.alpha(
            reliability_data=m, level_of_measurement="nominal", value_domain=list(range(n_values))
        )
    )


def agreement(codes: pd.DataFrame, *, n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """One row per task (and per pair of coders for Cohen's kappa: ``pair``), see module docstring."""
    codes = check_codes(codes)
    rows = []
    rng = np.random.default_rng(seed)
    for task, part in codes.groupby("task", sort=True):
        matrix, values = _reliability(part)
        n_coders = (~np.isnan(matrix)).sum(axis=0)
        multi = matrix[:, n_coders >= 2]
        alpha = _alpha(matrix, len(values))
        boots = []
        if multi.shape[1] >= 2 and n_boot:
            for _ in range(n_boot):
                pick = rng.integers(0, multi.shape[1], multi.shape[1])
                boots.append(_alpha(multi[:, pick], len(values)))
        boots_arr = np.asarray([b for b in boots if not np.isnan(b)])
        low, high = (
            np.quantile(boots_arr, [(1 - level) / 2, (1 + level) / 2]) if len(boots_arr) else (np.nan, np.nan)
        )
        agree = [len(set(col[~np.isnan(col)])) == 1 for col in multi.T]
        row = {
            "task": task,
            "n_items": int(matrix.shape[1]),
            "n_items_multi": int(multi.shape[1]),
            "n_coders": int(matrix.shape[0]),
            "alpha": alpha,
            "alpha_low": float(low),
            "alpha_high": float(high),
            "percent_agreement": float(np.mean(agree)) if agree else np.nan,
            "n_disagreements": int(len(agree) - sum(agree)),
        }
        coders = sorted(part["coder"].unique())
        kappas = {}
        for a, b in combinations(coders, 2):
            both = part.pivot(index="item_id", columns="coder", values="value")[[a, b]].dropna()
            if len(both):
                kappas[f"{a}|{b}"] = float(cohen_kappa_score(both[a], both[b], labels=values))
        row["cohen_kappa"] = kappas[next(iter(kappas))] if len(kappas) == 1 else np.nan
        row["cohen_kappa_pairs"] = "; ".join(f"{k}: {v:.3f}" for k, v in kappas.items())
        rows.append(row)
    return pd.DataFrame(rows)


def confusion(codes: pd.DataFrame, task: str, coder_a: str, coder_b: str) -> pd.DataFrame:
    """Counts of coder_a's value (rows) against coder_b's (columns) on the items both coded."""
    codes = check_codes(codes)
    part = codes[codes["task"] == task].pivot(index="item_id", columns="coder", values="value")
    both = part[[coder_a, coder_b]].dropna()
    values = sorted(codes.loc[codes["task"] == task, "value"].unique())
    return pd.crosstab(
        pd.Categorical(both[coder_a], categories=values),
        pd.Categorical(both[coder_b], categories=values),
        rownames=[coder_a],
        colnames=[coder_b],
        dropna=False,
    )


def adjudicate(codes: pd.DataFrame, rule: str = "majority") -> tuple[pd.DataFrame, pd.DataFrame]:
    """One label per item and task by ``rule`` (module docstring): (settled, unsettled).

    ``settled``: item_id, task, value, n_coders, agreed (all coders gave the value), rule.
    ``unsettled``: item_id, task, the values given by each coder (``coder=value; ...``), reason.
    """
    codes = check_codes(codes)
    adjudicator = None
    if rule.startswith("adjudicator:"):
        adjudicator = rule.split(":", 1)[1]
        if adjudicator not in set(codes["coder"]):
            raise LabelError(f"adjudication rule {rule!r}: no coder {adjudicator!r} in the codes")
    elif rule not in ("majority", "list"):
        raise LabelError(f"adjudication rule {rule!r}: majority, adjudicator:NAME or list")
    settled, unsettled = [], []
    for (item, task), part in codes.groupby(["item_id", "task"], sort=True):
        counts = part["value"].value_counts()
        given = "; ".join(f"{c}={v}" for c, v in zip(part["coder"], part["value"], strict=True))
        agreed = len(counts) == 1
        value, reason = None, ""
        if agreed:
            value = counts.index[0]
        elif rule == "majority":
            top = counts[counts == counts.iloc[0]]
            value, reason = (counts.index[0], "") if len(top) == 1 else (None, "tie")
        elif adjudicator is not None:
            own = part.loc[part["coder"] == adjudicator, "value"]
            value, reason = (own.iloc[0], "") if len(own) else (None, f"{adjudicator} did not code it")
        else:
            reason = "disagreement"
        if value is None:
            unsettled.append({"item_id": item, "task": task, "codes": given, "reason": reason})
        else:
            settled.append(
                {
                    "item_id": item,
                    "task": task,
                    "value": value,
                    "n_coders": len(part),
                    "agreed": agreed,
                    "rule": rule,
                }
            )
    return (
        pd.DataFrame(settled, columns=["item_id", "task", "value", "n_coders", "agreed", "rule"]),
        pd.DataFrame(unsettled, columns=["item_id", "task", "codes", "reason"]),
    )
