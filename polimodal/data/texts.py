"""A video's text, as a model reads it: title, description, transcript and captions, joined.

A model's ``text_fields`` (a subset of :data:`TEXT_FIELDS`, default the transcript) say which
parts; the parts always come in the order of :data:`TEXT_FIELDS`, joined with a blank line;
missing parts are skipped, so a silent video without metadata has the empty string. A post's
``transcript`` is its whole text (every text column of ``posts.text_columns`` joined); its
``text_fields`` may instead name single text columns (``[headline]``), taken from the
TRANSCRIPTS/TASK_TEXTS ``parts`` and joined in the configured column order. Texts come
from a TRANSCRIPTS + VIDEOS table (a shard's, or the corpus's) with :func:`read_texts`, or from a
task's own TASK_TEXTS table (:mod:`polimodal.experiments.taskdata`) with :func:`read_task_texts`.
Each text's recorded language (TRANSCRIPTS ``language``) comes from the same tables:
:func:`read_languages`, :func:`read_task_languages`.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence

import pyarrow as pa

from polimodal.corpus.experiment_schemas import TASK_TEXTS
from polimodal.corpus.ocr_schemas import OCR_TEXTS
from polimodal.corpus.schemas import TRANSCRIPTS, VIDEOS, has_column, read_parquet
from polimodal.data.captions import caption_texts
from polimodal.errors import ConfigError
from polimodal.types import PathLike

#: Text parts a model's ``text_fields`` may name, in the order they are joined. ``captions``: the
#: site's subtitles (config ``captions``; one track per video, :mod:`polimodal.data.captions`);
#: ``ocr``: the text on screen (OCR_TEXTS of :mod:`polimodal.extract.ocr`, config ``ocr.enabled``).
TEXT_FIELDS = ("title", "description", "transcript", "captions", "ocr")
#: What a model reads when its ``text_fields`` is unset (the default of its parameter dataclass,
#: :class:`polimodal.models.params.TextParams`).
DEFAULT_TEXT_FIELDS = ("transcript",)


def read_texts(
    transcripts: PathLike | None,
    videos: PathLike | None = None,
    fields: Sequence[str] = ("transcript",),
    captions: Sequence[PathLike] = (),
    ocr: PathLike | Sequence[PathLike] | None = None,
) -> dict[str, str]:
    """video_id → text made of ``fields``, joined by a blank line.

    ``fields``: of :data:`TEXT_FIELDS`, or (posts) text columns of the sheet (config
    ``posts.text_columns``, the TRANSCRIPTS ``parts``). ``transcripts`` is a TRANSCRIPTS table
    (needed for ``transcript`` and text columns), ``videos`` a VIDEOS table (needed for
    ``title``/``description``), ``captions`` the CAPTIONS files (needed for ``captions``; the
    track in the transcript's language first), ``ocr`` OCR_TEXTS tables (one or several shards',
    needed for ``ocr``). The parts always come in the order title, description, transcript,
    captions, ocr, then the text columns in their configured order. Videos absent from every table
    are absent from the result.
    """
    fields = _check_fields(fields)
    columns = _post_fields(fields)
    parts: dict[str, dict[str, str]] = defaultdict(dict)
    order: list[str] = []
    if "transcript" in fields or columns:
        if transcripts is None:
            raise ConfigError(
                f"text_fields {fields} need the transcripts table, but no transcripts table was given"
            )
        names = ["video_id", "text"] + (["parts"] if columns and has_column(transcripts, "parts") else [])
        t = read_parquet(transcripts, TRANSCRIPTS, columns=names)
        for row in t.to_pylist():
            parts[row["video_id"]]["transcript"] = row["text"] or ""
            order += _add_parts(parts[row["video_id"]], row.get("parts"), columns)
        _check_columns(columns, order, t.num_rows)
    meta = [f for f in fields if f in ("title", "description")]
    if meta:
        if videos is None:
            raise ConfigError(f"text_fields includes {meta} but no videos table was given")
        t = read_parquet(videos, VIDEOS, columns=["video_id", *meta])
        for row in t.to_pylist():
            for f in meta:
                parts[row["video_id"]][f] = row[f] or ""
    if "captions" in fields:
        if not captions:
            raise ConfigError(
                "text_fields includes 'captions' but no captions table was given (config captions.enabled)"
            )
        languages = read_languages(transcripts) if transcripts is not None else {}
        for vid, text in caption_texts(captions, languages).items():
            parts[vid]["captions"] = text
    if "ocr" in fields:
        for vid, text in read_ocr_texts(ocr).items():
            parts[vid]["ocr"] = text
    return _join_parts(parts, fields, order)


def read_ocr_texts(ocr: PathLike | Sequence[PathLike] | None) -> dict[str, str]:
    """video_id → its on-screen text from OCR_TEXTS table(s) (ConfigError when none is given)."""
    if ocr is None or (not isinstance(ocr, str | os.PathLike) and not ocr):
        raise ConfigError(
            "text_fields include ocr but no on-screen text table was given (config ocr.enabled: true "
            "runs the ocr stage)"
        )
    paths = [ocr] if isinstance(ocr, str | os.PathLike) else list(ocr)
    out: dict[str, str] = {}
    for path in paths:
        t = read_parquet(path, OCR_TEXTS, columns=["video_id", "text"])
        out.update(zip(t.column("video_id").to_pylist(), t.column("text").to_pylist(), strict=True))
    return out


def read_task_texts(path: PathLike, fields: Sequence[str] = ("transcript",)) -> dict[str, str]:
    """:func:`read_texts` from a task's TASK_TEXTS table (:mod:`polimodal.experiments.taskdata`).

    Every video of the task is in the result; a part it lacks counts as empty.
    """
    fields = _check_fields(fields)
    columns = _post_fields(fields)
    # a TASK_TEXTS file written before it had captions: none
    plain = [f for f in fields if f in TEXT_FIELDS and (f != "captions" or has_column(path, f))]
    if "ocr" in plain and not has_column(path, "ocr"):
        raise ConfigError(f"text_fields include ocr but {path} holds no on-screen text (config ocr.enabled)")
    names = ["video_id", *plain] + (["parts"] if columns and has_column(path, "parts") else [])
    t = read_parquet(path, TASK_TEXTS, columns=names)
    parts: dict[str, dict[str, str]] = {}
    order: list[str] = []
    for row in t.to_pylist():
        parts[row["video_id"]] = {f: row[f] or "" for f in plain}
        order += _add_parts(parts[row["video_id"]], row.get("parts"), columns)
    _check_columns(columns, order, t.num_rows)
    return _join_parts(parts, fields, order)


def _post_fields(fields: Sequence[str]) -> list[str]:
    """The fields that are no video text part: a post's text columns."""
    return [f for f in fields if f not in TEXT_FIELDS]


