"""The model interface every classifier implements, and the registry that finds it by kind.

A model is trained and scored once per task × fold by :func:`polimodal.experiment.run_fold`:

1. ``model = get_model_class(kind)(classes=..., params=..., seed=...)`` — ``classes`` are the
   task's allowed values in config order (the column order of every score matrix), ``params``
   the model's config section without ``kind``/``text_fields``, ``seed`` the fold's seed.
2. ``summary = model.fit(train, validation, workdir)`` — ``train``/``validation`` are
   :class:`polimodal.data.VideoData`; ``workdir`` is an empty folder the model may use for
   checkpoints (beside the predictions file). The validation split is for model selection
   (hyper-parameters, early stopping, thresholds), never for training. ``summary`` is a small
   JSON-serialisable dict (chosen hyper-parameters, epochs, best validation macro-F1, ...).
3. ``labels, scores = model.predict(data)`` — video-level predicted labels (each one of
   ``classes``) and a float array of shape ``(len(data), len(classes))``: probabilities or
   decision values, higher = more likely, column ``j`` for ``classes[j]``.

Frame-level models (modality ``image``/``multimodal``) predict per frame inside ``predict`` and
turn frame predictions into video predictions with :mod:`polimodal.aggregate`.

Adding a model: write ``polimodal/models/<kind>.py`` with ::

    @register("<kind>")
    class MyModel(Model):
        modality = "image"
        ...

and list the kind in :data:`polimodal.models.KINDS` (module + modality, so the workflow knows
which inputs a model needs without importing torch). :func:`get_model_class` imports the
module on first use.
"""

from __future__ import annotations

import importlib
import pkgutil
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from polimodal.errors import ConfigError

if TYPE_CHECKING:
    from polimodal.data import VideoData

MODALITIES = ("text", "image", "multimodal")


class Model(ABC):
    """A video-level classifier for one task and one fold."""

    #: ``text`` (uses ``VideoData.texts``), ``image`` (frames) or ``multimodal`` (both).
    modality: ClassVar[str] = "text"
    #: Set by :func:`register`.
    kind: ClassVar[str] = ""

    def __init__(self, classes: Sequence[str], params: dict[str, Any] | None = None, seed: int = 0) -> None:
        if len(classes) < 2:
            raise ConfigError(f"{type(self).__name__}: need at least 2 classes, got {list(classes)}")
        self.classes: list[str] = list(classes)
        self.params: dict[str, Any] = dict(params or {})
        self.seed = int(seed)

    @property
    def needs_frames(self) -> bool:
        return self.modality != "text"

    @abstractmethod
    def fit(self, train: VideoData, validation: VideoData, workdir: Path) -> dict[str, Any]:
        """Train on ``train``, select on ``validation``; return a JSON-serialisable summary."""

    @abstractmethod
    def predict(self, data: VideoData) -> tuple[list[str], np.ndarray]:
        """Video-level labels and an ``(n_videos, n_classes)`` score array (columns = ``classes``)."""

    def labels_from_scores(self, scores: np.ndarray) -> list[str]:
        """Arg-max labels of a score matrix (first class wins ties)."""
        scores = np.asarray(scores)
        if scores.ndim != 2 or scores.shape[1] != len(self.classes):
            raise ValueError(f"scores must have shape (n, {len(self.classes)}), got {scores.shape}")
        return [self.classes[i] for i in np.argmax(scores, axis=1)]


#: kind → Model subclass, filled by :func:`register` when a model module is imported.
REGISTRY: dict[str, type[Model]] = {}


def register(kind: str) -> Callable[[type[Model]], type[Model]]:
    """Class decorator: make ``cls`` available as config ``models.<name>.kind: <kind>``."""

    def deco(cls: type[Model]) -> type[Model]:
        if not (isinstance(cls, type) and issubclass(cls, Model)):
            raise TypeError(f"@register({kind!r}) must decorate a Model subclass, got {cls!r}")
        if cls.modality not in MODALITIES:
            raise TypeError(f"{cls.__name__}.modality must be one of {MODALITIES}, got {cls.modality!r}")
        other = REGISTRY.get(kind)
        if other is not None and other.__qualname__ != cls.__qualname__:
            raise ValueError(f"model kind {kind!r} registered twice: {other.__name__} and {cls.__name__}")
        cls.kind = kind
        REGISTRY[kind] = cls
        return cls

    return deco


def get_model_class(kind: str) -> type[Model]:
    """The Model class of ``kind``, importing its module on first use.

    Looks in :data:`REGISTRY`, then imports ``polimodal.models.KINDS[kind].module`` (or
    ``polimodal.models.<kind>``), then every module of the package. Raises ConfigError naming
    the kind and the known kinds.
    """
    if kind in REGISTRY:
        return REGISTRY[kind]
    import polimodal.models as pkg

    candidates = []
    if kind in pkg.KINDS:
        candidates.append(pkg.KINDS[kind].module)
    candidates.append(f"polimodal.models.{kind}")
    for name in candidates:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # the module exists but one of its imports is missing
                raise ConfigError(f"model kind {kind!r}: cannot import {name}: {exc}") from exc
            continue
        if kind in REGISTRY:
            return REGISTRY[kind]
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name not in {"base"}:
            importlib.import_module(f"polimodal.models.{info.name}")
            if kind in REGISTRY:
                return REGISTRY[kind]
    known = sorted(set(REGISTRY) | set(pkg.KINDS))
    raise ConfigError(f"unknown model kind {kind!r}; known kinds: {known}")
