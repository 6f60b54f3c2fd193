"""The one macro F1: what every model selection, threshold and metric table is judged by.

It lives with the models because they select with it (the best epoch on validation, the SVM's C,
the frame-vote threshold, LoRA's best epoch) and the models' layer is below ``experiments/``,
whose metric tables (:mod:`polimodal.experiments.metrics`) use the same function.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def macro_f1(true: Sequence[Any], pred: Sequence[Any], classes: Sequence[Any]) -> float:
    """Macro-averaged F1 over ``classes`` (a class never true nor predicted scores 0; NaN when empty).

    The one macro F1 of the package: model selection, thresholds and the metric tables use it.
    """
    from sklearn.metrics import f1_score

    if not len(true):
        return float("nan")
    return float(f1_score(list(true), list(pred), labels=list(classes), average="macro", zero_division=0))


class BestEpoch:
    """Keep the best epoch, stop after ``patience`` epochs without a better one: the one rule of
    the compact torch loop (:func:`polimodal.models.torch.loop.train_loop`) and of LoRA's
    ``Trainer`` callback (:mod:`polimodal.models.hf.lora`).

    :meth:`update` after each epoch with its validation macro F1: the first epoch is always kept;
    a later one when its score is higher than the best so far (a tie keeps the earlier epoch);
    ``None`` (no validation split) keeps every epoch, the last one winning; NaN never beats a score.
    """

    def __init__(self, patience: int) -> None:
        self.patience = int(patience)
        self.best_epoch = 0  # 0: no epoch yet
        self.best_value: float | None = None  # the kept epoch's validation macro F1 as given
        self.stale = 0  # epochs since the kept one
        self._best = -math.inf

    def update(self, epoch: int, value: float | None) -> bool:
        """Record ``epoch``'s validation score; True when it is the best so far (keep this epoch)."""
        score = -math.inf if value is None or math.isnan(value) else float(value)
        if value is None or score > self._best or self.best_epoch == 0:
            self._best, self.best_epoch, self.best_value, self.stale = score, epoch, value, 0
            return True
        self.stale += 1
        return False

    @property
    def should_stop(self) -> bool:
        """Whether ``patience`` epochs in a row brought no better score."""
        return self.stale >= self.patience
