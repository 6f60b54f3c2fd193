"""Model selection (:mod:`polimodal.models.selection`): the best epoch with patience, the one rule
of the torch loop and of LoRA's Trainer callback."""

from __future__ import annotations

import math

from polimodal.models.selection import BestEpoch


def _run(values: list[float | None], patience: int) -> tuple[list[int], BestEpoch]:
    """Feed epochs 1.. until the rule says stop; the epochs kept on the way."""
    best, kept = BestEpoch(patience), []
    for epoch, value in enumerate(values, 1):
        if best.update(epoch, value):
            kept.append(epoch)
        elif best.should_stop:
            break
    return kept, best


def test_the_best_epoch_is_kept_and_patience_stops() -> None:
    kept, best = _run([0.5, 0.7, 0.6, 0.7, 0.9], patience=2)  # a tie is no improvement
    assert kept == [1, 2] and best.best_epoch == 2 and best.best_value == 0.7 and best.stale == 2
    kept, best = _run([0.5, 0.4, 0.6, 0.3], patience=2)
    assert kept == [1, 3] and best.best_epoch == 3 and not best.should_stop


def test_no_validation_keeps_the_last_epoch_and_nan_the_first() -> None:
    kept, best = _run([None, None, None], patience=1)
    assert kept == [1, 2, 3] and best.best_value is None
    kept, best = _run([math.nan, 0.0, 0.2], patience=5)  # an empty validation split: NaN
    assert kept == [1, 2, 3]
    kept, best = _run([math.nan, math.nan, math.nan], patience=1)
    assert kept == [1] and best.best_epoch == 1 and best.should_stop
