"""The sheet file reader and writer (:mod:`polimodal.corpus.sheets`): missing and empty files,
encodings, the header, quotes and line breaks. Read through :func:`read_sample_sheet`, its main
caller, so that what a user meets is what is tested (the channels sheet's:
tests/test_corpus_channels.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from polimodal.corpus.samples import read_sample_sheet
from polimodal.corpus.sheets import read_table_file, write_table_file
from polimodal.errors import SampleSheetError


def write(tmp_path, text, name="videos.tsv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_missing_file(tmp_path):
    with pytest.raises(SampleSheetError, match="does not exist"):
        read_sample_sheet(tmp_path / "nope.tsv")


def test_a_byte_that_is_not_utf8_is_reported_by_line_and_column(tmp_path):
    path = tmp_path / "latin1.tsv"
    path.write_bytes(b"video_id\tsource\na\tx.mp4\n" + "b\tcafé.mp4\n".encode("latin-1"))
    with pytest.raises(SampleSheetError, match=r"line 3, column 6: byte 0xe9 is not UTF-8"):
        read_sample_sheet(path)


def test_a_column_named_twice_is_refused(tmp_path):
    # pandas would rename the second to "us_politics.1" and a task would silently read the first
    path = write(tmp_path, "video_id\tsource\tus_politics\tus_politics \na\tx\tyes\tno\n")
    with pytest.raises(
        SampleSheetError, match=r"line 1 \(header\) names the column\(s\) \['us_politics'\] more"
    ):
        read_sample_sheet(path)
    # a shard job reading its window sees the same header
    with pytest.raises(SampleSheetError, match="more than once"):
        read_sample_sheet(path, rows=(0, 1))


def test_a_byte_order_mark_is_not_part_of_the_first_name(tmp_path):
    path = tmp_path / "bom.tsv"
    path.write_bytes("\ufeffvideo_id\tsource\na\tx.mp4\n".encode())
    assert list(read_sample_sheet(path).columns) == ["video_id", "source"]


def test_an_empty_sheet_is_named(tmp_path):
    path = write(tmp_path, "")
    with pytest.raises(SampleSheetError, match=r"sample sheet .*videos.tsv is empty \(0 bytes\)"):
        read_sample_sheet(path)
    with pytest.raises(SampleSheetError, match=r"videos.tsv has no header line"):
        read_sample_sheet(write(tmp_path, "\n\n"))


def test_a_missing_relative_sheet_names_where_it_was_looked_for(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        SampleSheetError, match=rf"config/videos.tsv does not exist .*{tmp_path}/config/videos.tsv"
    ):
        read_sample_sheet("config/videos.tsv")


# ----------------------------------------------------------------------------- quotes in sheets
def test_a_quote_at_the_start_of_a_tsv_cell_is_text_and_merges_no_rows(tmp_path):
    """pandas's default CSV quoting read v2's cell up to v4's '"' as one cell: v3 vanished."""
    p = write(
        tmp_path,
        "video_id\tsource\ttitle\tlabel\n"
        "v1\ta.mp4\tplain\tleft\n"
        'v2\tb.mp4\t"Read my lips\tright\n'
        "v3\tc.mp4\tmiddle\tleft\n"
        'v4\td.mp4\tno new taxes"\tright\n',
    )
    df = read_sample_sheet(p)
    assert list(df.video_id) == ["v1", "v2", "v3", "v4"]
    assert list(df.label) == ["left", "right", "left", "right"]
    assert df.title[1] == '"Read my lips' and df.title[3] == 'no new taxes"'
    # a shard job reads the same rows from its window of lines
    window = read_sample_sheet(p, rows=(1, 2))
    assert list(window.video_id) == ["v2", "v3"] and window.title[0] == '"Read my lips'


def test_a_csv_quote_that_swallows_whole_rows_names_its_line(tmp_path):
    p = write(
        tmp_path,
        'video_id,source,title\nv1,a.mp4,ok\nv2,b.mp4,"opens here\nv3,c.mp4,middle\nv4,d.mp4,closes"\n',
        "s.csv",
    )
    with pytest.raises(SampleSheetError, match=r"line 3, column 'title'.*runs on to line 5"):
        read_sample_sheet(p)


def test_a_csv_cell_may_hold_a_line_break(tmp_path):
    p = write(tmp_path, 'video_id,source,title\nv1,a.mp4,"two\nlines"\nv2,b.mp4,x\n', "s.csv")
    df = read_sample_sheet(p)
    assert list(df.video_id) == ["v1", "v2"] and df.title[0] == "two\nlines"


def test_a_carriage_return_inside_a_tsv_cell_names_its_line(tmp_path):
    p = tmp_path / "videos.tsv"
    p.write_bytes(b"video_id\tsource\ttitle\nv1\ta.mp4\tok\nv2\tb.mp4\tbro\rken\nv3\tc.mp4\tok\n")
    with pytest.raises(SampleSheetError, match=r"3 line.*line 3 does not read as one row"):
        read_sample_sheet(p)


@pytest.mark.parametrize("name", ["sheet.tsv", "sheet.csv"])
def test_a_written_sheet_reads_back_as_written(tmp_path, name):
    frame = pd.DataFrame({"video_id": ["v1", "v2"], "title": ['"quoted', "a, b"], "n": ["01", ""]})
    if name.endswith(".csv"):
        frame.loc[1, "title"] = "two\nlines"  # a CSV cell may hold a line break, quoted
    path = tmp_path / "out" / name
    write_table_file(frame, path)
    back = read_table_file(path, f"sheet {path}", "row")
    assert back.to_dict("list") == frame.to_dict("list")
    assert not (tmp_path / "out" / f".{name}.tmp").exists()  # written beside, then moved in place
