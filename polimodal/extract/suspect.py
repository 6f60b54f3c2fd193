"""Transcript segments that may be made up: flags from what faster-whisper returns, and loops.

Whisper invents text over music, noise, applause and near-silence ("you", "Okay.", ". .", a
"Thank you." repeated), above all where nothing filters it out: the batched pipeline (config
``transcribe.batch_size`` > 0) keeps every segment, whatever its no-speech probability, and
without VAD every stretch of audio reaches the decoder. Each SEGMENTS row gets
``suspect`` (bool) and ``suspect_reason`` (the reasons, in the order of :data:`REASONS`, joined
by ``,``; null when not suspect), by the thresholds of the ``transcribe`` config section
(:class:`SuspectSettings`; defaults those faster-whisper itself uses to skip or redo a window):

``no_speech``    ``no_speech_prob`` > ``suspect_no_speech`` (0.6) and ``avg_logprob`` <
                 ``suspect_logprob`` (-1.0): what the sequential decode skips as silence
``low_logprob``  ``avg_logprob`` < ``suspect_logprob`` (-1.0): what makes it decode again at a
                 higher temperature
``compression``  the text's gzip compression ratio > ``suspect_compression`` (2.4): repetitive text
``loop``         one n-gram of up to :data:`LOOP_MAX_N` words said ``suspect_loop`` (4) or more
                 times back to back (words compared in lower case, without punctuation)

A threshold set to null switches its check off. The flags are pure functions of a segment's
row (:func:`segment_reasons`), so the transcribe job computes them again, from the stored
segments, whenever the thresholds change (no new decode: :func:`flag_segments`). Nothing is
deleted; ``transcribe.drop_suspect`` leaves suspect segments out of the TRANSCRIPTS ``text``
(the text the models read): :func:`transcript_text`.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from polimodal.corpus.schemas import (
    SEGMENTS,
    TRANSCRIPTS,
    conform,
    read_parquet,
    table_from_rows,
    write_parquet_stream,
)
from polimodal.errors import ConfigError
from polimodal.types import PathLike

#: The reasons, in the order they are listed in ``suspect_reason``.
REASONS = ("no_speech", "low_logprob", "compression", "loop")
#: The longest n-gram (in words) whose back-to-back repeats count as a loop.
LOOP_MAX_N = 4

_WORD = re.compile(r"\w+")


class SuspectSettings(Protocol):
    """The thresholds (fields of :class:`polimodal.extract.transcribe.TranscribeOptions`)."""

    suspect_no_speech: float | None
    suspect_logprob: float | None
    suspect_compression: float | None
    suspect_loop: int | None
    drop_suspect: bool


def check_settings(settings: SuspectSettings, where: str) -> None:
    """ConfigError naming the key for a threshold out of its range."""
    p = settings.suspect_no_speech
    if p is not None and not 0.0 <= float(p) <= 1.0:
        raise ConfigError(f"{where}.suspect_no_speech: a probability in [0, 1] (or null: off), got {p!r}")
    lp = settings.suspect_logprob
    if lp is not None and float(lp) > 0.0:
        raise ConfigError(f"{where}.suspect_logprob: a log probability <= 0 (or null: off), got {lp!r}")
    c = settings.suspect_compression
    if c is not None and float(c) <= 0.0:
        raise ConfigError(f"{where}.suspect_compression: a ratio > 0 (or null: off), got {c!r}")
    n = settings.suspect_loop
    if n is not None and int(n) < 2:
        raise ConfigError(f"{where}.suspect_loop: a number of repeats >= 2 (or null: off), got {n!r}")


def compression_ratio(text: str) -> float:
    """The gzip compression ratio of ``text`` as faster-whisper computes it (bytes / zlib bytes)."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def longest_loop(text: str, max_n: int = LOOP_MAX_N) -> tuple[int, str]:
    """The most back-to-back repeats of one n-gram (n <= ``max_n`` words) in ``text``, and that
    n-gram; ``(1, "")`` or less when nothing repeats. Words: runs of letters and digits, lower case."""
    words = _WORD.findall(text.lower())
    best, gram = 1, ""
    for n in range(1, max_n + 1):
        i = 0
        while i + 2 * n <= len(words):
            count, j = 1, i + n
            while j + n <= len(words) and words[j : j + n] == words[i : i + n]:
                count, j = count + 1, j + n
            if count > best:
                best, gram = count, " ".join(words[i : i + n])
            i += 1
    return best, gram


