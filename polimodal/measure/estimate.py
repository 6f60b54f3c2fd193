"""Corpus estimates from predictions and a coded sample: shares, group differences, regressions.

A classifier's predicted labels, counted over the corpus, estimate a share with the classifier's
errors in it: when its errors differ by group, the group shares and their differences are biased,
and a binomial interval around a count has no room for that bias. A coded sample with known
inclusion probabilities corrects it. Three estimates are given side by side:

- ``coded``: the coded sample alone, each item weighted by ``1 / pi`` (the Hajek estimator, an
  M-estimator over the corpus): unbiased, wide;
- ``predicted``: the mean of the predictions over the corpus with the binomial interval a count is
  usually given: what a count of predicted labels reports, its bias included;
- ``corrected``: the predictions' mean over the corpus plus the coded items' mean residual,
  ``lam * mean(yhat) + sum_coded w (y - lam * yhat) / sum_coded w`` with ``w = 1 / pi``: DSL's
  correction (Egami et al. 2023: each coded item's residual weighted by its own inclusion
  probability) in the Hajek form that PPI++ uses for its rectifier. Its mean is unbiased (to first
  order) for the corpus share whatever the classifier's errors, because the residuals are
  estimated from a probability sample. Its variance is ``lam^2 var(yhat) / N`` (superpopulation,
  conservative for the share of this corpus) plus the sandwich variance of the weighted residual
  mean. ``lam`` = 0 gives exactly the coded-only estimate, so the tuned ``lam`` (below) is never
  wider than coding alone but by the noise of tuning it.

Why DSL rather than prediction-powered inference (PPI, Angelopoulos et al. 2023): PPI assumes a
labelled sample drawn uniformly at random; DSL's pseudo-outcomes take each item's own inclusion
probability, which stratified and score-enriched coding samples need. Under a simple random sample
with ``lam`` = 1 the two give the same point estimate (``tests/test_measure_estimate.py`` checks it
against ``ppi_py``). ``lam`` is tuned from the data by default, as PPI++ does ("power tuning": the
``lam`` that minimises the variance above, :func:`rectifier_lambda`); ``lam=1`` is DSL as
published.

Regressions of a label on covariates use the same pseudo-outcomes in the estimating equations of
the model (``lam`` = 1): least squares for a linear probability model, the logistic score equations
for a logit, with sandwich (heteroskedasticity-robust) standard errors.

Predictions of coded items must come from models that did not train on them (cross-fitting); the
caller's job (:mod:`polimodal.measure` documents how the workflow guarantees it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from polimodal.errors import ConfigError

#: The three kinds of estimate, in the order the tables and figures show them.
METHODS = ("coded", "predicted", "corrected")


@dataclass(frozen=True)
class Estimate:
    """One estimate with its standard error and confidence interval."""

    method: str
    value: float
    se: float
    low: float
    high: float
    n_items: int
    n_coded: int


def _interval(value: float, se: float, level: float) -> tuple[float, float]:
    z = float(stats.norm.ppf(0.5 + level / 2))
    return value - z * se, value + z * se


def _check_inputs(pred: np.ndarray, gold: np.ndarray, coded: np.ndarray, pi: np.ndarray) -> None:
    n = len(pred)
    if not (len(gold) == len(coded) == len(pi) == n):
        raise ValueError("pred, gold, coded and pi must have one value per item of the corpus")
    bad = coded & ~((pi > 0) & (pi <= 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ConfigError(
            f"item {i}: a coded item needs an inclusion probability in (0, 1]; it has {pi[i]!r}"
        )
    if np.isnan(gold[coded]).any():
        raise ConfigError("a coded item has no label: every coded item needs its gold label")


def tuned_lambda(pred: np.ndarray, gold: np.ndarray, coded: np.ndarray, pi: np.ndarray) -> float:
    """The ``lam`` that minimises the sample variance of the pseudo-outcomes (power tuning).

    ``y~ = a + lam * b`` with ``a = R y / pi`` and ``b = yhat (1 - R / pi)``: its variance is least at
    ``lam = -cov(a, b) / var(b)``; clipped to [0, 1] (between coding alone and DSL as published).
    """
    w = np.where(coded, 1.0 / np.where(coded, pi, 1.0), 0.0)
    a = w * np.where(coded, gold, 0.0)
    b = pred * (1.0 - w)
    var_b = float(np.var(b))
    if var_b <= 0:
        return 1.0
    lam = -float(np.cov(a, b, ddof=0)[0, 1]) / var_b
    return float(np.clip(lam, 0.0, 1.0))


def rectifier_lambda(pred: np.ndarray, y: np.ndarray, f: np.ndarray, w: np.ndarray) -> float:
    """The ``lam`` that minimises the variance of the corrected mean (power tuning, as PPI++):
    ``lam^2 var(yhat) / N + sum w^2 ((y - ybar) - lam (f - fbar))^2 / (sum w)^2`` over ``lam``,
    clipped to [0, 1]. ``pred``: every item's prediction; ``y``, ``f``, ``w``: the coded items'
    labels, predictions and weights ``1 / pi``."""
    if len(y) < 2:
        return 1.0
    sw = float(np.sum(w))
    dy = y - np.sum(w * y) / sw
    df = f - np.sum(w * f) / sw
    s_yf = float(np.sum(w**2 * dy * df)) / sw**2
    s_ff = float(np.sum(w**2 * df * df)) / sw**2
    denom = float(pred.var(ddof=1)) / len(pred) + s_ff if len(pred) > 1 else s_ff
    return 1.0 if denom <= 0 else float(np.clip(s_yf / denom, 0.0, 1.0))


def pseudo_outcomes(
    pred: np.ndarray, gold: np.ndarray, coded: np.ndarray, pi: np.ndarray, lam: float = 1.0
) -> np.ndarray:
    """DSL's pseudo-outcome of every item: ``lam * yhat + R / pi * (y - lam * yhat)``."""
    correction = np.zeros(len(pred))
    correction[coded] = (gold[coded] - lam * pred[coded]) / pi[coded]
    return lam * pred + correction


