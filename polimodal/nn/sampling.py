"""Which elements of a long input a network sees: :func:`even_indices`, the one evenly spaced
sub-sample of the package (the frames a VLM is shown, the frames a frame model scores, the words,
audio windows and frames a sequence model reads).

Light at import (NumPy only): the generative models' chat code and the torch streams share it.
"""

from __future__ import annotations

import numpy as np


def even_indices(n: int, k: int) -> np.ndarray:
    """Indices of at most ``k`` of ``n`` elements, evenly spaced, in order (all when ``n <= k``).

    ``k >= 2``: the first and the last element are included, the rest rounded to the nearest index
    (``np.linspace``, ties to even). ``k == 1``: the middle element (``n // 2``), which stands for the
    whole better than the first. ``k <= 0`` or ``n <= 0``: none.
    """
    if k <= 0 or n <= 0:
        return np.arange(0)
    if n <= k:
        return np.arange(n)
    if k == 1:
        return np.array([n // 2])
    return np.unique(np.linspace(0, n - 1, k).round().astype(int))
