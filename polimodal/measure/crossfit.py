"""Cross-fitting: every item's prediction comes from a model that did not train on it.

The correction of :mod:`polimodal.measure.estimate` compares each coded item's gold label with its
prediction. A model that trained on that item predicts it too well (a model that memorises its
training labels makes every coded residual zero, and the "corrected" estimate falls back to the
biased count). So the corpus is cut into ``k`` parts by a hash of each item's id (fixed by a seed,
independent of which items were coded, as DSL's cross-fitting requires: Egami et al. 2023): model
``j`` trains on the coded items outside part ``j`` and predicts every item of part ``j``, coded or
not. Every item's prediction is then made the same way, whether it was coded or not, by a model
that never saw its label.

The project's experiment folds cannot serve: their validation sets are drawn independently
(:mod:`polimodal.experiments.splits`), so about half of the development videos are in every
fold's training set, and the shared test set is never trained on by any.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from polimodal.errors import ConfigError
from polimodal.measure.design import uniforms


def parts(item_ids: pd.Series, k: int, seed: int) -> np.ndarray:
    """Each item's part, 0 .. k-1, from a hash of its id (not of its row, nor of its coding)."""
    if k < 2:
        raise ConfigError(f"cross-fitting needs at least 2 parts, got {k}")
    u = uniforms(item_ids, seed, batch=0)  # batch 0: coding batches count from 1
    return np.minimum((u * k).astype(int), k - 1)


def cross_fitted(
    items: pd.DataFrame,
    coded: Sequence[bool] | np.ndarray,
    fit_predict: Callable[[pd.DataFrame, pd.DataFrame], np.ndarray],
    *,
    k: int = 5,
    seed: int = 0,
) -> np.ndarray:
    """Every item's prediction from the model trained on the coded items outside its part.

    ``fit_predict(train, target)``: trains on ``train`` (coded rows of ``items``) and returns the
    predictions of ``target``'s rows. Called ``k`` times.
    """
    coded = np.asarray(coded, dtype=bool)
    part = parts(items["item_id"], k, seed)
    out = np.full(len(items), np.nan)
    for j in range(k):
        train = items[coded & (part != j)]
        if train.empty:
            raise ConfigError(f"cross-fitting part {j}: no coded item outside it (code more items)")
        target = part == j
        if target.any():
            out[target] = np.asarray(fit_predict(train, items[target]), dtype=float)
    return out
