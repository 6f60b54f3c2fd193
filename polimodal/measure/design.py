"""Coding samples with known inclusion probabilities, drawn in batches.

Every design is Poisson sampling: each item of the corpus is drawn independently with its own
probability ``p``, by comparing ``p`` with a uniform number fixed by the seed, the batch and the
item's id (so the draw does not depend on the corpus's row order). The designs differ in ``p``:

- ``random`` (the default): the same ``p`` for every item, ``n`` expected draws;
- ``stratified``: by a column (channel, ideology, country, year, language): ``p`` per stratum, from
  per-stratum sizes (``allocation: {stratum: n}``) or in proportion to the strata (``allocation:
  proportional``: every item the same ``p``, as ``random``, with the counts per stratum reported);
- ``scores``: enriched for a rare class by a trained model's scores: ``p`` in proportion to
  ``(1 - floor) * score / sum(score) + floor / N``, a mixture that keeps every item's probability at
  least ``floor`` times its simple random one (capped at 1, the excess spread over the others).

Poisson sampling makes the sample's size random (``n`` is its expectation; the batch reports the
size drawn) but every item's inclusion probability exact, also over batches. A later batch draws
only among items not drawn before, each with a probability ``p_k`` that depends on the design and on
the earlier batches' *probabilities*, never on which items they drew; so an item's probability of
being in the union of batches 1..k is ``pi = 1 - (1 - p_1) ... (1 - p_k)``, the probability the
estimators of :mod:`polimodal.measure.estimate` need. The state that carries this from batch to
batch is one number per item of the corpus, ``q`` = the probability of not being drawn so far
(:func:`draw_batch` takes and returns it); an item that joined the corpus after a batch had
probability 0 in it (``q`` = 1).

Items that cannot be coded (no transcript, no kept frame, unavailable) get probability 0 and are
counted in the batch report with their reason: the estimates then speak for the codable corpus.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from polimodal.errors import ConfigError

METHODS = ("random", "stratified", "scores")

#: Columns of a drawn batch (one row per drawn item).
BATCH_COLUMNS = ["item_id", "batch", "p_batch", "pi", "stratum"]


@dataclass(frozen=True)
class SampleDesign:
    """One batch's design (config ``coding.sample``)."""

    n: int
    seed: int = 0
    method: str = "random"
    #: ``stratified``: the column whose values are the strata.
    strata: str | None = None
    #: ``stratified``: ``proportional`` or ``{stratum: expected n}``.
    allocation: str | Mapping[str, int] = "proportional"
    #: ``scores``: the column of scores (a model's probability of the rare class).
    score: str | None = None
    #: ``scores``: every item's probability is at least ``floor`` times its simple random one.
    floor: float = 0.2
    extra: Mapping[str, Any] = field(default_factory=dict)

    def check(self, items: pd.DataFrame, where: str = "coding.sample") -> None:
        if self.method not in METHODS:
            raise ConfigError(f"{where}.method: {self.method!r}; one of {list(METHODS)}")
        if not isinstance(self.n, int) or isinstance(self.n, bool) or self.n <= 0:
            raise ConfigError(f"{where}.n: {self.n!r}; a sample needs a positive whole number of items")
        if self.method == "stratified":
            if not self.strata or self.strata not in items.columns:
                raise ConfigError(
                    f"{where}.strata: {self.strata!r} is no column of the corpus "
                    f"(columns: {sorted(items.columns)})"
                )
            if isinstance(self.allocation, Mapping):
                present = set(items[self.strata].astype(str))
                empty = sorted(set(map(str, self.allocation)) - present)
                if empty:
                    raise ConfigError(
                        f"{where}.allocation: stratum/strata {empty} of {self.strata!r} hold no item "
                        f"of the corpus (strata: {sorted(present)[:20]})"
                    )
                bad = {k: v for k, v in self.allocation.items() if not isinstance(v, int) or v < 0}
                if bad:
                    raise ConfigError(f"{where}.allocation: sizes must be whole numbers >= 0: {bad}")
            elif self.allocation != "proportional":
                raise ConfigError(
                    f"{where}.allocation: {self.allocation!r}; 'proportional' or a mapping stratum -> n"
                )
        if self.method == "scores":
            if not self.score or self.score not in items.columns:
                raise ConfigError(f"{where}.score: {self.score!r} is no column of the corpus")
            if not 0 < self.floor <= 1:
                raise ConfigError(f"{where}.floor: {self.floor!r}; a fraction in (0, 1]")


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: a bijection of uint64 that mixes every bit into every other."""
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64, as meant
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def uniforms(item_ids: pd.Series, seed: int, batch: int) -> np.ndarray:
    """One uniform number in [0, 1) per item, fixed by (seed, batch, item id), whatever the row order.

    The id's 64-bit SipHash (pandas's ``hash_pandas_object``, fixed key) mixed with seed and batch.
    """
    keys = pd.util.hash_pandas_object(item_ids.astype(str).reset_index(drop=True), index=False).to_numpy()
    salt = _splitmix64(np.array([seed * 1_000_003 + batch], dtype=np.uint64))[0]
    mixed = _splitmix64(keys ^ salt)
    return (mixed >> np.uint64(11)).astype(np.float64) / float(2**53)


def _scaled(m: np.ndarray, q: np.ndarray, n: float) -> np.ndarray:
    """``p = min(1, c * m)`` with ``c`` such that the expected draws ``sum(q * p)`` are ``n``."""
    if n <= 0 or not (m > 0).any():
        return np.zeros_like(m, dtype=float)
    lo, hi = 0.0, 1.0
    while (q * np.minimum(1.0, hi * m)).sum() < n:
        hi *= 2
        if hi > 1e300:
            break
    while hi - lo > 1e-13 * hi:
        mid = (lo + hi) / 2
        if (q * np.minimum(1.0, mid * m)).sum() < n:
            lo = mid
        else:
            hi = mid
    return np.minimum(1.0, hi * m)


def batch_probabilities(items: pd.DataFrame, design: SampleDesign, q: np.ndarray) -> np.ndarray:
    """Each item's probability of being drawn in this batch if it was not drawn before.

    ``q``: each item's probability of not having been drawn by the earlier batches (1 for a new
    corpus), the same whether or not it was: the probabilities never depend on which items the
    earlier batches drew, only on their design. The expected new draws ``sum(q * p)`` are
    ``design.n`` (per stratum for per-stratum sizes). Items whose ``codable`` column is False get 0.
    """
    codable = (
        items["codable"].to_numpy(dtype=bool) if "codable" in items.columns else np.ones(len(items), bool)
    )
    available = float((q * codable).sum())
    if available < design.n:
        raise ConfigError(
            f"coding.sample.n: {design.n} items asked for, but the codable corpus has about "
            f"{available:.0f} item(s) not coded yet ({int(codable.sum())} codable of {len(items)})"
        )
    if design.method == "stratified" and isinstance(design.allocation, Mapping):
        strata = items[design.strata].astype(str).to_numpy()
        p = np.zeros(len(items))
        for stratum, n in design.allocation.items():
            member = (strata == str(stratum)) & codable
            have = float((q * member).sum())
            if n > have + 1e-9:
                raise ConfigError(
                    f"coding.sample.allocation: stratum {stratum!r} asks for {n} items but has about "
                    f"{have:.0f} not coded yet"
                )
            p[member] = _scaled(np.ones(int(member.sum())), q[member], n)
        return p
    if design.method == "scores":
        scores = items[design.score].to_numpy(dtype=float)
        bad = codable & (np.isnan(scores) | (scores < 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ConfigError(
                f"coding.sample.score: item {items['item_id'].iloc[i]!r} has score {scores[i]!r}; "
                "every codable item needs a score >= 0"
            )
        s = np.where(codable, scores, 0.0)
        total = s.sum()
        share = s / total if total > 0 else codable / codable.sum()
        m = (1 - design.floor) * share + design.floor * codable / codable.sum()
        return _scaled(np.where(codable, m, 0.0), q, design.n)
    return _scaled(codable.astype(float), q, design.n)


def draw_batch(
    items: pd.DataFrame,
    design: SampleDesign,
    *,
    batch: int,
    state: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw batch ``batch`` (1, 2, ...) of the coding sample.

    ``items``: one row per corpus item with ``item_id`` (and ``codable`` / the strata / score
    columns the design names). ``state``: the previous batch's returned state (``item_id``, ``q``,
    ``drawn``) or None for the first. Returns the batch (:data:`BATCH_COLUMNS`, one row per item
    drawn now) and the new state. Items already drawn are never drawn again.
    """
    design.check(items)
    if items["item_id"].duplicated().any():
        raise ConfigError(f"corpus: item {items['item_id'][items['item_id'].duplicated()].iloc[0]!r} twice")
    if state is None:
        q = np.ones(len(items))
        drawn = np.zeros(len(items), bool)
    else:
        known = state.set_index("item_id")
        q = items["item_id"].map(known["q"]).fillna(1.0).to_numpy(dtype=float)
        drawn = items["item_id"].map(known["drawn"]).fillna(False).to_numpy(dtype=bool)
        if int(state["batch"].max() if "batch" in state and len(state) else 0) >= batch:
            raise ConfigError(f"coding batch {batch} exists already: batches are appended, never redrawn")
    p = batch_probabilities(items, design, q)
    u = uniforms(items["item_id"], design.seed, batch)
    take = (~drawn) & (u < p)
    new_q = q * (1 - p)  # for every item: the design's, not the outcome's
    pi = 1 - new_q  # P(in batches 1..batch); an earlier item's grows with every later batch
    stratum = (
        items[design.strata].astype(str)
        if design.method == "stratified"
        else pd.Series("", index=items.index)
    )
    out = pd.DataFrame(
        {
            "item_id": items["item_id"].to_numpy()[take],
            "batch": batch,
            "p_batch": p[take],
            "pi": pi[take],
            "stratum": stratum.to_numpy()[take],
        }
    )
    new_state = pd.DataFrame(
        {"item_id": items["item_id"].to_numpy(), "q": new_q, "drawn": drawn | take, "batch": batch}
    )
    return out, new_state