def _add_parts(
    into: dict[str, str], stored: list[dict[str, str]] | None, columns: Sequence[str]
) -> list[str]:
    """Put a post's stored parts named in ``columns`` into ``into``; return every stored name."""
    names = []
    for part in stored or []:
        names.append(part["name"])
        if part["name"] in columns:
            into[part["name"]] = part["text"] or ""
    return names


def _check_columns(columns: Sequence[str], found: Sequence[str], n_rows: int) -> None:
    """A text column no stored text has (a table of videos, or not among ``posts.text_columns``)."""
    bad = [c for c in columns if c not in set(found)]
    if bad and n_rows:
        known = sorted(set(found))
        raise ConfigError(
            f"text_fields {bad}: each must be one of {list(TEXT_FIELDS)}"
            + (f" or a text column of the posts ({known})" if known else " (or, for posts, a text column)")
        )


def read_languages(transcripts: PathLike) -> dict[str, str]:
    """video_id → its text's recorded language (a TRANSCRIPTS table; ``""`` when unknown)."""
    return _languages(transcripts, TRANSCRIPTS)


def read_task_languages(path: PathLike) -> dict[str, str]:
    """:func:`read_languages` from a task's TASK_TEXTS table (empty for one written before it had
    a ``language`` column)."""
    return _languages(path, TASK_TEXTS) if has_column(path, "language") else {}


def _languages(path: PathLike, schema: pa.Schema) -> dict[str, str]:
    rows = read_parquet(path, schema, columns=["video_id", "language"]).to_pylist()
    return {r["video_id"]: r["language"] or "" for r in rows}


def _check_fields(fields: Sequence[str]) -> list[str]:
    if not fields or not all(isinstance(f, str) and f for f in fields):
        raise ConfigError(
            f"text_fields {list(fields)}: each must be one of {list(TEXT_FIELDS)} (or, for posts, a "
            "text column), at least one"
        )
    return list(fields)


def _join_parts(
    parts: dict[str, dict[str, str]], fields: Sequence[str], columns: Sequence[str] = ()
) -> dict[str, str]:
    """Each video's ``fields`` in the order of :data:`TEXT_FIELDS`, then of the text ``columns``."""
    order = [*TEXT_FIELDS, *dict.fromkeys(columns)]
    return {
        vid: "\n\n".join(p[f].strip() for f in order if f in fields and p.get(f, "").strip())
        for vid, p in parts.items()
    }
