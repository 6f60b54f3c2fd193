"""Compare the tables of two runs' ``results/`` folders: the check that a refactoring (layout v4,
issue 25) changed no result.

    .venv/bin/python bench/compare_results.py BEFORE/results AFTER/results [--rtol 1e-9]
        [--ignore-column NAME ...] [--show-same]

Every Parquet, CSV and TSV file under either folder is compared with its namesake in the other
(logs, benchmarks, Snakemake's metadata, timings and HTML are left out): the same columns, in the
same order, the same number of rows and the same values, floats (and lists of floats) within a
relative tolerance ``--rtol`` (NaN equals NaN). A table that differs names its differing columns,
the number of rows that differ and the largest relative difference; ``--ignore-column`` leaves a
column out (one measured in seconds, say). Text that holds a run's working directory (the parent of
its results folder, e.g. a source path under resources/) has it replaced by ``<root>`` first, so
two checkouts compare. Prints one line per file (same / different / only in
one) and the counts; exits 1 when a table differs or is only in one folder.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

TABLE_SUFFIXES = (".parquet", ".csv", ".tsv")
#: Path parts and name pieces of files that are not results: they differ from run to run.
SKIPPED_PARTS = {"logs", "benchmarks", ".snakemake", "timings"}
SKIPPED_NAME_PIECES = ("timing", "benchmark")


@dataclass
class Outcome:
    path: str
    status: str  # same | different | only in A | only in B
    rows: int | None = None
    detail: str = ""


def tables(root: Path) -> set[str]:
    """The result tables under ``root``, as paths relative to it."""
    found = set()
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if (
            path.is_file()
            and path.suffix in TABLE_SUFFIXES
            and not SKIPPED_PARTS & set(rel.parts[:-1])
            and not any(piece in path.name for piece in SKIPPED_NAME_PIECES)
        ):
            found.add(rel.as_posix())
    return found


def read_table(path: Path, root: str | None = None) -> pa.Table:
    """The table at ``path``; with ``root``, its text columns with ``root`` written ``<root>``."""
    if path.suffix == ".parquet":
        table = pq.read_table(path)
    elif path.stat().st_size == 0:
        return pa.table({})
    else:
        delimiter = "\t" if path.suffix == ".tsv" else ","
        table = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(delimiter=delimiter))
    if root:
        for i, field in enumerate(table.schema):
            if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
                column = pc.replace_substring(table.column(i), root, "<root>")
                table = table.set_column(i, field, column)
    return table


def _floats(column: pa.ChunkedArray) -> np.ndarray | None:
    """The column's floats, flattened through lists; None when it holds no floats."""
    array = column.combine_chunks() if column.num_chunks else pa.array([], column.type)
    while (
        pa.types.is_list(array.type)
        or pa.types.is_large_list(array.type)
        or pa.types.is_fixed_size_list(array.type)
    ):
        array = array.flatten()
    if pa.types.is_floating(array.type):
        return array.to_numpy(zero_copy_only=False).astype(np.float64)
    return None


def _list_lengths(column: pa.ChunkedArray) -> list[object]:
    """Each row's nesting (list lengths, nulls), so that flattened floats compare row by row."""
    array = column.combine_chunks()
    out: list[object] = []
    while (
        pa.types.is_list(array.type)
        or pa.types.is_large_list(array.type)
        or pa.types.is_fixed_size_list(array.type)
    ):
        out.append(pc.list_value_length(array).to_pylist())
        array = array.flatten()
    return out


