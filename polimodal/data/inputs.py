"""The one route from what a model reads to the files that hold it and the loader that reads them.

A model kind declares the inputs it reads (:data:`polimodal.models.registry.KINDS`). Each input
is held by files named once here, :data:`INPUTS`; the same names are the input names of the
rules (``common.smk``: train jobs read the task's own files, classify jobs a shard's), the keys
of the ``files`` that :func:`polimodal.experiments.run.run_fold` and
:func:`polimodal.experiments.classify.classify_shard` are given, and the task's own tables
(``results/tasks/{task}/<name>.parquet``, :mod:`polimodal.experiments.taskdata`):

======  =================================================  =======================================
input   task level (the task's own tables)                  shard level (a shard's or the corpus's)
======  =================================================  =======================================
text    ``texts`` (TASK_TEXTS)                              ``transcripts`` (TRANSCRIPTS),
                                                            ``videos`` (VIDEOS: title, description)
frames  ``frames`` (FRAMES of the kept frames)              ``frames`` (FRAMES), ``dedup`` (DEDUP)
words   ``aligned`` (ALIGNED), ``embeddings`` (EMBEDDINGS   ``aligned``, ``embeddings``, ``dedup``
        of the kept frames)
audio   ``pitch`` (PITCH), ``embeddings``                   ``pitch``, ``embeddings``, ``dedup``
======  =================================================  =======================================

(``words`` and ``audio`` come with the embeddings of the video's kept frames: the third sequence
of the cross-modal models, :mod:`polimodal.data.sequences`.) :func:`load_inputs` reads the files
of some inputs for a set of videos into what a :class:`~polimodal.data.videodata.VideoData`
holds: texts, a :class:`~polimodal.data.frames.FrameStore`, a
:class:`~polimodal.data.sequences.SequenceStore` (one loader per part, :data:`LOADERS`).

Adding an input: one :class:`Input` line below (with how to tell a video that lacks it; and a
loader when it fills a new part), the rule that makes its task-level file and the paths of its
files in ``common.smk``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from polimodal.data.frames import FrameStore
from polimodal.data.sequences import SequenceStore
from polimodal.data.texts import (
    DEFAULT_TEXT_FIELDS,
    read_languages,
    read_task_languages,
    read_task_texts,
    read_texts,
)
from polimodal.data.videodata import VideoData, load_fold
from polimodal.errors import ConfigError
from polimodal.types import PathLike

if TYPE_CHECKING:
    import pandas as pd

#: ``task``: a task's own tables (what a train job reads); ``shard``: a shard's tables, or the
#: corpus-wide ones (what a classify job reads).
Level = Literal["task", "shard"]
#: One file name → its path(s): a single path, or several (the same table of several shards).
Files = Mapping[str, PathLike | Sequence[PathLike]]


@dataclass
class LoadedInputs:
    """What :func:`load_inputs` read: the parts a :class:`VideoData` holds (absent: not read)."""

    texts: dict[str, str] = field(default_factory=dict)
    frames: FrameStore | None = None
    sequences: SequenceStore | None = None
    #: each text's recorded language, read with the texts (None: no text read)
    languages: dict[str, str] | None = None

    def video_data(self, video_ids: Sequence[str], labels: Sequence[str]) -> VideoData:
        """These videos' data (:meth:`VideoData.of`: a video without text or language gets ``""``)."""
        return VideoData.of(video_ids, labels, self.texts, self.frames, self.sequences, self.languages)

    def fold(self, splits: pd.DataFrame, fold: int) -> dict[str, VideoData]:
        """The splits of ``fold`` of ``splits`` (a SPLITS table) over what was read
        (:func:`~polimodal.data.videodata.load_fold`)."""
        return load_fold(splits, fold, self.texts, self.frames, self.sequences, self.languages)


def _paths(files: Files, name: str) -> list[Path]:
    value = files.get(name)
    if value is None:
        return []
    if isinstance(value, str | os.PathLike):
        return [Path(value)]
    return [Path(v) for v in value]


def _one(files: Files, name: str) -> Path | None:
    paths = _paths(files, name)
    if len(paths) > 1:
        raise ConfigError(f"one {name!r} table expected, got {len(paths)}: {[str(p) for p in paths]}")
    return paths[0] if paths else None


def _load_texts(files: Files, video_ids: Sequence[str], text_fields: Sequence[str]) -> dict[str, str]:
    texts = _one(files, "texts")
    if texts is not None:
        return read_task_texts(texts, text_fields)
    captions = _paths(files, "captions")  # a shard's CAPTIONS (a task's are in its texts)
    ocr = _paths(files, "ocr") if "ocr" in text_fields else None
    return read_texts(_one(files, "transcripts"), _one(files, "videos"), text_fields, captions, ocr=ocr)


def _load_languages(files: Files) -> dict[str, str]:
    texts = _one(files, "texts")
    if texts is not None:
        return read_task_languages(texts)
    transcripts = _one(files, "transcripts")
    return read_languages(transcripts) if transcripts is not None else {}


def _load_frames(files: Files, video_ids: Sequence[str], text_fields: Sequence[str]) -> FrameStore:
    # a task's FRAMES table holds kept frames only and comes without DEDUP tables
    return FrameStore(_paths(files, "frames"), _paths(files, "dedup") if "dedup" in files else None)


def _load_sequences(files: Files, video_ids: Sequence[str], text_fields: Sequence[str]) -> SequenceStore:
    embeddings = _paths(files, "embeddings")
    # a task's EMBEDDINGS table holds kept frames only; a shard's is filtered with its DEDUP table
    dedup = _paths(files, "dedup") if embeddings and "dedup" in files else None
    return SequenceStore(
        _paths(files, "aligned"), _paths(files, "pitch"), embeddings, dedup, video_ids=video_ids
    )