def estimate_mean(
    pred: Sequence[float] | np.ndarray,
    gold: Sequence[float] | np.ndarray,
    coded: Sequence[bool] | np.ndarray,
    pi: Sequence[float] | np.ndarray,
    *,
    level: float = 0.95,
    lam: float | None = None,
    counted: Sequence[float] | np.ndarray | None = None,
) -> dict[str, Estimate]:
    """The three estimates (:data:`METHODS`) of the corpus mean of a 0/1 outcome.

    ``pred``: every item's prediction (a probability or a 0/1 label); ``gold``: the coded label
    (NaN where not coded); ``coded``: whether the item is in the coded sample; ``pi``: its
    inclusion probability (read for coded items only). ``lam``: None tunes it (power tuning).
    ``counted``: the predicted 0/1 labels that ``predicted`` counts (default: ``pred``).
    """
    pred = np.asarray(pred, dtype=float)
    gold = np.asarray(gold, dtype=float)
    coded = np.asarray(coded, dtype=bool)
    pi = np.asarray(pi, dtype=float)
    _check_inputs(pred, gold, coded, pi)
    n, n_coded = len(pred), int(coded.sum())
    out: dict[str, Estimate] = {}

    # coded only: the Hajek estimator, sum w (y - theta) = 0 over the coded items, sandwich variance
    if n_coded:
        w = 1.0 / pi[coded]
        y = gold[coded]
        theta = float(np.sum(w * y) / np.sum(w))
        se = float(np.sqrt(np.sum((w * (y - theta)) ** 2)) / np.sum(w)) if n_coded > 1 else np.nan
    else:
        theta = se = np.nan
    out["coded"] = Estimate("coded", theta, se, *_interval(theta, se, level), n, n_coded)

    # predicted labels counted: the binomial interval a count is given
    p = float(np.mean(pred if counted is None else np.asarray(counted, dtype=float))) if n else np.nan
    se = float(np.sqrt(max(p * (1 - p), 0.0) / n)) if n else np.nan
    out["predicted"] = Estimate("predicted", p, se, *_interval(p, se, level), n, n_coded)

    # corrected: the predictions' mean plus the coded items' mean residual (Hajek-weighted), with
    # lam tuned (a difference estimator: lam = 0 is the coded-only estimate above)
    if n_coded:
        w = 1.0 / pi[coded]
        use = rectifier_lambda(pred, gold[coded], pred[coded], w) if lam is None else lam
        e = gold[coded] - use * pred[coded]
        rect = float(np.sum(w * e) / np.sum(w))
        theta = use * float(pred.mean()) + rect
        var_pred = float(pred.var(ddof=1)) / n if n > 1 else 0.0
        var_rect = float(np.sum((w * (e - rect)) ** 2) / np.sum(w) ** 2) if n_coded > 1 else np.nan
        se = float(np.sqrt(use**2 * var_pred + var_rect))
    else:
        theta = se = np.nan
    out["corrected"] = Estimate("corrected", theta, se, *_interval(theta, se, level), n, n_coded)
    return out


