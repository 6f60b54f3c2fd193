"""A video's text, as a model reads it: title, description and transcript, joined.

A model's ``text_fields`` (a subset of :data:`TEXT_FIELDS`, default the transcript) say which
parts; the parts always come in the order of :data:`TEXT_FIELDS`, joined with a blank line;
missing parts are skipped, so a silent video without metadata has the empty string. Texts come
from a TRANSCRIPTS + VIDEOS table (a shard's, or the corpus's) with :func:`read_texts`, or from a
task's own TASK_TEXTS table (:mod:`polimodal.experiments.taskdata`) with :func:`read_task_texts`.
Each text's recorded language (TRANSCRIPTS ``language``) comes from the same tables:
:func:`read_languages`, :func:`read_task_languages`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import pyarrow.parquet as pq

from polimodal.corpus.schemas import TASK_TEXTS, TRANSCRIPTS, VIDEOS, read_parquet
from polimodal.errors import ConfigError
from polimodal.types import PathLike

#: Text parts a model's ``text_fields`` may name, in the order they are joined.
TEXT_FIELDS = ("title", "description", "transcript")


def read_texts(
    transcripts: PathLike | None,
    videos: PathLike | None = None,
    fields: Sequence[str] = ("transcript",),
) -> dict[str, str]:
    """video_id → text made of ``fields`` (a subset of :data:`TEXT_FIELDS`), joined by a blank line.

    ``transcripts`` is a TRANSCRIPTS table (needed for ``transcript``), ``videos`` a VIDEOS
    table (needed for ``title``/``description``). The parts always come in the order title,
    description, transcript. Videos absent from both tables are absent from the result.
    """
    fields = _check_fields(fields)
    parts: dict[str, dict[str, str]] = defaultdict(dict)
    if "transcript" in fields:
        if transcripts is None:
            raise ConfigError("text_fields includes 'transcript' but no transcripts table was given")
        t = read_parquet(transcripts, TRANSCRIPTS, columns=["video_id", "text"])
        for vid, text in zip(t.column("video_id").to_pylist(), t.column("text").to_pylist(), strict=True):
            parts[vid]["transcript"] = text or ""
    meta = [f for f in fields if f in ("title", "description")]
    if meta:
        if videos is None:
            raise ConfigError(f"text_fields includes {meta} but no videos table was given")
        t = read_parquet(videos, VIDEOS, columns=["video_id", *meta])
        for row in t.to_pylist():
            for f in meta:
                parts[row["video_id"]][f] = row[f] or ""
    return _join_parts(parts, fields)


def read_task_texts(path: PathLike, fields: Sequence[str] = ("transcript",)) -> dict[str, str]:
    """:func:`read_texts` from a task's TASK_TEXTS table (:mod:`polimodal.experiments.taskdata`).

    Every video of the task is in the result; a part it lacks counts as empty.
    """
    fields = _check_fields(fields)
    t = read_parquet(path, TASK_TEXTS, columns=["video_id", *fields])
    parts = {row["video_id"]: {f: row[f] or "" for f in fields} for row in t.to_pylist()}
    return _join_parts(parts, fields)


def read_languages(transcripts: PathLike) -> dict[str, str]:
    """video_id → its text's recorded language (a TRANSCRIPTS table; ``""`` when unknown)."""
    t = read_parquet(transcripts, TRANSCRIPTS, columns=["video_id", "language"])
    return dict(
        zip(
            t.column("video_id").to_pylist(), (x or "" for x in t.column("language").to_pylist()), strict=True
        )
    )


def read_task_languages(path: PathLike) -> dict[str, str]:
    """:func:`read_languages` from a task's TASK_TEXTS table (empty for one written before it had
    a ``language`` column)."""
    if "language" not in pq.read_schema(path).names:
        return {}
    t = read_parquet(path, TASK_TEXTS, columns=["video_id", "language"])
    return dict(
        zip(
            t.column("video_id").to_pylist(), (x or "" for x in t.column("language").to_pylist()), strict=True
        )
    )


def _check_fields(fields: Sequence[str]) -> list[str]:
    bad = [f for f in fields if f not in TEXT_FIELDS]
    if bad or not fields:
        raise ConfigError(
            f"text_fields {list(fields)}: each must be one of {list(TEXT_FIELDS)}, at least one"
        )
    return list(fields)


def _join_parts(parts: dict[str, dict[str, str]], fields: Sequence[str]) -> dict[str, str]:
    return {
        vid: "\n\n".join(p[f].strip() for f in TEXT_FIELDS if f in fields and p.get(f, "").strip())
        for vid, p in parts.items()
    }
