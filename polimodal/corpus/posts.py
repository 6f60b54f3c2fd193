"""A posts sheet: one row per image + text post (the second kind of corpus, ``corpus: posts``).

Columns (tab-separated, or comma-separated when the name ends in .csv; every value is text):

- ``post_id`` -- unique id (the same rules as ``video_id``: letters, digits, ``_ - .``);
- ``text`` -- the post's text (it takes the transcript's place: text models read it);
- images: an ``image`` column holding one or more local paths or http(s) URLs separated by
  ``|`` (``a.jpg | https://x.org/b.png``), and/or numbered columns ``image_1``, ``image_2``, ...
  (one image each; empty cells are skipped). The images of a post are taken in that order:
  ``image`` first, then ``image_1``, ``image_2``, ...;
- any further columns are labels (tasks name them).

A sheet with a ``post_id`` column is a posts sheet; :func:`polimodal.corpus.samples.read_sample_sheet`
hands it to :func:`posts_frame`, which returns the same frame a videos sheet gives (``video_id``
= ``post_id``, ``source`` = the post's images joined by `` | ``, ``text``, the labels), so shards,
tasks, splits and folds treat posts and videos alike. Errors (:class:`SampleSheetError`) name the
line of the file (header = line 1): a posts sheet that also has a video column (``video_id`` or
``source``: one kind per sheet), no ``text`` and no image column, a bad or duplicate ``post_id``,
a post with neither text nor image, an image that is neither an http(s) URL nor a path. A post
with text but no image, or images but no text, is allowed: the ingest job records what it lacks
(:mod:`polimodal.extract.posts`).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from polimodal.errors import SampleSheetError

#: Kinds of corpus a sheet can hold (config key ``corpus``).
CORPUS_KINDS = ("videos", "posts")
#: The separator of several images in one ``image`` cell.
IMAGE_SEPARATOR = "|"
IMAGE_COLUMN_RE = re.compile(r"^image(_[1-9][0-9]*)?$")
#: A URL scheme before the first ``:`` (``data:``, ``mailto:``, ``https://``); two letters at least,
#: so a Windows drive (``C:\\x.jpg``) reads as a path. A local name with a colon: write ``./a:b.jpg``.
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
#: Column names that look like a misspelt image column (``images``, ``img``, ``image1``, ``Image``...).
_IMAGE_LIKE_RE = re.compile(
    r"^(images?|imgs?|pictures?|pics?|photos?|image[ _-]?(url|path|file)s?)([ _-]?[0-9]+)?$", re.IGNORECASE
)


@dataclass(frozen=True)
class Post:
    """One row of a posts sheet as the ingest stage needs it."""

    post_id: str
    text: str
    images: tuple[str, ...]

    @property
    def source(self) -> str:
        return join_images(self.images)


def join_images(images: tuple[str, ...] | list[str]) -> str:
    return f" {IMAGE_SEPARATOR} ".join(images)


def is_posts_header(columns: list[str] | pd.Index) -> bool:
    """Whether a sheet with these columns is a posts sheet (it has ``post_id``)."""
    return "post_id" in set(columns)


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


def posts_frame(df: pd.DataFrame, path: Path, *, first_line: int, windowed: bool) -> pd.DataFrame:
    """Check a posts sheet read as text (``df``, stripped column names) and return its frame.

    ``first_line``: the file line of ``df``'s first row. Adds ``video_id`` (= ``post_id``) and
    ``source`` (the images joined by `` | ``), keeps ``text`` (empty when the sheet has no text
    column) and the other columns; ``attrs["lines"]`` holds each row's file line and
    ``attrs["corpus"]`` is ``"posts"``. ``windowed``: a shard's window of the sheet (an empty
    one is not an error).
    """
    mixed = [c for c in ("video_id", "source") if c in df.columns]
    if mixed:
        raise SampleSheetError(
            f"sample sheet {path}: a posts sheet (it has post_id) must not have the video column(s) "
            f"{mixed}: one kind of corpus per sheet (set `corpus:` in the config and use one sheet each)"
        )
    images = image_columns(df.columns)
    misspelt = [c for c in df.columns if not images and _IMAGE_LIKE_RE.fullmatch(str(c))]
    if misspelt:
        raise SampleSheetError(
            f"sample sheet {path}: line 1 (header): column(s) {misspelt} look like image columns but "
            "the image columns are named `image` (one or more images separated by |) or `image_1`, "
            "`image_2`, ...: rename them (otherwise they are read as labels and no post has an image)"
        )
    if "text" not in df.columns and not images:
        raise SampleSheetError(
            f"sample sheet {path}: a posts sheet needs a `text` column and/or image columns "
            f"(`image`, or `image_1`, `image_2`, ...); found {list(df.columns)}"
        )
    blank = (df.fillna("") == "").all(axis=1)
    df = df[~blank].copy()
    line = pd.Series(df.index.to_numpy() + first_line, index=df.index)
    if not windowed and df.empty:
        raise SampleSheetError(f"sample sheet {path} has no rows: add one row per post below the header")
    df["post_id"] = df["post_id"].str.strip()
    if "text" not in df.columns:
        df["text"] = ""
    df["text"] = df["text"].fillna("").str.strip()
    from polimodal.corpus.samples import check_ids

    check_ids(df, "post_id", path, line)
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
    df = df.reset_index(drop=True)
    from polimodal.corpus.samples import SheetLines

    df.attrs["lines"] = SheetLines(line)
    df.attrs["corpus"] = "posts"
    return df


def sheet_corpus(sheet: pd.DataFrame) -> str:
    """``posts`` or ``videos``: the kind of corpus a sheet read by ``read_sample_sheet`` holds."""
    return "posts" if sheet.attrs.get("corpus") == "posts" or "post_id" in sheet.columns else "videos"


def check_corpus_kind(sheet: pd.DataFrame, corpus: str, path: str | os.PathLike[str]) -> None:
    """Start-up check: the sheet holds the kind of corpus the config's ``corpus`` says."""
    if corpus not in CORPUS_KINDS:
        raise SampleSheetError(f"config corpus: {corpus!r} is not one of {list(CORPUS_KINDS)}")
    found = sheet_corpus(sheet)
    if found != corpus:
        hint = (
            "a posts sheet has post_id, text and image columns"
            if corpus == "posts"
            else "a videos sheet has video_id and source columns"
        )
        raise SampleSheetError(
            f"sample sheet {path} holds {found} but the config says `corpus: {corpus}` ({hint}); "
            f"set `corpus: {found}` or point `samples` at a {corpus} sheet"
        )


