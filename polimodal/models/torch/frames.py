"""Per-frame classifiers whose frame probabilities (or votes) make video labels (CNN, CLIP, FND-CLIP)."""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from polimodal.models.base import Params
from polimodal.models.selection import macro_f1
from polimodal.models.torch.base import TorchModel
from polimodal.models.torch.loop import Inputs, predict_proba
from polimodal.models.torch.streams import batched, cap_frames, shuffle_buffer
from polimodal.models.votes import aggregate, aggregate_probabilities, choose_threshold, positive_counts
from polimodal.nn.runtime import prefetched

log = logging.getLogger(__name__)


class FrameTorchModel(TorchModel):
    """A per-frame classifier whose frames make its video's label (CNN, CLIP, FND-CLIP).

    Training: every kept frame of a training video (at most ``frames_per_video`` of them, a
    fresh random subset each epoch; ``all`` or 0: each kept frame exactly once per epoch, the
    study's rule) is a sample labelled with its video's label. Frames are
    streamed one video at a time (:meth:`VideoData.iter_video_frames`) through a shuffle buffer
    of ``shuffle_buffer`` frames, so memory holds at most that many JPEGs (:meth:`training_stream`).
    Class weights (when ``weighted_loss``) come from the video labels.

    Prediction: each kept frame (at most ``predict_frames_per_video``, evenly spaced; ``all`` or 0 = all)
    gets the network's class probabilities (softmax). ``video_score`` says how they make the video's:

    - ``mean_prob`` (default): the video's scores are the mean of its frames' probabilities, its
      label their arg-max (:func:`polimodal.models.votes.aggregate_probabilities`); a video without
      a kept frame gets the training class shares (so the majority class). ``threshold`` and
      ``vote`` are not used: a user picks a threshold on the precision–recall curve instead.
    - ``votes`` (the study's rule): each frame votes its arg-max label and
      :func:`polimodal.models.votes.aggregate` makes the video's — binary tasks: positive iff the
      number of positive frames (``vote: count``) or their share (``vote: fraction``) is
      ``> threshold``; ``threshold: auto`` picks it on the validation split (best macro F1) after
      training; multiclass: the mode of the frame labels. Scores are the vote fractions (share of
      frames per class). A video without a kept frame is negative (binary) or gets the training
      majority class (multiclass).

    The positive class of a binary task is ``positive`` (default: the second of the task's values).
    """

    def __init__(self, classes: Sequence[str], params: Params = None, seed: int = 0) -> None:
        super().__init__(classes, params, seed)
        p = self.options
        self.shuffle_size = int(p.shuffle_buffer or 1)
        self.auto_threshold = p.threshold in (None, "auto")
        self.threshold = 0.0 if self.auto_threshold else float(p.threshold)
        self.positive = p.positive_class(f"model kind {self.kind}", self.classes)

    @abstractmethod
    def collate(self, data: Any, video_index: list[int], jpegs: list[bytes]) -> Inputs:
        """Network inputs for frames ``jpegs`` of the videos at ``video_index`` of ``data``."""

    # -- streams
    def _training_frames(self, data: Any, rng: np.random.Generator) -> Iterator[tuple[int, bytes]]:
        pos = {v: i for i, v in enumerate(data.video_ids)}
        for vid, jpegs in data.iter_video_frames():
            for jpeg in cap_frames(jpegs, self.options.training_frames, rng):
                yield pos[vid], jpeg

    def training_stream(self, data: Any, rng: np.random.Generator) -> Iterator[tuple[int, bytes]]:
        """One epoch's training frames, shuffled: ``(index of the video in data, JPEG)``."""
        return shuffle_buffer(self._training_frames(data, rng), self.shuffle_size, rng)

    def train_batches(
        self, data: Any, y: np.ndarray, rng: np.random.Generator
    ) -> Iterator[tuple[Inputs, torch.Tensor]]:
        stream = self.training_stream(data, rng)

        def prepare(chunk: list[tuple[int, bytes]]) -> tuple[Inputs, torch.Tensor]:
            idx = [i for i, _ in chunk]
            return self.collate(data, idx, [j for _, j in chunk]), torch.as_tensor(y[idx])

        # on a GPU, frames are decoded off the training thread, one batch ahead
        on_gpu = self.runtime.device.type == "cuda"
        yield from prefetched(batched(stream, self.options.batch_size), prepare, enabled=on_gpu)

    def frame_predictions(self, data: Any) -> tuple[list[str], list[str], np.ndarray]:
        """``(frame video ids, frame labels, frame probabilities)`` of the kept frames of ``data``."""
        assert self.module is not None
        pos = {v: i for i, v in enumerate(data.video_ids)}
        owners: list[str] = []

        def frames() -> Iterator[tuple[int, bytes]]:
            for vid, jpegs in data.iter_video_frames():
                for jpeg in cap_frames(jpegs, self.options.predict_frames):
                    owners.append(vid)
                    yield pos[vid], jpeg

        batches = prefetched(
            batched(frames(), self.options.predict_batch_size),
            lambda chunk: self.collate(data, [i for i, _ in chunk], [j for _, j in chunk]),
            enabled=self.runtime.device.type == "cuda",
        )
        probs = predict_proba(self.module, self.forward, batches, self.runtime, len(self.classes))
        labels = [self.classes[i] for i in np.argmax(probs, axis=1)] if len(probs) else []
        return owners, labels, probs

    # -- aggregation
    @property
    def _votes(self) -> bool:
        return self.options.video_score == "votes"

    def _aggregate(
        self, data: Any, owners: list[str], labels: list[str], probs: np.ndarray
    ) -> tuple[list[str], np.ndarray]:
        prior = getattr(self, "prior", None)
        if not self._votes:
            return aggregate_probabilities(owners, probs, data.video_ids, self.classes, empty=prior)
        default = self.classes[int(np.argmax(prior))] if prior is not None else None
        return aggregate(
            owners,
            labels,
            data.video_ids,
            self.classes,
            positive=self.positive,
            threshold=self.threshold,
            normalize=self.options.vote == "fraction",
            default=default,
        )

    def _choose_threshold(self, data: Any, owners: list[str], labels: list[str]) -> None:
        if self.positive is None or not self.auto_threshold or not self._votes:
            return
        values = positive_counts(
            owners, labels, data.video_ids, self.positive, normalize=self.options.vote == "fraction"
        )
        self.threshold = choose_threshold(values, [lab == self.positive for lab in data.labels])

    def validate(self, validation: Any) -> float:
        owners, labels, probs = self.frame_predictions(validation)
        self._choose_threshold(validation, owners, labels)
        video_labels, _ = self._aggregate(validation, owners, labels, probs)
        return macro_f1(validation.labels, video_labels, self.classes)

    def finalize(self, validation: Any) -> dict[str, Any]:
        if not self._votes:
            return {"video_score": self.options.video_score, "positive": self.positive}
        owners, labels, _ = self.frame_predictions(validation)
        self._choose_threshold(validation, owners, labels)
        return {
            "video_score": self.options.video_score,
            "threshold": self.threshold,
            "positive": self.positive,
            "vote": self.options.vote,
        }

    def restore(self, meta: Mapping[str, Any]) -> None:
        if meta.get("threshold") is not None:
            self.threshold = float(meta["threshold"])

    def predict_scores(self, data: Any) -> tuple[list[str], np.ndarray]:
        owners, labels, probs = self.frame_predictions(data)
        n_empty = len(set(data.video_ids) - set(owners))
        if n_empty:
            log.info("%s: %d of %d videos have no kept frame", self.kind, n_empty, len(data))
        return self._aggregate(data, owners, labels, probs)