def inclusion_probabilities(state: pd.DataFrame) -> pd.Series:
    """item_id -> probability of being in the coding sample (the union of all batches so far):
    ``1 - q``. The estimators take it for every coded item."""
    return pd.Series(1.0 - state["q"].to_numpy(), index=state["item_id"].to_numpy(), name="pi")


#: Why no corrected estimate is made for a sheet coded elsewhere that declares no design.
NO_DESIGN = (
    "no corrected estimate: the coded items' inclusion probabilities are unknown. A sheet coded "
    "elsewhere must declare how its items were chosen (config `coding.declared`: `random` for a "
    "simple random sample of the corpus, or the name of a column of inclusion probabilities); "
    "items chosen by hand, by convenience or by keyword cannot be weighted back to the corpus"
)


def declared_probabilities(
    coded: pd.DataFrame, corpus_size: int, declared: str | None, *, where: str = "coding.declared"
) -> pd.Series | None:
    """item_id -> inclusion probability of the coded items of a sheet coded elsewhere.

    ``declared``: ``random`` (a simple random sample of the corpus: ``n / N`` for each), the name
    of a column of ``coded`` holding each item's probability, or None (no design: None is
    returned, and :data:`NO_DESIGN` says why). A probability that is missing, not a number, or
    outside (0, 1] is a ConfigError naming the item.
    """
    if declared is None:
        return None
    if corpus_size < len(coded) or corpus_size <= 0:
        raise ConfigError(f"{where}: {len(coded)} coded items in a corpus of {corpus_size}")
    if declared == "random":
        return pd.Series(len(coded) / corpus_size, index=coded["item_id"].to_numpy(), name="pi")
    if declared not in coded.columns:
        raise ConfigError(
            f"{where}: {declared!r} is neither 'random' nor a column of the coded sheet "
            f"(columns: {list(coded.columns)})"
        )
    pi = pd.to_numeric(coded[declared].astype(str).str.strip(), errors="coerce")
    bad = pi.isna() | (pi <= 0) | (pi > 1)
    if bad.any():
        i = coded.index[bad][0]
        raise ConfigError(
            f"{where}: item {coded.at[i, 'item_id']!r} has inclusion probability "
            f"{coded.at[i, declared]!r} in column {declared!r}; every coded item needs one in (0, 1]"
        )
    return pd.Series(pi.to_numpy(), index=coded["item_id"].to_numpy(), name="pi")
