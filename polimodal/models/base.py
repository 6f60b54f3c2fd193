"""The model interface every classifier implements.

A model is trained and scored once per task × fold by :func:`polimodal.experiments.run.run_fold`:

1. ``model = build_model(name, cfg, classes, seed=..., prompt=...)``
   (:func:`polimodal.models.build.build_model`: ``model_class(kind)(classes, options, seed)``)
   — ``classes`` are the task's allowed values in config order (the column order of every
   score matrix), ``options`` the model's config section read once into its kind's dataclass
   (:func:`polimodal.models.registry.parse_model_config`: an unknown key is an error; a
   generative model's ``prompt`` is the task's unless the section sets one), kept as it is in
   ``self.options`` (a plain mapping is read into the dataclass here), ``seed`` the fold's seed.
2. ``summary = model.fit(train, validation, workdir)`` — ``train``/``validation`` are
   :class:`polimodal.data.videodata.VideoData`; ``workdir`` is an empty folder the model may
   use for checkpoints (beside the predictions file). The validation split is for model
   selection (hyper-parameters, early stopping, thresholds), never for training. ``summary``
   is a small JSON-serialisable dict (chosen hyper-parameters, epochs, best validation macro-F1).
3. ``model.load(workdir)`` restores a model that ``fit`` trained into ``workdir`` (what the
   corpus classification jobs do).
4. ``labels, scores = model.predict(data)`` — video-level predicted labels (each one of
   ``classes``) and a float array of shape ``(len(data), len(classes))``: probabilities or
   decision values, higher = more likely, column ``j`` for ``classes[j]``.

Frame-level models predict per frame inside ``predict`` and turn frame predictions into video
predictions with :mod:`polimodal.models.votes`.

Adding a model: subclass :class:`Model` with ``kind = "<kind>"`` and declare the kind once in
:data:`polimodal.models.registry.KINDS` (class, parameter dataclass, inputs, GPU).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from polimodal.data.videodata import VideoData
from polimodal.errors import ConfigError, ModelLoadError
from polimodal.models.registry import ModelKind, get_kind
from polimodal.options import _canonical, default_of

#: What a model is built from: its kind's parameter dataclass (what ``build_model`` passes), or a
#: mapping of parameters (read into that dataclass), or None (every default).
Params = Mapping[str, Any] | Any


class Model(ABC):
    """A video-level classifier for one task and one fold."""

    #: The kind this class implements (its line in :data:`polimodal.models.registry.KINDS`).
    kind: ClassVar[str] = ""

    def __init__(self, classes: Sequence[str], params: Params = None, seed: int = 0) -> None:
        if len(classes) < 2:
            raise ConfigError(f"{type(self).__name__}: need at least 2 classes, got {list(classes)}")
        self.classes: list[str] = list(classes)
        self.seed = int(seed)
        #: the kind's parameter dataclass: the one :func:`~polimodal.models.build.build_model`
        #: parsed, as it is; a mapping is read into it here
        self.options: Any = (
            params
            if isinstance(params, self.spec.params)
            else self.spec.parse_params(params, f"model kind {self.kind}")
        )

    @property
    def params(self) -> dict[str, Any]:
        """The parameters that differ from their defaults (plain JSON values), e.g. for a fingerprint."""
        return {
            f.name: _canonical(getattr(self.options, f.name), f)
            for f in fields(self.options)
            if _canonical(getattr(self.options, f.name), f) != _canonical(default_of(f), f)
        }

    @property
    def spec(self) -> ModelKind:
        """This kind's declaration: inputs, GPU, parameter dataclass."""
        return get_kind(self.kind)

    @property
    def needs_frames(self) -> bool:
        return self.spec.reads("frames")

    @abstractmethod
    def fit(self, train: VideoData, validation: VideoData, workdir: Path) -> dict[str, Any]:
        """Train on ``train``, select on ``validation``; return a JSON-serialisable summary."""

    def load(self, workdir: Path) -> None:
        """Restore the model that :meth:`fit` trained into ``workdir`` (to classify new videos)."""
        raise ModelLoadError(f"model kind {self.kind!r} cannot be restored from {workdir}: no load()")

    @abstractmethod
    def predict(self, data: VideoData) -> tuple[list[str], np.ndarray]:
        """Video-level labels and an ``(n_videos, n_classes)`` score array (columns = ``classes``)."""

    def labels_from_scores(self, scores: np.ndarray) -> list[str]:
        """Arg-max labels of a score matrix (first class wins ties)."""
        scores = np.asarray(scores)
        if scores.ndim != 2 or scores.shape[1] != len(self.classes):
            raise ValueError(f"scores must have shape (n, {len(self.classes)}), got {scores.shape}")
        return [self.classes[i] for i in np.argmax(scores, axis=1)]
