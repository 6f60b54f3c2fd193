"""Coding sheets (CSV, XLSX): written for a batch, filled as coders and Excel do, read back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from polimodal.errors import ConfigError, LabelError
from polimodal.experiments.tasks import Task
from polimodal.measure.sheet import (
    NOT_APPLICABLE,
    coding_sheet,
    normalise,
    read_coding_sheets,
    write_coding_sheet,
)

TASKS = [
    Task("stance", "stance", ("left", "center", "right")),
    Task("hate", "hate", ("0", "1"), subset={"kind": ("speech",)}),
]


def items() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": ["v1", "v2", "v3"],
            "title": ["First", "Second", "Third"],
            "text": ["we the people " * 100, "buy now", None],
            "url": ["https://youtu.be/a", "https://youtu.be/b", "https://youtu.be/c"],
            "kind": ["speech", "ad", "speech"],
        }
    )


def test_sheet_has_one_row_per_item_headers_with_values_and_na_outside_the_subset() -> None:
    sheet = coding_sheet(items(), TASKS, text_chars=50)
    assert list(sheet.columns) == [
        "item_id",
        "title",
        "url",
        "text",
        "coder",
        "stance [left | center | right]",
        "hate [0 | 1]",
    ]
    assert sheet["item_id"].tolist() == ["v1", "v2", "v3"]
    assert 45 < len(sheet["text"][0]) <= 50 and sheet["text"][0].endswith("…") and sheet["text"][2] == ""
    assert sheet["hate [0 | 1]"].tolist() == ["", NOT_APPLICABLE, ""]
    assert (sheet["coder"] == "").all() and (sheet["stance [left | center | right]"] == "").all()


def fill(sheet: pd.DataFrame, coder: str, codes: dict[str, tuple[object, object]]) -> pd.DataFrame:
    """The sheet as a coder fills it: item -> (stance, hate) cells (None: left as it is)."""
    out = sheet.copy().astype(object)
    for item, (stance, hate) in codes.items():
        i = out.index[out["item_id"] == item][0]
        out.loc[i, "coder"] = coder
        if stance is not None:
            out.loc[i, "stance [left | center | right]"] = stance
        if hate is not None:
            out.loc[i, "hate [0 | 1]"] = hate
    return out


def write_xlsx_as_excel(sheet: pd.DataFrame, path: Path, template: Path) -> None:
    """Fill the written XLSX's cells with Python values as Excel stores them (bool, float)."""
    wb = load_workbook(template)
    ws = wb["codes"]
    for r, row in enumerate(sheet.itertuples(index=False), start=2):
        for c, v in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=v)
    wb.save(path)


def test_csv_and_xlsx_round_trip_with_excel_values(tmp_path: Path) -> None:
    csv = write_coding_sheet(items(), TASKS, tmp_path / "batch1.csv")
    xlsx = write_coding_sheet(items(), TASKS, tmp_path / "batch1.xlsx")
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["codes", "values"]
    assert [c.value for c in wb["values"]["A"]] == ["stance", "left", "center", "right"]
    assert len(wb["codes"].data_validations.dataValidation) == 2
    sheet = pd.read_csv(csv, dtype=str, keep_default_na=False)
    fill(sheet, " ann ", {"v1": (" Left", "1.0"), "v2": ("RIGHT", None), "v3": ("center ", "")}).to_csv(
        tmp_path / "ann.csv", index=False
    )
    excel = fill(sheet, "bob", {"v1": ("left", True), "v3": ("right", False)})
    write_xlsx_as_excel(excel, tmp_path / "bob.xlsx", xlsx)
    codes = read_coding_sheets([tmp_path / "ann.csv", tmp_path / "bob.xlsx"], TASKS, items())
    assert codes.values.tolist() == [
        ["v1", "ann", "stance", "left"],
        ["v1", "ann", "hate", "1"],
        ["v2", "ann", "stance", "right"],
        ["v3", "ann", "stance", "center"],
        ["v1", "bob", "stance", "left"],
        ["v1", "bob", "hate", "1"],
        ["v3", "bob", "stance", "right"],
        ["v3", "bob", "hate", "0"],
    ]
    assert read_coding_sheets(csv, TASKS, items()).empty  # nothing coded yet