def segment_reasons(
    text: str | None,
    avg_logprob: float | None,
    no_speech_prob: float | None,
    ratio: float | None,
    settings: SuspectSettings,
) -> list[str]:
    """Why one segment may be made up (of :data:`REASONS`, in that order; empty: not suspect).

    ``ratio``: faster-whisper's compression ratio; None (a table written before it was kept):
    computed from ``text``. A value that is None is not judged."""
    text = text or ""
    reasons = []
    lp_max = settings.suspect_logprob
    low = lp_max is not None and avg_logprob is not None and avg_logprob < float(lp_max)
    p_max = settings.suspect_no_speech
    if low and p_max is not None and no_speech_prob is not None and no_speech_prob > float(p_max):
        reasons.append("no_speech")
    if low:
        reasons.append("low_logprob")
    c_max = settings.suspect_compression
    if ratio is None:
        ratio = compression_ratio(text)
    if c_max is not None and ratio > float(c_max):
        reasons.append("compression")
    n_loop = settings.suspect_loop
    if n_loop is not None and longest_loop(text)[0] >= int(n_loop):
        reasons.append("loop")
    return reasons


def flag_segments(rows: Sequence[Mapping[str, Any]], settings: SuspectSettings) -> list[dict[str, Any]]:
    """SEGMENTS rows with ``suspect`` and ``suspect_reason`` set (new dicts; the rest unchanged)."""
    out = []
    for row in rows:
        reasons = segment_reasons(
            row.get("text"),
            row.get("avg_logprob"),
            row.get("no_speech_prob"),
            row.get("compression_ratio"),
            settings,
        )
        out.append({**row, "suspect": bool(reasons), "suspect_reason": ",".join(reasons) or None})
    return out


def transcript_text(rows: Sequence[Mapping[str, Any]], drop_suspect: bool) -> str:
    """A video's whole text from its (flagged) SEGMENTS rows, in order: the segments' texts joined
    by a space; ``drop_suspect``: without the suspect segments."""
    return " ".join(r["text"] for r in rows if r["text"] and not (drop_suspect and r.get("suspect")))


def flag_shard(segments: PathLike, transcripts: PathLike, settings: SuspectSettings) -> int:
    """Flag a shard's SEGMENTS file again by ``settings`` and make its TRANSCRIPTS ``text`` and
    ``n_suspect`` from them. Both files are rewritten with their row groups as they were (one
    video's rows apart from the rest); a file written before segments had flags reads with nulls
    there and gets them. Returns the number of suspect segments."""
    kept: dict[str, list[dict[str, Any]]] = defaultdict(list)  # video → its segments' text and flag
    n_suspect = 0

    def flagged() -> Iterator[pa.Table]:
        nonlocal n_suspect
        f = pq.ParquetFile(segments)
        for rg in range(f.num_row_groups):
            rows = flag_segments(conform(f.read_row_group(rg), SEGMENTS, str(segments)).to_pylist(), settings)
            for row in rows:
                kept[row["video_id"]].append({k: row[k] for k in ("segment_id", "text", "suspect")})
            n_suspect += sum(r["suspect"] for r in rows)
            yield table_from_rows(rows, SEGMENTS)

    write_parquet_stream(flagged(), segments, SEGMENTS)
    videos = []
    for row in read_parquet(transcripts, TRANSCRIPTS).to_pylist():
        mine = sorted(kept.get(row["video_id"], []), key=lambda r: r["segment_id"])
        row["text"] = transcript_text(mine, bool(settings.drop_suspect))
        row["n_suspect"] = sum(r["suspect"] for r in mine)
        videos.append(table_from_rows([row], TRANSCRIPTS))
    write_parquet_stream(videos, transcripts, TRANSCRIPTS)
    return n_suspect
