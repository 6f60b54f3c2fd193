"""What a model sees: one split (train, validation or test) of one task and fold.

:class:`VideoData` holds, for each video of the split, in a fixed order:

- ``video_ids``: the ids (as in the sample sheet),
- ``labels``: the true label (a string, one of the task's allowed values),
- ``texts``: the video's text (:mod:`polimodal.data.texts`: the transcript, optionally preceded
  by title and description; ``""`` when it has none),
- ``languages``: its text's recorded language (faster-whisper's for a video, lingua's for a
  post; ``""`` when unknown), read with the texts,
- frames, streamed from FRAMES files on demand (never all in memory, :mod:`polimodal.data.frames`):
  ``frames(video_id)`` → the kept (deduplicated) JPEG frames of one video in time order;
  ``iter_video_frames()`` → ``(video_id, [jpeg, ...])`` for every video of the split, one video at
  a time, in file order (fastest: one pass over each file);
  ``iter_frames()`` → ``(video_id, frame_idx, jpeg)`` for every kept frame, same order.
  A video with no frame (audio only) has an empty list;
- ``sequence(video_id)``: its word, audio and frame-embedding sequences (:mod:`polimodal.data.sequences`).

Build the splits of a fold with :func:`load_fold` (what :func:`polimodal.experiments.run.run_fold`
does, from the inputs :func:`polimodal.data.inputs.load_inputs` read).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from polimodal.corpus.experiment_schemas import SPLITS
from polimodal.corpus.schemas import read_parquet
from polimodal.data.frames import FrameStore
from polimodal.data.sequences import SequenceStore, VideoSequences
from polimodal.errors import ConfigError
from polimodal.types import PathLike


@dataclass
class VideoData:
    """One split of one task (see the module docstring). ``len(data)`` = number of videos."""

    video_ids: list[str]
    labels: list[str]
    texts: list[str]
    store: FrameStore | None = field(default=None, repr=False)
    #: per-video word / audio / frame-embedding sequences (models that read ``words``/``audio``)
    sequences: SequenceStore | None = field(default=None, repr=False)
    #: each text's recorded language (TRANSCRIPTS ``language``: ISO 639-1, ``""`` when unknown);
    #: None when not read (models that read no text)
    languages: list[str] | None = None

    @classmethod
    def of(
        cls,
        video_ids: Sequence[str],
        labels: Sequence[str],
        texts: Mapping[str, str] | None = None,
        store: FrameStore | None = None,
        sequences: SequenceStore | None = None,
        languages: Mapping[str, str] | None = None,
    ) -> VideoData:
        """These videos' data from what was read for a set of videos (the one way the fold runner
        and corpus classification build it): a video without text or language gets ``""``;
        ``texts=None``: every text is ``""``; ``languages=None``: no languages."""
        texts = texts or {}
        langs = None if languages is None else [languages.get(v, "") for v in video_ids]
        return cls(
            list(video_ids), list(labels), [texts.get(v, "") for v in video_ids], store, sequences, langs
        )

    def __post_init__(self) -> None:
        n = len(self.video_ids)
        if len(self.labels) != n or len(self.texts) != n:
            raise ValueError(
                f"VideoData: {n} video_ids, {len(self.labels)} labels, {len(self.texts)} texts (must match)"
            )
        if self.languages is not None and len(self.languages) != n:
            raise ValueError(f"VideoData: {n} video_ids, {len(self.languages)} languages (must match)")

    def __len__(self) -> int:
        return len(self.video_ids)

    def _need_store(self) -> FrameStore:
        if self.store is None:
            raise ConfigError("this VideoData has no frames: the model needs FRAMES/DEDUP shard files")
        return self.store

    def frames(self, video_id: str) -> list[bytes]:
        """Kept JPEG frames of one video, in time order."""
        return self._need_store().frames(video_id)

    def iter_video_frames(self, batch_size: int = 256) -> Iterator[tuple[str, list[bytes]]]:
        """``(video_id, kept JPEGs)`` for every video of the split (file order, then frameless ones)."""
        return self._need_store().iter_video_frames(self.video_ids, batch_size=batch_size)

    def iter_frames(self, batch_size: int = 256) -> Iterator[tuple[str, int, bytes]]:
        """``(video_id, frame_idx, jpeg)`` for every kept frame of the split's videos (file order)."""
        return self._need_store().iter_frames(self.video_ids, batch_size=batch_size)

    def sequence(self, video_id: str) -> VideoSequences:
        """The video's word, audio and frame-embedding sequences (:mod:`polimodal.data.sequences`)."""
        if self.sequences is None:
            raise ConfigError("this VideoData has no sequences: the model needs the task's aligned data")
        return self.sequences.get(video_id)

    def subset(self, video_ids: Iterable[str]) -> VideoData:
        """The same data restricted to ``video_ids`` (in that order)."""
        pos = {v: i for i, v in enumerate(self.video_ids)}
        idx = [pos[v] for v in video_ids]
        return VideoData(
            [self.video_ids[i] for i in idx],
            [self.labels[i] for i in idx],
            [self.texts[i] for i in idx],
            self.store,
            self.sequences,
            None if self.languages is None else [self.languages[i] for i in idx],
        )


def read_splits(path: PathLike) -> pd.DataFrame:
    """A SPLITS table as a DataFrame (columns task, fold, video_id, label, split)."""
    return read_parquet(path, SPLITS).to_pandas()


def load_fold(
    splits: pd.DataFrame | PathLike,
    fold: int,
    texts: dict[str, str] | None = None,
    frames: FrameStore | None = None,
    sequences: SequenceStore | None = None,
    languages: dict[str, str] | None = None,
) -> dict[str, VideoData]:
    """``{"train": VideoData, "validation": ..., "test": ...}`` of ``fold`` in SPLITS order.

    A video without text gets ``""`` (texts=None: every text is ``""``); ``languages``: video_id →
    its text's language (a video without one gets ``""``; None: the splits have no languages).
    """
    df = splits if isinstance(splits, pd.DataFrame) else read_splits(splits)
    df = df[df["fold"] == fold]
    if df.empty:
        raise ConfigError(f"fold {fold} not in splits (folds: {sorted(set(splits['fold']))})")  # type: ignore[index]
    out = {}
    for split in ("train", "validation", "test"):
        part = df[df["split"] == split]
        out[split] = VideoData.of(
            part["video_id"].tolist(), part["label"].tolist(), texts, frames, sequences, languages
        )
    return out
