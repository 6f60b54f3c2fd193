"""News articles with a top image (the News Media Bias Plus shape) → a posts sheet.

The posts study (FND-CLIP) works on articles: a headline, the article's text and its top image,
with the outlet and labels (NMB+: ``headline``, ``article_text``, ``image``, ``outlet``,
``text_label``, ``multimodal_label``). An article is a post whose image is the top image; this
module writes the posts sheet the workflow reads (:mod:`polimodal.corpus.posts`):

- ``post_id`` from an id column (``id``, ``article_id`` or NMB+'s ``unique_id`` when present, made
  safe) or the row number (``news000001``);
- ``text``: what text models read by default — the headline and the article text joined by a blank
  line (``text: headline`` or ``article_text`` picks one);
- ``headline`` and ``article_text`` kept as they are, so a model's ``text_fields`` can choose them
  (config ``posts.text_columns: [headline, article_text]``: the post's text is then these two
  columns joined, :mod:`polimodal.corpus.posts`);
- ``image``: the top image (a local path, relative paths resolved against ``image_root``, or an
  http(s) URL);
- every other column (``outlet``, ``text_label``, ``multimodal_label`` ...) kept: labels for tasks
  and columns for results by group.

Input: CSV, TSV or Parquet. Rows without headline, text and image are left out and counted;
a missing required column is a :class:`SampleSheetError` that names it.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from polimodal.corpus.posts import image_kind
from polimodal.corpus.sheets import write_table_file
from polimodal.errors import SampleSheetError
from polimodal.types import PathLike

log = logging.getLogger(__name__)

TEXT_COLUMNS = ("headline", "article_text")
ID_COLUMNS = ("id", "article_id", "unique_id")  # unique_id: NMB+'s
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def read_news_table(path: PathLike) -> pd.DataFrame:
    """A news table as strings (``.parquet``, ``.tsv``/``.tab``, else CSV); NaN → ``""``."""
    path = Path(path)
    if not path.is_file():
        raise SampleSheetError(f"news table {path}: no such file")
    if path.suffix == ".parquet":
        df = pd.read_parquet(path)
    else:
        sep = "\t" if path.suffix in (".tsv", ".tab") else ","
        quoting = csv.QUOTE_NONE if sep == "\t" else csv.QUOTE_MINIMAL  # a TSV cell is literal
        df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, quoting=quoting)
    return df.astype(str).where(df.notna(), "")


def news_to_posts(
    news: pd.DataFrame,
    *,
    text: str = "both",
    image_column: str = "image",
    image_root: PathLike | None = None,
    source: str = "news table",
) -> pd.DataFrame:
    """The posts-sheet frame of ``news`` (module docstring); ``text``: both | headline | article_text."""
    if text not in ("both", *TEXT_COLUMNS):
        raise SampleSheetError(f"{source}: text {text!r}: one of both, headline, article_text")
    needed = [*TEXT_COLUMNS, image_column]
    missing = [c for c in needed if c not in news.columns]
    if missing:
        raise SampleSheetError(
            f"{source}: missing column(s) {missing} (an NMB+ style table has headline, article_text, "
            f"image; it has: {list(news.columns)})"
        )
    df = news.copy()
    for c in needed:
        df[c] = df[c].astype(str).str.strip()
    id_col = next((c for c in ID_COLUMNS if c in df.columns), None)
    ids = (
        df[id_col].astype(str).map(lambda v: _UNSAFE.sub("_", v.strip()).strip("_")[:120])
        if id_col
        else pd.Series([f"news{i + 1:06d}" for i in range(len(df))], index=df.index)
    )
    if id_col and (ids.eq("") | ids.duplicated()).any():
        bad = ids[ids.eq("") | ids.duplicated()].index[0]
        raise SampleSheetError(
            f"{source}: row {bad + 1}: {id_col} {df.loc[bad, id_col]!r} is empty or repeated"
        )
    root = Path(image_root) if image_root is not None else None
    images = df[image_column].map(lambda s: _image(s, root, source))
    if text == "both":
        texts = [
            "\n\n".join(p for p in (h, a) if p)
            for h, a in zip(df["headline"], df["article_text"], strict=True)
        ]
    else:
        texts = df[text].tolist()
    # a tab or newline inside a cell would break the sheet: whitespace runs become one space
    texts = [re.sub(r"\s+", " ", t).strip() for t in texts]
    out = pd.DataFrame({"post_id": ids, "text": texts, "image": images})
    for c in TEXT_COLUMNS:
        out[c] = df[c].str.replace(r"[\t\r\n]+", " ", regex=True)
    others = [
        c for c in df.columns if c not in (*TEXT_COLUMNS, image_column, *(id_col or "",), "text", "post_id")
    ]
    for c in others:
        out[c] = df[c].astype(str).str.replace(r"[\t\r\n]+", " ", regex=True)
    empty = (out["text"] == "") & (out["image"] == "")
    if empty.any():
        log.warning("%s: %d rows without text and image left out", source, int(empty.sum()))
    return out[~empty].reset_index(drop=True)


def _image(cell: str, root: Path | None, source: str) -> str:
    if not cell:
        return ""
    try:
        kind = image_kind(cell)
    except ValueError as exc:
        raise SampleSheetError(f"{source}: image {cell!r}: {exc}") from exc
    if kind == "local" and root is not None and not Path(cell).is_absolute() and not cell.startswith("file:"):
        return str((root / cell).resolve())
    return cell


def write_posts_sheet(posts: pd.DataFrame, out: PathLike) -> Path:
    """The frame as a tab-separated posts sheet."""
    out = Path(out)
    write_table_file(posts, out)
    return out


def convert_news(
    table: PathLike,
    out: PathLike,
    *,
    text: str = "both",
    image_column: str = "image",
    image_root: PathLike | None = None,
    columns: Sequence[str] | None = None,
) -> Path:
    """Read a news table and write its posts sheet (``columns``: keep only these of the others)."""
    news = read_news_table(table)
    root = image_root if image_root is not None else Path(table).resolve().parent
    posts = news_to_posts(
        news, text=text, image_column=image_column, image_root=root, source=f"news table {table}"
    )
    if columns is not None:
        keep = ["post_id", "text", "image", *TEXT_COLUMNS, *columns]
        posts = posts[[c for c in keep if c in posts.columns]]
    return write_posts_sheet(posts, out)