def estimate_shares(
    frame: pd.DataFrame,
    *,
    group_by: str | None = None,
    level: float = 0.95,
    lam: float | None = None,
) -> pd.DataFrame:
    """The three estimates of a 0/1 outcome's share over the corpus and per group, and the
    differences between each group and the first (in sorted order).

    ``frame``: one row per corpus item with ``pred``, ``gold`` (NaN uncoded), ``coded``, ``pi``,
    optionally ``label`` (the predicted 0/1 label that ``predicted`` counts) and the ``group_by``
    column. Columns: group, method, estimate, se, low, high, n_items, n_coded,
    kind (``share`` or ``difference``; a difference row's group is ``"g - first"``).
    """
    rows: list[dict[str, object]] = []
    parts: list[tuple[str, pd.DataFrame]] = [("all", frame)]
    if group_by is not None:
        if group_by not in frame.columns:
            raise ConfigError(f"group_by: no column {group_by!r} (columns: {list(frame.columns)})")
        parts += [(str(g), part) for g, part in frame.groupby(group_by, sort=True)]
    by_group: dict[str, dict[str, Estimate]] = {}
    for name, part in parts:
        counted = part["label"] if "label" in part.columns else None
        est = estimate_mean(
            part["pred"], part["gold"], part["coded"], part["pi"], level=level, lam=lam, counted=counted
        )
        by_group[name] = est
        rows += [_row(name, "share", e) for e in est.values()]
    groups = [g for g, _ in parts[1:]]
    for g in groups[1:]:
        for m in METHODS:
            a, b = by_group[g][m], by_group[groups[0]][m]
            value, se = a.value - b.value, float(np.hypot(a.se, b.se))
            diff = Estimate(
                m, value, se, *_interval(value, se, level), a.n_items + b.n_items, a.n_coded + b.n_coded
            )
            rows.append(_row(f"{g} - {groups[0]}", "difference", diff))
    return pd.DataFrame(rows)


def _row(group: str, kind: str, e: Estimate) -> dict[str, object]:
    return {
        "group": group,
        "kind": kind,
        "method": e.method,
        "estimate": e.value,
        "se": e.se,
        "low": e.low,
        "high": e.high,
        "n_items": e.n_items,
        "n_coded": e.n_coded,
    }


def _logit_fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, iterations: int = 50) -> np.ndarray:
    """Solve the weighted logistic score equations ``sum w x (y - expit(x b)) = 0`` by Newton's
    method (``y`` may leave [0, 1]: the pseudo-outcomes do, and statsmodels' Binomial refuses them)."""
    beta = np.zeros(x.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        step = np.linalg.solve((x * (w * p * (1 - p))[:, None]).T @ x, x.T @ (w * (y - p)))
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            break
    return beta


def regression(
    frame: pd.DataFrame,
    covariates: Sequence[str],
    *,
    model: str = "linear",
    outcome: str = "y_tilde",
    level: float = 0.95,
) -> pd.DataFrame:
    """Coefficients of a regression of ``outcome`` on ``covariates`` (categorical columns become
    indicators against their first level), with sandwich standard errors.

    ``outcome``: ``y_tilde`` (DSL pseudo-outcomes: run :func:`add_pseudo_outcomes` first), ``pred``
    (the predictions, uncorrected) or ``gold`` (coded items only, weighted by ``1 / pi``).
    ``model``: ``linear`` (linear probability) or ``logit``.
    """
    if model not in ("linear", "logit"):
        raise ConfigError(f"regression model {model!r}: linear or logit")
    data = frame
    weights = np.ones(len(frame))
    if outcome == "gold":
        data = frame[frame["coded"].astype(bool)]
        weights = 1.0 / data["pi"].to_numpy(dtype=float)
    x = pd.get_dummies(data[list(covariates)], drop_first=True, dtype=float)
    names = ["intercept", *x.columns]
    xm = np.column_stack([np.ones(len(data)), x.to_numpy(dtype=float)])
    y = data[outcome].to_numpy(dtype=float)
    if model == "linear":
        xtw = xm.T * weights
        bread = np.linalg.inv(xtw @ xm)
        beta = bread @ (xtw @ y)
        resid = y - xm @ beta
    else:
        beta = _logit_fit(xm, y, weights)
        p = 1.0 / (1.0 + np.exp(-(xm @ beta)))
        bread = np.linalg.inv((xm * (weights * p * (1 - p))[:, None]).T @ xm)
        resid = y - p
    meat = (xm * (weights * resid)[:, None]).T @ (xm * (weights * resid)[:, None])
    cov = bread @ meat @ bread
    se = np.sqrt(np.diag(cov))
    z = float(stats.norm.ppf(0.5 + level / 2))
    return pd.DataFrame(
        {
            "term": names,
            "estimate": beta,
            "se": se,
            "low": beta - z * se,
            "high": beta + z * se,
            "outcome": outcome,
            "model": model,
        }
    )


def add_pseudo_outcomes(frame: pd.DataFrame, lam: float = 1.0) -> pd.DataFrame:
    """``frame`` with a ``y_tilde`` column (DSL's pseudo-outcomes, ``lam`` = 1 as published)."""
    out = frame.copy()
    out["y_tilde"] = pseudo_outcomes(
        out["pred"].to_numpy(dtype=float),
        out["gold"].to_numpy(dtype=float),
        out["coded"].to_numpy(dtype=bool),
        out["pi"].to_numpy(dtype=float),
        lam,
    )
    return out
