"""The pitch analysis as an estimate: how much higher matching words are said, by group.

The alignment study reports that MPs raise their pitch when they address the AfD, more so in some
parties. Group means with intervals (:func:`polimodal.align.query.pitch_by_group`) show it; the
number a political scientist reports is an estimate with its uncertainty from a model that knows
that words of one speaker are not independent:

    measure ~ matches + (1 | cluster)                  per group  (:func:`pitch_effect`)
    measure ~ matches * group + (1 | cluster)          all groups (:func:`pitch_interaction`)

``measure`` is a speaker-relative pitch column of the aligned table (default ``f0_mean_z``),
``matches`` is 1 for the words (or segments) matching the query, ``cluster`` is a sheet column
naming the speaker (or ``video_id``, the default: one random intercept per video). The fit is
statsmodels' linear mixed model (REML). Where it cannot be fitted — fewer than
:data:`MIN_CLUSTERS` clusters, a singular fit, no matching word — the row says so in ``method``
(``ols`` with cluster-robust errors when the mixed model fails; ``ols, few clusters`` with
heteroskedasticity-robust errors for two clusters, whose words are then treated as independent:
optimistic; ``none`` below two) instead of failing: a query over a small corpus still gives its table.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from polimodal.align.stats import measured_units
from polimodal.errors import ConfigError

log = logging.getLogger(__name__)

#: Fewer clusters than this: no random intercept (a variance from 2 clusters is noise).
MIN_CLUSTERS = 3
EFFECT_COLUMNS = [
    "term",
    "effect",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "n_words",
    "n_matching",
    "n_clusters",
    "method",
]


def _prepare(
    aligned: pd.DataFrame,
    sheet: pd.DataFrame | None,
    by: Sequence[str],
    pattern: str | None,
    words: Sequence[str] | None,
    unit: str,
    measure: str,
    cluster: str,
) -> pd.DataFrame:
    table = measured_units(aligned, sheet, [*by, cluster], pattern, words, unit=unit, measure=measure)
    table["y"] = table[measure].astype(float)
    table["x"] = table["matches"].astype(float)
    table["cluster"] = table[cluster].astype(str)
    return table


def _fit(data: pd.DataFrame, formula: str, terms: Sequence[str]) -> list[dict]:
    """Fit ``formula`` with a random intercept per cluster; rows for ``terms`` (falls back, see module)."""
    import statsmodels.formula.api as smf

    n_clusters = data["cluster"].nunique()
    base = {"n_words": len(data), "n_matching": int(data["x"].sum()), "n_clusters": int(n_clusters)}
    empty = [{"term": t, **base, "effect": np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan,
              "p_value": np.nan, "method": "none"} for t in terms]  # fmt: skip
    if base["n_matching"] == 0 or base["n_matching"] == len(data) or n_clusters < 2:
        return empty
    result, method = None, "mixed"
    if n_clusters >= MIN_CLUSTERS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter; a bad fit is caught below
            try:
                fit = smf.mixedlm(formula, data, groups=data["cluster"]).fit(reml=True)
                if fit.converged and np.all(np.isfinite(fit.bse[list(terms)])):
                    result = fit
            except (np.linalg.LinAlgError, ValueError) as exc:
                log.info("mixed model failed (%s): cluster-robust OLS instead", exc)
    if result is None and n_clusters >= MIN_CLUSTERS:
        method = "ols"  # the mixed model failed: cluster-robust errors instead
        result = smf.ols(formula, data).fit(cov_type="cluster", cov_kwds={"groups": data["cluster"]})
    elif result is None:
        method = "ols, few clusters"  # 2 clusters: a cluster-robust variance is degenerate
        result = smf.ols(formula, data).fit(cov_type="HC1")
    ci = result.conf_int()
    rows = []
    for t in terms:
        if t not in result.params.index:
            rows.append(next(r for r in empty if r["term"] == t))
            continue
        rows.append(
            {
                "term": t,
                **base,
                "effect": float(result.params[t]),
                "se": float(result.bse[t]),
                "ci_low": float(ci.loc[t, 0]),
                "ci_high": float(ci.loc[t, 1]),
                "p_value": float(result.pvalues[t]),
                "method": method,
            }
        )
    return rows


def pitch_effect(
    aligned: pd.DataFrame,
    sheet: pd.DataFrame | None,
    by: Sequence[str] | str = (),
    pattern: str | None = None,
    words: Sequence[str] | None = None,
    *,
    unit: str = "word",
    measure: str = "f0_mean_z",
    cluster: str = "video_id",
) -> pd.DataFrame:
    """Per group of ``by``: the difference in ``measure`` between matching and other words.

    One row per group: the group columns, then :data:`EFFECT_COLUMNS` (``term`` is ``matches``;
    ``effect`` in the unit of ``measure``, for ``f0_mean_z`` standard deviations of the speaker's
    pitch; 95 % interval).
    """
    by = [by] if isinstance(by, str) else list(by)
    data = _prepare(aligned, sheet, by, pattern, words, unit, measure, cluster)
    rows = []
    parts = data.groupby(by, sort=True, dropna=False) if by else [((), data)]
    for key, part in parts:
        key = key if isinstance(key, tuple) else (key,)
        for row in _fit(part, "y ~ x", ["x"]):
            rows.append({**dict(zip(by, key, strict=True)), **row, "term": "matches"})
    return pd.DataFrame(rows, columns=[*by, *EFFECT_COLUMNS])


def pitch_interaction(
    aligned: pd.DataFrame,
    sheet: pd.DataFrame,
    by: str,
    pattern: str | None = None,
    words: Sequence[str] | None = None,
    *,
    unit: str = "word",
    measure: str = "f0_mean_z",
    cluster: str = "video_id",
    reference: str | None = None,
) -> pd.DataFrame:
    """The interaction matches × group: how much larger each group's effect is than the reference's.

    Rows: ``matches`` (the reference group's effect), then ``matches × <group>`` for every other
    group (the difference of its effect from the reference's), with :data:`EFFECT_COLUMNS`.
    ``reference`` defaults to the first group in sort order.
    """
    data = _prepare(aligned, sheet, [by], pattern, words, unit, measure, cluster)
    data["group"] = data[by].astype(str)
    groups = sorted(data["group"].unique())
    if reference is None:
        reference = groups[0] if groups else ""
    if reference not in groups:
        raise ConfigError(f"estimate: reference group {reference!r} is not a value of {by!r} ({groups})")
    others = [g for g in groups if g != reference]
    for i, g in enumerate(others):
        data[f"g{i}"] = (data["group"] == g).astype(float)
        data[f"xg{i}"] = data["x"] * data[f"g{i}"]
    rhs = " + ".join(["x", *(f"g{i}" for i in range(len(others))), *(f"xg{i}" for i in range(len(others)))])
    terms = ["x", *(f"xg{i}" for i in range(len(others)))]
    names = {
        "x": f"matches ({by}={reference})",
        **{f"xg{i}": f"matches × {by}={g}" for i, g in enumerate(others)},
    }
    rows = [{**row, "term": names[row["term"]]} for row in _fit(data, f"y ~ {rhs}", terms)]
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)
