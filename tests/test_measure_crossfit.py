"""Cross-fitting: predictions from models that never saw the item keep the correction honest."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from polimodal.measure.crossfit import cross_fitted, parts
from polimodal.measure.design import SampleDesign, draw_batch, inclusion_probabilities
from polimodal.measure.estimate import estimate_mean


def corpus(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """Labels that a feature predicts only in part: y = 1 with probability 0.2 + 0.5 * x."""
    rng = np.random.default_rng(seed)
    x = rng.random(n)
    return pd.DataFrame(
        {
            "item_id": [f"i{i}" for i in range(n)],
            "x": x,
            "noise": rng.random(n),
            "y": (rng.random(n) < 0.2 + 0.5 * x) * 1.0,
        }
    )


def memorising(train: pd.DataFrame, target: pd.DataFrame) -> np.ndarray:
    """A full-depth tree: it predicts its own training items perfectly."""
    tree = DecisionTreeClassifier(random_state=0).fit(train[["x", "noise"]], train["y"])
    return tree.predict_proba(target[["x", "noise"]])[:, 1]


def test_parts_depend_on_the_id_only() -> None:
    items = corpus(1000)
    a = parts(items.item_id, 5, seed=1)
    b = parts(items.item_id.iloc[::-1].reset_index(drop=True), 5, seed=1)[::-1]
    assert np.array_equal(a, b) and set(a) == {0, 1, 2, 3, 4}
    assert np.bincount(a).min() > 150


def test_a_memorising_model_breaks_the_correction_unless_cross_fitted() -> None:
    items = corpus()
    truth = items.y.mean()
    batch, state = draw_batch(items, SampleDesign(n=600, seed=3), batch=1)
    coded = items.item_id.isin(batch.item_id).to_numpy()
    pi = items.item_id.map(inclusion_probabilities(state)).to_numpy()
    gold = np.where(coded, items.y, np.nan)
    in_sample = memorising(items[coded], items)  # trained on the coded items, predicting them too
    naive = estimate_mean(in_sample, gold, coded, pi, lam=1.0)["corrected"]
    assert np.allclose(in_sample[coded], items.y[coded])  # every coded residual is zero
    fitted = cross_fitted(items, coded, memorising, k=5, seed=0)
    honest = estimate_mean(fitted, gold, coded, pi, lam=1.0)["corrected"]
    assert honest.low <= truth <= honest.high
    # in-sample the correction is blind: the estimate is the uncorrected mean of the predictions
    assert naive.value == np.mean(in_sample)
