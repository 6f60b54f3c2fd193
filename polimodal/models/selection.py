"""The one macro F1: what every model selection, threshold and metric table is judged by.

It lives with the models because they select with it (the best epoch on validation, the SVM's C,
the frame-vote threshold, LoRA's best epoch) and the models' layer is below ``experiments/``,
whose metric tables (:mod:`polimodal.experiments.metrics`) use the same function.
"""

from __future__ import annotations

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