def compare_column(a: pa.ChunkedArray, b: pa.ChunkedArray, rtol: float) -> str:
    """'' when equal (floats within ``rtol``), else what differs."""
    if a.type != b.type:
        return f"type {a.type} vs {b.type}"
    fa, fb = _floats(a), _floats(b)
    if fa is not None and fb is not None:
        if _list_lengths(a) != _list_lengths(b) or len(fa) != len(fb):
            return "list lengths differ"
        both_nan = np.isnan(fa) & np.isnan(fb)
        close = np.isclose(fa, fb, rtol=rtol, atol=0.0) | both_nan
        nulls = a.is_null().to_pylist() != b.is_null().to_pylist()
        if close.all() and not nulls:
            return ""
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.abs(fa - fb) / np.maximum(np.abs(fa), np.abs(fb))
        rel = rel[~close]
        worst = float(np.nanmax(rel)) if rel.size and not np.isnan(rel).all() else float("nan")
        return f"{int((~close).sum())} values differ (max relative difference {worst:.3g})" + (
            "; nulls differ" if nulls else ""
        )
    if a.equals(b):
        return ""
    la, lb = a.to_pylist(), b.to_pylist()
    rows = [i for i, (x, y) in enumerate(zip(la, lb, strict=True)) if x != y]
    first = rows[0]
    return f"{len(rows)} rows differ (row {first}: {str(la[first])[:60]!r} vs {str(lb[first])[:60]!r})"


def compare_tables(a: pa.Table, b: pa.Table, rtol: float, ignore: set[str]) -> str:
    """'' when the tables are equal, else what differs."""
    if a.column_names != b.column_names:
        return f"columns {a.column_names} vs {b.column_names}"
    if a.num_rows != b.num_rows:
        return f"{a.num_rows} vs {b.num_rows} rows"
    details = []
    for name in a.column_names:
        if name in ignore:
            continue
        diff = compare_column(a.column(name), b.column(name), rtol)
        if diff:
            details.append(f"{name}: {diff}")
    if details and _same_rows_in_other_order(a, b, ignore):
        return "the same rows in another order"
    return "; ".join(details)


def _same_rows_in_other_order(a: pa.Table, b: pa.Table, ignore: set[str]) -> bool:
    keep = [c for c in a.column_names if c not in ignore]
    try:
        fa = pd.DataFrame({c: a.column(c).to_pylist() for c in keep}).astype(str)
        fb = pd.DataFrame({c: b.column(c).to_pylist() for c in keep}).astype(str)
        return fa.sort_values(keep).reset_index(drop=True).equals(fb.sort_values(keep).reset_index(drop=True))
    except (TypeError, ValueError):
        return False


def compare(root_a: Path, root_b: Path, rtol: float = 1e-9, ignore: set[str] | None = None) -> list[Outcome]:
    """One outcome per table found under either root."""
    ignore = ignore or set()
    found_a, found_b = tables(root_a), tables(root_b)
    out = []
    for rel in sorted(found_a | found_b):
        if rel not in found_b:
            out.append(Outcome(rel, "only in A"))
            continue
        if rel not in found_a:
            out.append(Outcome(rel, "only in B"))
            continue
        a = read_table(root_a / rel, str(root_a.resolve().parent))
        b = read_table(root_b / rel, str(root_b.resolve().parent))
        diff = compare_tables(a, b, rtol, ignore)
        out.append(Outcome(rel, "different" if diff else "same", a.num_rows, diff))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", type=Path, help="results folder A (before)")
    parser.add_argument("b", type=Path, help="results folder B (after)")
    parser.add_argument("--rtol", type=float, default=1e-9, help="relative tolerance of floats")
    parser.add_argument("--ignore-column", action="append", default=[], help="a column left out")
    parser.add_argument("--show-same", action="store_true", help="list the identical tables too")
    args = parser.parse_args(argv)
    for root in (args.a, args.b):
        if not root.is_dir():
            parser.error(f"{root} is not a folder")
    outcomes = compare(args.a, args.b, args.rtol, set(args.ignore_column))
    width = max((len(o.path) for o in outcomes), default=10)
    for o in outcomes:
        if o.status != "same" or args.show_same:
            rows = "" if o.rows is None else f"{o.rows} rows"
            print(f"{o.path:<{width}}  {o.status:<10} {rows:>10}  {o.detail}")
    counts = {
        s: sum(o.status == s for o in outcomes) for s in ("same", "different", "only in A", "only in B")
    }
    print(
        f"{len(outcomes)} tables: "
        + ", ".join(f"{n} {s}" for s, n in counts.items())
        + f" (rtol {args.rtol:g})"
    )
    return 0 if counts["same"] == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
