"""Coding a batch in a spreadsheet (CSV or XLSX) and reading the filled sheets back.

The sheet has one row per item: ``item_id, title, url, text`` (shortened to ``text_chars``),
``coder`` (to fill) and one column per task, headed ``task [a | b | c]`` with the task's values.
A cell of an item the task does not apply to (its ``subset``, :mod:`.coding`) holds ``n/a``.
An XLSX sheet also lists each task's values in a second sheet, ``values``, and offers them in a
drop-down on the task's column.

:func:`read_coding_sheets` turns filled sheets (one per coder, or one with a row per item and coder)
into codes in long form (``item_id, coder, task, value``, :mod:`.agreement`). A value is read as
Excel writes it: stray spaces and case are ignored, ``1.0`` is ``1``, ``TRUE``/``FALSE`` are
``1``/``0`` for a task whose values include 0 and 1. An empty cell is not coded (skipped). Anything
else is a LabelError naming the file, row (the header is row 1), item, coder and value: a value
none of the task's, a code for a task that does not apply (or ``n/a`` where it does), an item not
in the batch, codes without a coder, the same item coded twice by a coder.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from polimodal.errors import ConfigError, LabelError
from polimodal.experiments.tasks import Task
from polimodal.measure.agreement import CODE_COLUMNS, check_codes
from polimodal.measure.coding import applies, check_items

NOT_APPLICABLE = "n/a"
ITEM_COLUMNS = ["item_id", "title", "url", "text", "coder"]
TEXT_CHARS = 500
VALUES_SHEET = "values"


def header(task: Task) -> str:
    """The column header of a task: its name and its values, ``stance [left | right]``."""
    return f"{task.name} [{' | '.join(task.values)}]"


def _short(text: object, n: int) -> str:
    s = "" if pd.isna(text) else " ".join(str(text).split())
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"


def coding_sheet(items: pd.DataFrame, tasks: Sequence[Task], *, text_chars: int = TEXT_CHARS) -> pd.DataFrame:
    """The sheet to fill: ``items`` (``item_id, title, url, text`` and the columns the tasks'
    subsets name) as one row per item, ``coder`` and the task columns empty (``n/a`` where the
    task does not apply)."""
    for t in tasks:
        if NOT_APPLICABLE in (v.lower() for v in t.values):
            raise ConfigError(
                f"task {t.name!r}: value {NOT_APPLICABLE!r} is the sheet's mark of 'not applicable'"
            )
    missing = [c for c in ITEM_COLUMNS[:4] if c not in items.columns]
    if missing:
        raise ConfigError(f"batch items: missing column(s) {missing}")
    ids = check_items(items)
    out = pd.DataFrame(
        {
            "item_id": ids.to_numpy(),
            "title": items["title"].map(lambda s: _short(s, 300)).to_numpy(),
            "url": items["url"].fillna("").astype(str).to_numpy(),
            "text": items["text"].map(lambda s: _short(s, text_chars)).to_numpy(),
            "coder": "",
        }
    )
    for t in tasks:
        out[header(t)] = ["" if ok else NOT_APPLICABLE for ok in applies(t, items)]
    return out


def write_coding_sheet(
    items: pd.DataFrame, tasks: Sequence[Task], path: str | os.PathLike[str], *, text_chars: int = TEXT_CHARS
) -> Path:
    """Write :func:`coding_sheet` to ``path`` (``.csv`` or ``.xlsx``)."""
    path = Path(path)
    sheet = coding_sheet(items, tasks, text_chars=text_chars)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        sheet.to_csv(path, index=False)
    elif path.suffix.lower() == ".xlsx":
        _write_xlsx(sheet, tasks, path)
    else:
        raise ConfigError(f"{path}: a coding sheet is .csv or .xlsx")
    return path


def _write_xlsx(sheet: pd.DataFrame, tasks: Sequence[Task], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "codes"
    ws.append(list(sheet.columns))
    for row in sheet.itertuples(index=False):
        ws.append([str(v) for v in row])
    values = wb.create_sheet(VALUES_SHEET)
    n = len(sheet)
    for j, task in enumerate(tasks, start=1):
        col = get_column_letter(j)
        values.cell(row=1, column=j, value=task.name)
        for i, v in enumerate(task.values, start=2):
            values.cell(row=i, column=j, value=v)
        check = DataValidation(
            type="list", formula1=f"'{VALUES_SHEET}'!${col}$2:${col}${len(task.values) + 1}", allow_blank=True
        )
        target = get_column_letter(len(ITEM_COLUMNS) + j)
        check.add(f"{target}2:{target}{max(n + 1, 2)}")
        ws.add_data_validation(check)
    ws.freeze_panes = "B2"
    wb.save(path)


def _cells(path: Path) -> pd.DataFrame:
    """The first sheet of a CSV/XLSX file as strings (an empty cell: ``""``)."""
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    if path.suffix.lower() != ".xlsx":
        raise ConfigError(f"{path}: a coding sheet is .csv or .xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    rows = [[_cell(v) for v in row] for row in wb.worksheets[0].iter_rows(values_only=True)]
    wb.close()
    if not rows:
        raise ConfigError(f"{path}: the sheet is empty")
    return pd.DataFrame(rows[1:], columns=[str(h) for h in rows[0]])


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    return str(v)


def normalise(raw: str, task: Task) -> str | None:
    """The task's value that ``raw`` stands for as Excel writes it (module docstring), ``""`` for an
    empty cell, :data:`NOT_APPLICABLE` for the mark, None when it stands for none."""
    s = " ".join(str(raw).split())
    low = s.lower()
    if low in ("", NOT_APPLICABLE):
        return low
    by_case = {v.lower(): v for v in task.values}
    if low in by_case:
        return by_case[low]
    try:
        number = float(s)
    except ValueError:
        number = None
    if number is not None and number.is_integer() and str(int(number)) in task.values:
        return str(int(number))
    if low in ("true", "false") and {"0", "1"} <= set(task.values):
        return "1" if low == "true" else "0"
    return None


def read_coding_sheets(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    tasks: Sequence[Task],
    batch_items: pd.DataFrame,
) -> pd.DataFrame:
    """The codes of filled coding sheets in long form (module docstring). ``batch_items``: the
    batch's items (``item_id`` and the columns the tasks' subsets name)."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    ids = check_items(batch_items)
    applicable = {t.name: dict(zip(ids, applies(t, batch_items), strict=True)) for t in tasks}
    known = set(ids)
    rows: list[tuple[str, str, str, str]] = []
    seen: dict[tuple[str, str], str] = {}
    for path in map(Path, paths):
        cells = _cells(path)
        columns = _columns(cells, tasks, path)
        for i, row in enumerate(cells.itertuples(index=False)):
            where = f"{path}: row {i + 2}"
            item, coder = str(row[columns["item_id"]]).strip(), str(row[columns["coder"]]).strip()
            raw = {t.name: str(row[columns[t.name]]) for t in tasks}
            values = {t.name: normalise(raw[t.name], t) for t in tasks}
            if not item and all(v == "" for v in values.values()):
                continue
            if item not in known:
                raise LabelError(f"{where}: item {item!r} is not in the batch ({len(ids)} items)")
            for t in tasks:
                v = values[t.name]
                if v is None:
                    raise LabelError(
                        f"{where}, item {item!r}, coder {coder!r}, task {t.name!r}: value "
                        f"{raw[t.name]!r} is none of {list(t.values)}"
                    )
                if v and applicable[t.name][item] == (v == NOT_APPLICABLE):
                    why = (
                        "the task does not apply to this item" if v != NOT_APPLICABLE else "the task applies"
                    )
                    raise LabelError(
                        f"{where}, item {item!r}, coder {coder!r}, task {t.name!r}: {v!r}, but {why}"
                    )
            coded = {k: v for k, v in values.items() if v and v != NOT_APPLICABLE}
            if not coded:
                continue
            if not coder:
                raise LabelError(f"{where}, item {item!r}: codes {coded} but no coder")
            if (item, coder) in seen:
                raise LabelError(
                    f"{where}: item {item!r} is coded twice by coder {coder!r} (first on {seen[item, coder]})"
                )
            seen[item, coder] = where
            rows.extend((item, coder, task, value) for task, value in coded.items())
    return check_codes(pd.DataFrame(rows, columns=CODE_COLUMNS), {t.name: list(t.values) for t in tasks})


def _columns(cells: pd.DataFrame, tasks: Sequence[Task], path: Path) -> dict[str, int]:
    """Column name or task name -> position in the sheet; ConfigError naming what is missing."""
    names = [str(c).split(" [", 1)[0].strip() for c in cells.columns]
    pos = {n: i for i, n in reversed(list(enumerate(names)))}
    missing = [n for n in ["item_id", "coder", *(t.name for t in tasks)] if n not in pos]
    if missing:
        raise ConfigError(f"{path}: no column for {missing} (columns: {list(cells.columns)})")
    return pos