def sheet_posts(sheet: pd.DataFrame) -> list[Post]:
    """The posts of a posts frame (:func:`posts_frame`), in sheet order."""
    return [
        Post(pid, text, tuple(split_images(src)))
        for pid, text, src in zip(sheet["video_id"], sheet["text"], sheet["source"], strict=True)
    ]


def post_shard_digests(sheet: pd.DataFrame, shard_size: int) -> list[str]:
    """One digest per shard over its posts' ids, images and texts (a shard reruns when one changes)."""
    keys = (sheet["video_id"] + "\x1f" + sheet["source"] + "\x1f" + sheet["text"] + "\x1e").to_numpy()
    out = []
    for start in range(0, len(keys), shard_size):
        h = hashlib.sha1("".join(keys[start : start + shard_size]).encode(), usedforsecurity=False)
        out.append(h.hexdigest()[:16])
    return out


def read_shard_posts(
    path: str | os.PathLike[str], index: int, shard_size: int, digest: str | None = None
) -> list[Post]:
    """The posts of shard ``index``, reading only that shard's lines of the sheet.

    ``digest`` (from :func:`post_shard_digests`): on a mismatch (blank lines counted differently)
    the whole sheet is read and the shard taken from it.
    """
    from polimodal.corpus.samples import read_sample_sheet, shard_rows

    rows = read_sample_sheet(path, rows=(index * shard_size, shard_size))
    if sheet_corpus(rows) != "posts":
        raise SampleSheetError(f"sample sheet {path} is not a posts sheet (no post_id column)")
    if digest is not None and (rows.empty or post_shard_digests(rows, shard_size)[0] != digest):
        rows = shard_rows(read_sample_sheet(path), index, shard_size)
    if rows.empty:
        raise SampleSheetError(f"shard {index} does not exist in {path}: the sheet is shorter")
    return sheet_posts(rows)