#: One loader per part of :class:`LoadedInputs`: ``(files, video_ids, text_fields) -> part``.
LOADERS: dict[str, Callable[[Files, Sequence[str], Sequence[str]], Any]] = {
    "texts": _load_texts,
    "frames": _load_frames,
    "sequences": _load_sequences,
}


def _without_transcript(files: Files, loaded: LoadedInputs, video_ids: Sequence[str]) -> set[str]:
    texts, transcripts = _one(files, "texts"), _one(files, "transcripts")
    if texts is not None:
        spoken = read_task_texts(texts, ["transcript"])
    else:
        spoken = read_texts(transcripts, None, ["transcript"]) if transcripts is not None else {}
    return {v for v in video_ids if not spoken.get(v)}


def _without_frames(files: Files, loaded: LoadedInputs, video_ids: Sequence[str]) -> set[str]:
    assert loaded.frames is not None
    return {v for v in video_ids if not loaded.frames.has_frames(v)}


def _without_words(files: Files, loaded: LoadedInputs, video_ids: Sequence[str]) -> set[str]:
    assert loaded.sequences is not None
    return {v for v in video_ids if not loaded.sequences.get(v).words}


def _without_audio(files: Files, loaded: LoadedInputs, video_ids: Sequence[str]) -> set[str]:
    assert loaded.sequences is not None
    return {v for v in video_ids if not len(loaded.sequences.get(v).audio)}


@dataclass(frozen=True)
class Input:
    """One input a model may read: the files that hold it, the part of the data it fills, and
    how to tell a video that lacks it."""

    name: str
    task: tuple[str, ...]
    shard: tuple[str, ...]
    #: the part of :class:`LoadedInputs` its loader fills (:data:`LOADERS`)
    part: str
    #: what a video lacks without it (``transcript``: no spoken text) and which videos do
    lack: str
    lacking: Callable[[Files, LoadedInputs, Sequence[str]], set[str]]

    def files(self, level: Level) -> tuple[str, ...]:
        return self.task if level == "task" else self.shard


#: Every input, declared once (see the module docstring).
INPUTS: dict[str, Input] = {
    i.name: i
    for i in (
        Input(
            "text", task=("texts",), shard=("transcripts", "videos"), part="texts",
            lack="transcript", lacking=_without_transcript,
        ),
        Input(
            "frames", task=("frames",), shard=("frames", "dedup"), part="frames",
            lack="frames", lacking=_without_frames,
        ),
        Input(
            "words", task=("aligned", "embeddings"), shard=("aligned", "embeddings", "dedup"),
            part="sequences", lack="words", lacking=_without_words,
        ),
        Input(
            "audio", task=("pitch", "embeddings"), shard=("pitch", "embeddings", "dedup"),
            part="sequences", lack="audio", lacking=_without_audio,
        ),
    )
}  # fmt: skip


def files_of(inputs: Iterable[str], level: Level) -> list[str]:
    """The names of the files that hold ``inputs`` at ``level``, in table order, each once."""
    wanted = set(inputs)
    unknown = sorted(wanted - set(INPUTS))
    if unknown:
        raise ConfigError(f"unknown input(s) {unknown}; known inputs: {list(INPUTS)}")
    return list(dict.fromkeys(f for i in INPUTS.values() if i.name in wanted for f in i.files(level)))


def load_inputs(
    inputs: Iterable[str],
    files: Files,
    video_ids: Sequence[str],
    *,
    text_fields: Sequence[str] = DEFAULT_TEXT_FIELDS,
    model: str | None = None,
) -> LoadedInputs:
    """Read ``inputs`` of ``video_ids`` from ``files`` (file name → path(s), task or shard level).

    Each part is read once (``words`` and ``audio`` share one sequence store). ConfigError when
    an input has none of its files, or a text field the tables do not hold (named
    ``models.<model>.text_fields`` when ``model`` is given).
    """
    loaded = LoadedInputs()
    read: set[str] = set()
    for name in dict.fromkeys(inputs):
        spec = INPUTS.get(name)
        if spec is None:
            raise ConfigError(f"unknown input {name!r}; known inputs: {list(INPUTS)}")
        if not any(f in files for f in spec.task + spec.shard):
            raise ConfigError(
                f"input {name!r}: none of its files given (task level {list(spec.task)}, "
                f"shard level {list(spec.shard)}; given: {sorted(files)})"
            )
        if spec.part not in read:
            try:
                setattr(loaded, spec.part, LOADERS[spec.part](files, video_ids, text_fields))
            except ConfigError as exc:
                if model is None or not str(exc).startswith("text_fields"):
                    raise
                raise ConfigError(f"models.{model}.{exc}") from None
            read.add(spec.part)
            if spec.part == "texts":  # each text's language comes with it
                loaded.languages = _load_languages(files)
    return loaded


def lacking(
    inputs: Iterable[str], files: Files, loaded: LoadedInputs, video_ids: Sequence[str]
) -> dict[str, list[str]]:
    """video_id → what it lacks of ``inputs`` (in table order): ``transcript`` (no spoken text),
    ``frames`` (no kept frame), ``words``, ``audio``; ``[]`` when it lacks nothing."""
    out: dict[str, list[str]] = {v: [] for v in video_ids}
    wanted = set(inputs)
    for spec in INPUTS.values():
        if spec.name in wanted:
            without = spec.lacking(files, loaded, video_ids)
            for v in video_ids:
                if v in without:
                    out[v].append(spec.lack)
    return out
