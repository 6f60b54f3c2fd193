"""Coding samples: every item's inclusion probability is the design's, also over batches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from polimodal.errors import ConfigError
from polimodal.measure.design import (
    NO_DESIGN,
    SampleDesign,
    batch_probabilities,
    declared_probabilities,
    draw_batch,
    inclusion_probabilities,
)


def corpus(n: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "item_id": [f"v{i:03d}" for i in range(n)],
            "party": np.where(np.arange(n) < n // 4, "small", "large"),
            "score": rng.random(n) ** 3,
            "codable": True,
        }
    )


def test_a_random_sample_is_seeded_and_does_not_depend_on_row_order() -> None:
    items = corpus(400)
    a, _ = draw_batch(items, SampleDesign(n=50, seed=3), batch=1)
    b, _ = draw_batch(items.iloc[::-1], SampleDesign(n=50, seed=3), batch=1)
    c, _ = draw_batch(items, SampleDesign(n=50, seed=4), batch=1)
    assert sorted(a.item_id) == sorted(b.item_id) and sorted(a.item_id) != sorted(c.item_id)
    assert np.allclose(a.pi, 50 / 400) and 30 <= len(a) <= 70


def test_stratified_allocation_gives_each_stratum_its_probability() -> None:
    items = corpus(400)
    design = SampleDesign(n=60, method="stratified", strata="party", allocation={"small": 30, "large": 30})
    p = batch_probabilities(items, design, np.ones(len(items)))
    assert np.allclose(p[items.party == "small"], 30 / 100) and np.allclose(
        p[items.party == "large"], 30 / 300
    )


def test_score_enrichment_keeps_its_floor() -> None:
    items = corpus(400)
    p = batch_probabilities(
        items, SampleDesign(n=40, method="scores", score="score", floor=0.25), np.ones(400)
    )
    assert p.sum() == pytest.approx(40)
    assert p.min() >= 0.25 * 40 / 400 - 1e-12  # at least a quarter of the simple random chance
    top = items.score.rank(ascending=False) <= 40
    assert p[top].mean() > 3 * p[~top].mean()


def test_the_union_of_batches_has_the_stated_probabilities() -> None:
    """Over 1500 seeds, how often each item lands in batch 1 or 2 matches pi = 1 - (1-p1)(1-p2)."""
    items = corpus(40)
    first = SampleDesign(n=6, method="scores", score="score", floor=0.3)
    second = SampleDesign(n=6, method="stratified", strata="party", allocation={"small": 3, "large": 3})
    hits = np.zeros(40)
    seeds = 1500
    for seed in range(seeds):
        one, state = draw_batch(items, SampleDesign(**{**first.__dict__, "seed": seed}), batch=1)
        two, state = draw_batch(
            items, SampleDesign(**{**second.__dict__, "seed": seed}), batch=2, state=state
        )
        assert not set(one.item_id) & set(two.item_id)  # a later batch never redraws an item
        hits += items.item_id.isin(set(one.item_id) | set(two.item_id)).to_numpy()
    pi = inclusion_probabilities(state).reindex(items.item_id).to_numpy()
    se = np.sqrt(pi * (1 - pi) / seeds)
    assert np.all(np.abs(hits / seeds - pi) < 4.5 * se + 1e-9)


def test_an_item_added_after_a_batch_had_no_chance_in_it() -> None:
    items = corpus(40)
    _, state = draw_batch(items.iloc[:30], SampleDesign(n=5, seed=1), batch=1)
    _, state = draw_batch(items, SampleDesign(n=5, seed=1), batch=2, state=state)
    pi = inclusion_probabilities(state)
    p2 = 1 - state.set_index("item_id").q["v035"]
    assert pi["v035"] == pytest.approx(p2) and pi["v000"] > pi["v035"]


@pytest.mark.parametrize(
    ("design", "message"),
    [
        (SampleDesign(n=500), "500 items asked for.*40 codable"),
        (SampleDesign(n=0), r"coding.sample.n: 0"),
        (
            SampleDesign(n=5, method="stratified", strata="party", allocation={"tiny": 2}),
            r"\['tiny'\].*hold no item",
        ),
        (SampleDesign(n=5, method="stratified", strata="partei"), "'partei' is no column"),
        (SampleDesign(n=5, method="scores", score="nope"), "'nope' is no column"),
    ],
)
def test_bad_designs_are_named(design: SampleDesign, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        draw_batch(corpus(40), design, batch=1)


def test_uncodable_items_are_never_drawn_and_a_batch_is_not_redrawn() -> None:
    items = corpus(40).assign(codable=lambda d: d.index % 2 == 0)
    batch, state = draw_batch(items, SampleDesign(n=10, seed=2), batch=1)
    assert set(batch.item_id) <= set(items.item_id[items.codable])
    with pytest.raises(ConfigError, match="batch 1 exists already"):
        draw_batch(items, SampleDesign(n=10, seed=2), batch=1, state=state)


def test_a_sheet_coded_elsewhere_declares_its_design() -> None:
    coded = pd.DataFrame({"item_id": ["a", "b", "c"], "p": ["0.1", " 0.5", "1"]})
    assert declared_probabilities(coded, 30, "random").tolist() == [0.1, 0.1, 0.1]
    assert declared_probabilities(coded, 30, "p").tolist() == [0.1, 0.5, 1.0]
    assert declared_probabilities(coded, 30, None) is None and "unknown" in NO_DESIGN
    for bad in ("0", "", "x", "1.5"):
        with pytest.raises(ConfigError, match=f"item 'b' has inclusion probability {bad!r}"):
            declared_probabilities(coded.assign(p=["0.1", bad, "1"]), 30, "p")
    with pytest.raises(ConfigError, match="'q' is neither 'random' nor a column"):
        declared_probabilities(coded, 30, "q")
