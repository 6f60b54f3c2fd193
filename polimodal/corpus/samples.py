"""The sample sheet: one reader for both kinds of corpus, and its stable shards.

A sheet holds one kind of corpus (config ``corpus``), told by its header: a ``post_id`` column
makes it a posts sheet (:mod:`polimodal.corpus.posts`), else it is a videos sheet
(:mod:`polimodal.corpus.videos`). :data:`SHEET_KINDS` declares each kind once
(:class:`SheetKind`: its header and row checks, its items, what its shard digest covers, the
stages that run for it and the model inputs it gives; its ingest function is
:data:`polimodal.extract.kinds.INGEST`, a layer up). :func:`read_sample_sheet` reads either into
the same frame (``video_id``, ``source``, the labels; a post is a video whose frames are its
images and whose transcript is its text), so shards, tasks, splits and folds treat both alike;
:func:`corpus_kind` is where the workflow learns which kind it runs (``common.smk`` calls it once
and its rules read the kind's entry, never its name).

A shard is a run of ``shard_size`` consecutive rows of the sheet, in file order:
shard ``k`` holds rows ``k*shard_size`` to ``(k+1)*shard_size - 1``. Appending rows
at the end of the sheet therefore only changes the last shard and adds new ones;
every earlier shard keeps its members and its digest, so Snakemake reruns nothing
for it. (Sorting or deleting rows reshuffles shards: append instead.)

The file itself is read by :func:`polimodal.corpus.sheets.read_table_file` (the one reader of the
project's sheets: separators, encoding, quotes, the header).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
import pandas as pd

from polimodal.corpus import posts, videos
from polimodal.corpus.posts import DEFAULT_TEXT_COLUMNS
from polimodal.corpus.sheets import read_table_file
from polimodal.errors import SampleSheetError

#: A video id: letters, digits, ``_``, ``-`` and ``.`` (YouTube ids fit), no leading dot,
#: at most 128 characters. Ids become file names, so no separators or shell characters.
VIDEO_ID_RE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$")

T = TypeVar("T")


@dataclass(frozen=True)
class SheetKind(Generic[T]):
    """One kind of corpus a sheet can hold (config ``corpus``), declared once in :data:`SHEET_KINDS`."""

    #: The config's ``corpus`` value.
    name: str
    #: The id column of the file (its header tells the kind: :func:`sheet_kind`).
    id_column: str
    #: One item, in messages.
    noun: str
    #: What a sheet of this kind has, for the message when the config expects it and the sheet is not.
    hint: str
    #: The JSON schema of one row of the frame (``workflow/schemas/<schema>.schema.yaml``).
    schema: str
    #: Header checks ``(columns, path, text_columns)``; SampleSheetError naming what is wrong.
    #: (``text_columns``: config ``posts.text_columns``, read by posts only.)
    check_header: Callable[[list[str], Path, Sequence[str]], None]
    #: Row checks and the frame's columns ``(rows, path, line, text_columns)``: ``rows`` hold no
    #: blank line and their ids are stripped and checked; ``line`` is each row's file line.
    parse_rows: Callable[[pd.DataFrame, Path, pd.Series, Sequence[str]], pd.DataFrame]
    #: The items of a frame's rows ``(rows, text_columns)``, as the ingest stage takes them.
    items: Callable[[pd.DataFrame, Sequence[str]], list[T]]
    #: The columns a shard's digest covers: a shard reruns exactly when one of them changes.
    digest_columns: tuple[str, ...]
    #: The per-shard stages (rule names) that run for this kind, in order: a rule, start-up check
    #: (:mod:`polimodal.startup`) or output list reads this, never the kind's name.
    stages: tuple[str, ...]
    #: The stage (of :attr:`stages`) that writes each shard's TRANSCRIPTS: ``transcribe`` (speech),
    #: or ``post_texts`` (a post's text takes the transcript's place).
    text_stage: str
    #: The model inputs (:data:`polimodal.data.inputs.INPUTS`) the corpus gives: a model of the run
    #: that reads another stops the run at start-up.
    inputs: tuple[str, ...]
    #: Whether the sheet has text columns (config ``posts.text_columns``): joined as each item's
    #: text, the text fields its models may read, never a task's label column.
    sheet_texts: bool
    #: What the per-item stages did to each item, a clause of the HTML report's description
    #: (``workflow/report/workflow.rst`` reads it as ``config["corpus_method"]``, set by ``common.smk``).
    method: str

    def read_shard(
        self,
        path: str | os.PathLike[str],
        index: int,
        shard_size: int,
        digest: str | None = None,
        text_columns: Sequence[str] = DEFAULT_TEXT_COLUMNS,
    ) -> list[T]:
        """The items of shard ``index``, reading only that shard's lines of the sheet.

        ``digest`` (from :func:`shard_digests` of the whole sheet) guards against lines that
        the whole-sheet reading counts differently (blank lines): on a mismatch the whole
        sheet is read and the shard taken from it.
        """
        rows = read_sample_sheet(path, rows=(index * shard_size, shard_size), text_columns=text_columns)
        if sheet_kind(rows.columns) is not self:
            raise SampleSheetError(
                f"sample sheet {path} is not a {self.name} sheet (no {self.id_column} column)"
            )
        if digest is not None and (rows.empty or shard_digests(rows, shard_size)[0] != digest):
            rows = shard_rows(read_sample_sheet(path, text_columns=text_columns), index, shard_size)
        if rows.empty:
            raise SampleSheetError(f"shard {index} does not exist in {path}: the sheet is shorter")
        return self.items(rows, text_columns)


class SheetLines:
    """The file line of each row of a sheet, kept in ``DataFrame.attrs["lines"]``.

    pandas deep-copies ``attrs`` in every operation on a frame; a list of 6 M line numbers made
    each filter of the sheet cost seconds (6.9 s per task's label check at 1 M rows). This read-only
    array is shared instead of copied.
    """

    __slots__ = ("array",)

    def __init__(self, lines: object) -> None:
        self.array = np.asarray(lines, dtype=np.int64)
        self.array.flags.writeable = False

    def __deepcopy__(self, memo: dict) -> SheetLines:
        return self

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, row: int) -> int:
        return int(self.array[row])

    def __eq__(self, other: object) -> bool:  # pandas compares attrs when it concatenates frames
        return isinstance(other, SheetLines) and np.array_equal(self.array, other.array)

    __hash__ = None  # type: ignore[assignment]


def shard_name(index: int) -> str:
    """The wildcard value of shard ``index`` (six digits: up to a million shards)."""
    return f"{index:06d}"


def check_ids(df: pd.DataFrame, column: str, path: Path, line: pd.Series) -> None:
    """Every id in ``df[column]`` valid (:data:`VIDEO_ID_RE`) and unique; SampleSheetError naming the
    file lines otherwise. ``line``: each row's line in the file (header = line 1)."""
    bad = ~df[column].str.fullmatch(VIDEO_ID_RE.pattern)
    if bad.any():
        rows = [f"line {line[i]}: {df.at[i, column]!r}" for i in df.index[bad][:10]]
        raise SampleSheetError(
            f"sample sheet {path}: {int(bad.sum())} invalid {column}(s) (allowed: letters, digits, "
            f"'_', '-', '.', no leading '.', 1-128 characters): " + "; ".join(rows)
        )
    dup = df[column].duplicated(keep=False)
    if dup.any():
        groups = df[dup].groupby(column).groups
        rows = [f"{key!r} on lines {[int(line[i]) for i in idx]}" for key, idx in list(groups.items())[:10]]
        raise SampleSheetError(f"sample sheet {path}: duplicate {column}(s): " + "; ".join(rows))


def read_sample_sheet(
    path: str | os.PathLike[str],
    *,
    rows: tuple[int, int] | None = None,
    text_columns: Sequence[str] = DEFAULT_TEXT_COLUMNS,
) -> pd.DataFrame:
    """Read and validate the sample sheet (TSV, or CSV when the name ends in .csv), of either kind.

    Every column is read as text; blank lines are skipped. Raises :class:`SampleSheetError`
    naming the row (1-based line number of the file, header = line 1; :func:`sheet_line`
    gives it for any row of the result) and the value for: a byte that is not UTF-8 (line
    and column), a column named twice, an empty or malformed id, a duplicate id, a sheet
    without rows, and what the kind checks (:data:`SHEET_KINDS`; videos: a missing
    ``video_id``/``source`` column, an empty source; posts: :mod:`polimodal.corpus.posts`).
    ``rows=(start, n)`` reads and checks only data rows ``start`` to ``start + n - 1`` (a shard
    job need not parse a sheet of millions of rows; an empty window is not an error there).
    ``text_columns``: a posts sheet's text columns (config ``posts.text_columns``), joined as its
    ``text``; a videos sheet ignores them.
    """
    path = Path(path)
    df = read_table_file(path, f"sample sheet {path}", "item", rows=rows)
    kind = sheet_kind(df.columns)
    kind.check_header(list(df.columns), path, text_columns)
    first = 2 + (rows[0] if rows else 0)
    blank = (df.fillna("") == "").all(axis=1)
    df = df[~blank].copy()
    line = pd.Series(df.index.to_numpy() + first, index=df.index)
    if rows is None and df.empty:
        raise SampleSheetError(
            f"sample sheet {path} has no rows: add one row per {kind.noun} below the header"
        )
    df[kind.id_column] = df[kind.id_column].str.strip()
    check_ids(df, kind.id_column, path, line)
    df = kind.parse_rows(df, path, line, text_columns).reset_index(drop=True)
    df.attrs["lines"] = SheetLines(line)
    return df


def sheet_line(sheet: pd.DataFrame, row: int) -> int:
    """The file line (header = 1) of row ``row`` (0-based position) of a sheet read here."""
    lines = sheet.attrs.get("lines")
    return int(lines[row]) if lines is not None and 0 <= row < len(lines) else int(row) + 2


def n_shards(n_videos: int, shard_size: int) -> int:
    if shard_size < 1:
        raise SampleSheetError(f"shard_size must be >= 1, got {shard_size}")
    return (n_videos + shard_size - 1) // shard_size


def shard_rows(sheet: pd.DataFrame, index: int, shard_size: int) -> pd.DataFrame:
    """The rows of shard ``index``."""
    total = n_shards(len(sheet), shard_size)
    if not 0 <= index < total:
        raise SampleSheetError(f"shard {index} does not exist: the sheet has {total} shard(s)")
    return sheet.iloc[index * shard_size : (index + 1) * shard_size]


def shard_digests(sheet: pd.DataFrame, shard_size: int) -> list[str]:
    """One digest per shard over what its rows' kind says a shard depends on
    (:attr:`SheetKind.digest_columns`: a video's ``video_id`` and ``source``; a post's text too).

    Used as a Snakemake param, so a shard reruns exactly when its members change.
    Vectorised: a million rows take about a second.
    """
    columns = sheet_kind(sheet.columns).digest_columns
    keys = sheet[columns[0]]
    for column in columns[1:]:
        keys = keys + "\x1f" + sheet[column]
    keys = (keys + "\x1e").to_numpy()
    out = []
    for start in range(0, len(keys), shard_size):
        h = hashlib.sha1("".join(keys[start : start + shard_size]).encode(), usedforsecurity=False)
        out.append(h.hexdigest()[:16])
    return out


def sheet_digest(sheet: pd.DataFrame, columns: Sequence[str]) -> str:
    """A digest of the sheet's ``columns`` (those it has; names and values, in row order).

    A Snakemake param of a job that reads these columns, instead of the sheet as an input: the job
    reruns when what it reads changes, not when the sheet is moved, copied or touched.
    """
    h = hashlib.sha1(usedforsecurity=False)
    for column in dict.fromkeys(c for c in columns if c in sheet.columns):
        h.update(("\x1d" + column + "\x1e" + "\x1f".join(sheet[column].astype(str))).encode())
    return h.hexdigest()[:16]


def sheet_kind(columns: Sequence[Any] | pd.Index) -> SheetKind[Any]:
    """The kind of a sheet with these columns (the file's header, or a frame read here): the kind
    whose own id column it has (posts: ``post_id``), else a videos sheet (every frame read here
    has ``video_id``, the id of the shards and tables)."""
    found = set(columns)
    own = [k for k in SHEET_KINDS.values() if k is not VIDEO_SHEET and k.id_column in found]
    return own[0] if own else VIDEO_SHEET


def corpus_kind(sheet: pd.DataFrame, corpus: str, path: str | os.PathLike[str]) -> SheetKind[Any]:
    """The kind of corpus of a run, checked at start-up: the sheet holds what the config's
    ``corpus`` says (SampleSheetError otherwise)."""
    if corpus not in SHEET_KINDS:
        raise SampleSheetError(f"config corpus: {corpus!r} is not one of {list(SHEET_KINDS)}")
    expected, found = SHEET_KINDS[corpus], sheet_kind(sheet.columns)
    if found is not expected:
        raise SampleSheetError(
            f"sample sheet {path} holds {found.name} but the config says `corpus: {corpus}` "
            f"({expected.hint}); set `corpus: {found.name}` or point `samples` at a {corpus} sheet"
        )
    return expected


#: A videos sheet (:mod:`polimodal.corpus.videos`): fetched and transcribed.
VIDEO_SHEET: SheetKind[videos.VideoSource] = SheetKind(
    name="videos",
    id_column="video_id",
    noun="video",
    hint="a videos sheet has video_id and source columns",
    schema="samples",
    check_header=videos.check_header,
    parse_rows=videos.video_rows,
    items=videos.sheet_videos,
    digest_columns=("video_id", "source"),
    stages=("ingest", "transcribe", "dedup", "embed", "pitch", "align"),
    text_stage="transcribe",
    inputs=("text", "frames", "words", "audio"),
    sheet_texts=False,
    method="each video was downloaded or linked, transcribed (faster-whisper, word timestamps and "
    "language), sampled into frames at 1 fps with near-duplicates removed, and its pitch (Praat) "
    "aligned to words and frames",
)
#: A posts sheet (:mod:`polimodal.corpus.posts`): images for frames, the text for the transcript.
POST_SHEET: SheetKind[posts.Post] = SheetKind(
    name="posts",
    id_column="post_id",
    noun="post",
    hint="a posts sheet has post_id, text and image columns",
    schema="posts",
    check_header=posts.check_header,
    parse_rows=posts.post_rows,
    items=posts.sheet_posts,
    digest_columns=("video_id", "source", "text"),
    stages=("ingest", "post_texts", "dedup", "embed"),
    text_stage="post_texts",
    inputs=("text", "frames"),
    sheet_texts=True,
    method="each post's images were fetched and normalised",
)
#: The kinds of corpus a sheet can hold (config ``corpus``), by name.
SHEET_KINDS: dict[str, SheetKind[Any]] = {k.name: k for k in (VIDEO_SHEET, POST_SHEET)}