@pytest.mark.parametrize(
    ("raw", "task", "want"),
    [
        ("  1.0 ", TASKS[1], "1"),
        ("TRUE", TASKS[1], "1"),
        ("false", TASKS[1], "0"),
        ("1", TASKS[1], "1"),
        ("Center", TASKS[0], "center"),
        ("", TASKS[0], ""),
        ("N/A ", TASKS[0], NOT_APPLICABLE),
        ("1.5", TASKS[1], None),
        ("TRUE", TASKS[0], None),
        ("centre", TASKS[0], None),
        ("2.0", Task("n", "n", ("1", "2", "3")), "2"),
    ],
)
def test_values_as_excel_writes_them(raw: str, task: Task, want: str | None) -> None:
    assert normalise(raw, task) == want


def filled_csv(tmp_path: Path, coder: str, codes: dict, name: str = "ann.csv") -> Path:
    path = tmp_path / name
    fill(coding_sheet(items(), TASKS), coder, codes).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("coder", "codes", "match"),
    [
        (
            "ann",
            {"v1": ("centre", None)},
            "row 2, item 'v1', coder 'ann', task 'stance': value 'centre' is none of",
        ),
        ("ann", {"v1": ("left", "2")}, "row 2, item 'v1', coder 'ann', task 'hate': value '2' is none of"),
        ("", {"v2": ("left", None)}, "row 3, item 'v2': codes \\{'stance': 'left'\\} but no coder"),
        (
            "ann",
            {"v2": ("left", "1")},
            "row 3, item 'v2', coder 'ann', task 'hate': '1', but the task does not apply",
        ),
        (
            "ann",
            {"v1": ("left", "n/a")},
            "row 2, item 'v1', coder 'ann', task 'hate': 'n/a', but the task applies",
        ),
    ],
)
def test_bad_cells_are_refused_naming_row_coder_and_value(
    tmp_path: Path, coder: str, codes: dict, match: str
) -> None:
    with pytest.raises(LabelError, match=match):
        read_coding_sheets(filled_csv(tmp_path, coder, codes), TASKS, items())


def test_item_not_in_batch_and_duplicates_are_refused(tmp_path: Path) -> None:
    path = filled_csv(tmp_path, "ann", {"v1": ("left", "1")})
    with pytest.raises(LabelError, match="row 2: item 'v1' is not in the batch"):
        read_coding_sheets(path, TASKS, items().iloc[1:])
    again = filled_csv(tmp_path, "ann", {"v1": ("right", None)}, name="ann2.csv")
    with pytest.raises(
        LabelError,
        match=r"ann2.csv: row 2: item 'v1' is coded twice by coder 'ann' \(first on .*ann.csv: row 2\)",
    ):
        read_coding_sheets([path, again], TASKS, items())
    assert (
        len(
            read_coding_sheets(
                [path, filled_csv(tmp_path, "bob", {"v1": ("right", None)}, "b.csv")], TASKS, items()
            )
        )
        == 3
    )


def test_sheet_without_a_task_column_or_of_another_format_is_refused(tmp_path: Path) -> None:
    path = filled_csv(tmp_path, "ann", {"v1": ("left", "1")})
    pd.read_csv(path, dtype=str).drop(columns="hate [0 | 1]").to_csv(tmp_path / "cut.csv", index=False)
    with pytest.raises(ConfigError, match="no column for \\['hate'\\]"):
        read_coding_sheets(tmp_path / "cut.csv", TASKS, items())
    with pytest.raises(ConfigError, match=r"\.csv or \.xlsx"):
        write_coding_sheet(items(), TASKS, tmp_path / "sheet.ods")
    with pytest.raises(ConfigError, match="'kind'"):
        coding_sheet(items().drop(columns="kind"), TASKS)
    with pytest.raises(ConfigError, match="'n/a'"):
        coding_sheet(items(), [Task("x", "x", ("yes", "N/A"))])
