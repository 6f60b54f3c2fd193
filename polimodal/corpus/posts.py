"""A posts sheet: one row per image + text post (the second kind of corpus, ``corpus: posts``).

Columns (tab-separated, or comma-separated when the name ends in .csv; every value is text):

- ``post_id`` -- unique id (the same rules as ``video_id``: letters, digits, ``_ - .``);
- ``text`` -- the post's text (it takes the transcript's place: text models read it); or several
  text columns (config ``posts.text_columns``, e.g. ``[headline, article_text]``): the post's
  text is then these columns joined in that order by a blank line (empty ones skipped), and a
  model's ``text_fields`` may name single columns (:class:`Post` ``parts``). Text columns are
  never labels;
- images: an ``image`` column holding one or more local paths or http(s) URLs separated by
  ``|`` (``a.jpg | https://x.org/b.png``), and/or numbered columns ``image_1``, ``image_2``, ...
  (one image each; empty cells are skipped). The images of a post are taken in that order:
  ``image`` first, then ``image_1``, ``image_2``, ...;
- any further columns are labels (tasks name them).

A sheet with a ``post_id`` column is a posts sheet; :func:`polimodal.corpus.samples.read_sample_sheet`
reads it (blank lines dropped, ids checked) and :func:`check_header` and :func:`post_rows` turn it
into the same frame a videos sheet gives (``video_id`` = ``post_id``, ``source`` = the post's images
joined by `` | ``, ``text``, the labels), so shards, tasks, splits and folds treat posts and videos
alike: a post is a video whose frames are its images and whose transcript is its text. Errors
(:class:`SampleSheetError`) name the line of the file (header = line 1): a posts sheet that also has
a video column (``video_id`` or ``source``: one kind per sheet), no ``text`` and no image column, a
bad or duplicate ``post_id``, a post with neither text nor image, an image that is neither an
http(s) URL nor a path. A post with text but no image, or images but no text, is allowed: the
ingest job records what it lacks (:mod:`polimodal.extract.posts`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from polimodal.corpus.columns import check_near_misses, near_misses, resembles
from polimodal.errors import SampleSheetError

#: The separator of several images in one ``image`` cell.
IMAGE_SEPARATOR = "|"
IMAGE_COLUMN_RE = re.compile(r"^image(_[1-9][0-9]*)?$")
#: A numbered column (``image_01``, ``Image 2``, ``imgae_3``): a stem and a number.
_NUMBERED_RE = re.compile(r"^(.*?)[\s_.-]*([0-9]+)$")
#: A URL scheme before the first ``:`` (``data:``, ``mailto:``, ``https://``); two letters at least,
#: so a Windows drive (``C:\\x.jpg``) reads as a path. A local name with a colon: write ``./a:b.jpg``.
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
#: Column names that look like a misspelt image column (``images``, ``img``, ``image1``, ``Image``...).
_IMAGE_LIKE_RE = re.compile(
    r"^(images?|imgs?|pictures?|pics?|photos?|image[ _-]?(url|path|file)s?)([ _-]?[0-9]+)?$", re.IGNORECASE
)


#: The text columns of a posts sheet unless the config says otherwise (``posts.text_columns``).
DEFAULT_TEXT_COLUMNS = ("text",)


@dataclass(frozen=True)
class Post:
    """One row of a posts sheet as the ingest stage needs it: ``text`` is its text columns joined,
    ``parts`` each text column's text (``(column, text)`` in the configured order)."""

    post_id: str
    text: str
    images: tuple[str, ...]
    parts: tuple[tuple[str, str], ...] = ()

    @property
    def source(self) -> str:
        return join_images(self.images)


def join_images(images: tuple[str, ...] | list[str]) -> str:
    return f" {IMAGE_SEPARATOR} ".join(images)


def image_columns(columns: list[str] | pd.Index) -> list[str]:
    """The image columns in the order their images are taken: ``image``, ``image_1``, ``image_2``, ..."""
    cols = [c for c in columns if IMAGE_COLUMN_RE.fullmatch(str(c))]
    return sorted(cols, key=lambda c: 0 if c == "image" else int(c.split("_")[1]))


def split_images(cell: str) -> list[str]:
    """The images of one ``image`` cell (``|``-separated, blanks dropped)."""
    return [p.strip() for p in str(cell).split(IMAGE_SEPARATOR) if p.strip()]


def image_kind(source: str) -> str:
    """``url`` (http/https) or ``local`` (a path or file:// URL); ValueError for another scheme."""
    m = _SCHEME_RE.match(source)
    if m is None:
        return "local"
    scheme = m.group(1).lower()
    if scheme in ("http", "https"):
        return "url"
    if scheme == "file":
        return "local"
    raise ValueError(
        f"{source[:60]!r}: scheme {scheme}: is not supported (only http(s) URLs and paths; a local "
        "name with a colon: write ./name)"
    )


def join_text(parts: list[str] | tuple[str, ...]) -> str:
    """A post's text: its text columns' texts, stripped, the non-empty ones joined by a blank line."""
    return "\n\n".join(t.strip() for t in parts if t and t.strip())


