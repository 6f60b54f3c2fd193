"""Sheet files: the one reader and writer of the project's sheets (sample, channels and news sheets).

A sheet is tab-separated, or comma-separated when its name ends in ``.csv``
(:func:`sheet_separator`); every cell is text. :func:`read_table_file` reads one as written (blank
lines kept for the caller to count, the header as written: :func:`read_header` refuses a column
named twice), with errors that name the file, line and column: a missing or empty file, a byte
that is not UTF-8 (:func:`encoding_error`), rows merged by a quote (:func:`check_rows_match_lines`).
A TSV cell is literal text (no quoting); a ``.csv`` keeps CSV quoting. :func:`write_table_file`
writes a sheet as it is read, atomically. What a sheet's rows mean is its reader's business
(:mod:`polimodal.corpus.samples`, :mod:`polimodal.corpus.channels`).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pandas as pd

from polimodal.errors import SampleSheetError


def read_table_file(
    path: Path, what: str, row_noun: str, *, rows: tuple[int, int] | None = None
) -> pd.DataFrame:
    """A sheet file (TSV, or CSV when the name ends in .csv) as a frame, every cell text.

    The one reader of the project's sheets (samples, channels): blank lines kept (the caller drops
    them, counting lines), the header named as written; :class:`SampleSheetError` starting with
    ``what`` for a missing or 0-byte file, a byte that is not UTF-8, no header, a malformed file.
    ``rows=(start, n)``: only those data rows.
    """
    if not path.is_file():
        where = (
            ""
            if path.is_absolute()
            else f" (relative paths start at the working directory: {path.absolute()})"
        )
        raise SampleSheetError(f"{what} does not exist{where}")
    sep = sheet_separator(path)
    if path.stat().st_size == 0:
        raise SampleSheetError(
            f"{what} is empty (0 bytes): it needs a header line and one row per {row_noun}"
        )
    try:
        window = {} if rows is None else {"skiprows": range(1, rows[0] + 1), "nrows": rows[1]}
        df = pd.read_csv(
            path,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            comment=None,
            skip_blank_lines=False,
            encoding="utf-8",
            # a TSV cell is literal: a '"' at its start is text, never a quote that runs on to the
            # next '"' and merges the rows between (pandas's default); .csv keeps CSV quoting
            quoting=csv.QUOTE_MINIMAL if sep == "," else csv.QUOTE_NONE,
            **window,
        )
    except UnicodeDecodeError as exc:
        raise SampleSheetError(f"{what}: {encoding_error(path)}") from exc
    except pd.errors.EmptyDataError as exc:  # only blank lines: no header
        raise SampleSheetError(f"{what} has no header line (it holds only blank lines)") from exc
    except pd.errors.ParserError as exc:
        raise SampleSheetError(f"{what}: cannot parse: {exc}") from exc
    df.columns = read_header(path, sep, len(df.columns))
    check_rows_match_lines(df, path, what, sep, rows)
    return df


def sheet_separator(path: Path) -> str:
    """``,`` for a ``.csv`` sheet, else a tab."""
    return "," if path.suffix.lower() == ".csv" else "\t"


def check_rows_match_lines(
    df: pd.DataFrame, path: Path, what: str, sep: str, rows: tuple[int, int] | None
) -> None:
    """The guard against rows merged by a quote: every row read is one line of the file.

    A TSV row is one line by construction (no quoting), so the count of rows read must equal
    the count of lines after the header (a mismatch: SampleSheetError naming the first line where
    they part). In a ``.csv`` a quoted cell may hold line breaks (a post's text), but not a line
    that holds a whole row's worth of separators: that is a quote opened in one row and closed
    rows later, which would silently merge them; SampleSheetError naming both lines.
    """
    start = 2 + (rows[0] if rows else 0)
    if sep != ",":
        n_lines, odd = _scan_lines(path, rows)
        if n_lines != len(df):
            where = f"line {start + odd}" if odd is not None else "a line"
            raise SampleSheetError(
                f"{what}: {len(df)} row(s) read from {n_lines} line(s): {where} does not read as one "
                "row (a carriage return inside a cell?); a tab-separated cell is literal text on "
                "one line"
            )
        return
    breaks = pd.DataFrame({c: df[c].str.count("\n") for c in df.columns}, index=df.index)
    per_row = breaks.sum(axis=1).to_numpy()
    if not per_row.any():
        return
    lines_before = np.cumsum(per_row) - per_row  # line breaks inside the quoted cells of earlier rows
    width = len(df.columns) - 1
    for i in np.flatnonzero(per_row):
        for column in breaks.columns[breaks.iloc[i].to_numpy() > 0]:
            inner = df.iat[i, df.columns.get_loc(column)].split("\n")
            line = start + i + int(lines_before[i])
            if width > 0 and any(part.count(sep) >= width for part in inner[1:]):
                raise SampleSheetError(
                    f"{what}: line {line}, column {column!r}: a quoted cell runs on to line "
                    f"{line + len(inner) - 1} and holds whole rows; close the quote on line {line} "
                    '(a " inside a quoted CSV cell is written "")'
                )


def _scan_lines(path: Path, rows: tuple[int, int] | None) -> tuple[int, int | None]:
    """The data lines of a TSV after the header (or in the window ``rows=(start, n)``), and the
    first of them (0-based) holding a carriage return before its end, which a parser reads as a
    line break."""
    n, odd = 0, None
    first, last = (0, None) if rows is None else (rows[0], rows[0] + rows[1])
    with path.open("rb") as f:
        next(f, None)
        for k, raw in enumerate(f):
            if k < first:
                continue
            if last is not None and k >= last:
                break
            if odd is None and b"\r" in raw.rstrip(b"\r\n"):
                odd = k - first
            n += 1
    return n, odd


def write_table_file(frame: pd.DataFrame, path: Path) -> None:
    """Write a sheet as :func:`read_table_file` reads it, atomically (a reader sees the old file or
    the new): a TSV literally, no cell quoted (a cell holding a tab or line break is a
    SampleSheetError naming its row and column); a ``.csv`` with CSV quoting."""
    sep = sheet_separator(path)
    if sep != ",":
        for column in frame.columns:
            bad = frame[column].astype(str).str.contains(r"[\t\r\n]", regex=True).to_numpy()
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise SampleSheetError(
                    f"{path}: row {i + 1}, column {column!r}: {frame[column].iloc[i]!r} holds a tab or "
                    "line break, which a tab-separated sheet cannot hold"
                )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    literal = {"quoting": csv.QUOTE_NONE, "quotechar": None}
    with tmp.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=sep, lineterminator="\n", **({} if sep == "," else literal))
        writer.writerow(list(frame.columns))
        writer.writerows(frame.itertuples(index=False, name=None))
    os.replace(tmp, path)


def read_header(path: Path, sep: str, n_columns: int) -> list[str]:
    """The stripped column names of the sheet's first line; SampleSheetError when one is there twice.

    Read from the file, not from pandas, which renames a second ``label`` to ``label.1`` (a task
    would then silently read the first one).
    """
    quoting = csv.QUOTE_MINIMAL if sep == "," else csv.QUOTE_NONE
    with path.open(encoding="utf-8-sig", newline="") as f:
        names = [c.strip() for c in next(csv.reader(f, delimiter=sep, quoting=quoting), [])]
    seen = [c for i, c in enumerate(names) if c in names[:i]]
    if seen:
        raise SampleSheetError(
            f"sample sheet {path}: line 1 (header) names the column(s) {sorted(set(seen))} more than once: "
            "rename or remove the copies (a task would read only the first)"
        )
    if len(names) != n_columns:  # pragma: no cover - csv and pandas disagree on the header
        raise SampleSheetError(f"sample sheet {path}: cannot read the header line {names}")
    return names


def encoding_error(path: Path) -> str:
    """Where the first byte that is not UTF-8 stands in ``path``: line, column and value."""
    raw = path.read_bytes()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = exc.start
        line_start = raw.rfind(b"\n", 0, start) + 1
        line = raw.count(b"\n", 0, start) + 1
        column = len(raw[line_start:start].decode("utf-8", errors="replace")) + 1
        return f"line {line}, column {column}: byte 0x{raw[start]:02x} is not UTF-8 (save the sheet as UTF-8)"
    return "cannot be read as UTF-8"