def check_header(columns: list[str], path: Path, text_columns: Sequence[str] = DEFAULT_TEXT_COLUMNS) -> None:
    """The header of a posts sheet: no video column, an image column under its right name, the
    configured text columns (other than the default ``text``), and text and/or image columns."""
    mixed = [c for c in ("video_id", "source") if c in columns]
    if mixed:
        raise SampleSheetError(
            f"sample sheet {path}: a posts sheet (it has post_id) must not have the video column(s) "
            f"{mixed}: one kind of corpus per sheet (set `corpus:` in the config and use one sheet each)"
        )
    images = image_columns(columns)
    misspelt = [c for c in columns if not images and _IMAGE_LIKE_RE.fullmatch(str(c))]
    if misspelt:
        raise SampleSheetError(
            f"sample sheet {path}: line 1 (header): column(s) {misspelt} look like image columns but "
            "the image columns are named `image` (one or more images separated by |) or `image_1`, "
            "`image_2`, ...: rename them (otherwise they are read as labels and no post has an image)"
        )
    text_columns = list(text_columns)
    check_near_misses(column_near_misses(columns, text_columns), f"sample sheet {path}")
    if text_columns != list(DEFAULT_TEXT_COLUMNS):
        missing = [c for c in text_columns if c not in columns]
        bad = [c for c in text_columns if c in ("post_id", "video_id", "source") or c in images]
        if missing or bad:
            raise SampleSheetError(
                f"sample sheet {path}: line 1 (header): config posts.text_columns {text_columns}: "
                + (f"no column(s) {missing} in the sheet (columns: {columns})" if missing else "")
                + (f"{'; ' if missing else ''}{bad} are id or image columns, not text" if bad else "")
            )
    if not any(c in columns for c in text_columns) and not images:
        raise SampleSheetError(
            f"sample sheet {path}: a posts sheet needs a `text` column and/or image columns "
            f"(`image`, or `image_1`, `image_2`, ...); found {columns}"
        )


def known_columns(text_columns: Sequence[str] = DEFAULT_TEXT_COLUMNS) -> tuple[str, ...]:
    """The columns a posts sheet reads (besides ``image_N``): ``post_id``, ``text`` (a post's
    text, whatever the text columns), ``image`` and the text columns."""
    return tuple(dict.fromkeys(("post_id", "text", "image", *text_columns)))


def column_near_misses(columns: Sequence[str], text_columns: Sequence[str]) -> list[tuple[str, str]]:
    """``(column, known column)`` of the header columns that are a known column of a posts sheet
    spelt another way (:mod:`polimodal.corpus.columns`; a numbered image column such as
    ``image_01``, ``Image_2`` or ``imgae_3`` is like ``image_N``)."""
    known = known_columns(text_columns)
    out = []
    for column in columns:
        if column in known or IMAGE_COLUMN_RE.fullmatch(column):
            continue
        m = _NUMBERED_RE.fullmatch(column)
        if m and (m.group(1) == "image" or resembles(m.group(1), "image")):
            out.append((column, f"image_{int(m.group(2)) or 1}"))
        else:
            out += near_misses([column], known)
    return out


def post_rows(
    df: pd.DataFrame, path: Path, line: pd.Series, text_columns: Sequence[str] = DEFAULT_TEXT_COLUMNS
) -> pd.DataFrame:
    """Check a posts sheet's rows (blank lines dropped, ids checked) and return its frame.

    ``line``: each row's file line. Adds ``video_id`` (= ``post_id``) and ``source`` (the images
    joined by `` | ``) in front, and sets ``text``: the ``text_columns`` joined (:func:`join_text`;
    empty when the sheet has none of them); keeps the other columns.
    """
    images = image_columns(df.columns)
    present = [c for c in text_columns if c in df.columns]
    for col in present:
        df[col] = df[col].fillna("")
    if present == ["text"]:
        df["text"] = df["text"].str.strip()
    else:
        df["text"] = (
            [join_text(row) for row in zip(*(df[c] for c in present), strict=True)] if present else ""
        )
    sources = []
    for i in df.index:
        found: list[str] = []
        for col in images:
            found += split_images(df.at[i, col]) if col == "image" else [str(df.at[i, col]).strip()]
        found = [f for f in found if f]
        for src in found:
            try:
                image_kind(src)
            except ValueError as exc:
                raise SampleSheetError(
                    f"sample sheet {path}: line {line[i]} (post {df.at[i, 'post_id']}): image {exc}"
                ) from None
        if not found and not df.at[i, "text"]:
            raise SampleSheetError(
                f"sample sheet {path}: line {line[i]} (post {df.at[i, 'post_id']}) has neither text nor "
                "an image: a post needs at least one of them"
            )
        sources.append(join_images(found))
    df.insert(0, "video_id", df["post_id"])
    df.insert(1, "source", sources)
    return df


def sheet_posts(sheet: pd.DataFrame, text_columns: Sequence[str] = DEFAULT_TEXT_COLUMNS) -> list[Post]:
    """The posts of a posts sheet's rows (:func:`post_rows`), in sheet order, with the text of
    each of ``text_columns`` (those the sheet has) as their ``parts``."""
    present = [c for c in text_columns if c in sheet.columns]
    columns = [sheet[c].fillna("").str.strip() for c in present]
    return [
        Post(pid, text, tuple(split_images(src)), tuple(zip(present, row, strict=True)))
        for pid, text, src, *row in zip(
            sheet["video_id"], sheet["text"], sheet["source"], *columns, strict=True
        )
    ]
