"""Sample sheet validation (ids, rows, kinds of corpus) and shard assignment (the file reader and
writer: tests/test_corpus_sheets.py)."""

from __future__ import annotations

import pytest

from polimodal.corpus.samples import (
    POST_SHEET,
    SHEET_KINDS,
    VIDEO_SHEET,
    corpus_kind,
    n_shards,
    read_sample_sheet,
    shard_digests,
    shard_name,
    shard_rows,
    sheet_kind,
    sheet_line,
)
from polimodal.corpus.videos import sheet_videos
from polimodal.errors import SampleSheetError


def write(tmp_path, text, name="videos.tsv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_reads_labels_as_text(tmp_path):
    df = read_sample_sheet(
        write(tmp_path, "video_id\tsource\tideology\na1\tdQw4w9WgXcQ\t01\nb_2\t/x.mp4\t\n")
    )
    assert list(df.video_id) == ["a1", "b_2"]
    assert list(df.ideology) == ["01", ""]  # leading zero and empty kept as text


def test_csv_by_suffix(tmp_path):
    df = read_sample_sheet(write(tmp_path, "video_id,source\nx,https://e.org/v.mp4\n", "s.csv"))
    assert df.source[0] == "https://e.org/v.mp4"


@pytest.mark.parametrize(
    "bad",
    ["a/b", "../etc", ".hidden", "a b", "x;rm -rf", "$(id)", "a|b", "é", "x" * 129, "a*"],
)
def test_bad_ids_name_the_line(tmp_path, bad):
    p = write(tmp_path, f"video_id\tsource\nok\ts\n{bad}\ts2\n")
    with pytest.raises(SampleSheetError, match="line 3"):
        read_sample_sheet(p)


def test_empty_id(tmp_path):
    with pytest.raises(SampleSheetError, match="line 2"):
        read_sample_sheet(write(tmp_path, "video_id\tsource\n\ts\n"))


def test_duplicate_ids_name_both_lines(tmp_path):
    p = write(tmp_path, "video_id\tsource\na\ts\nb\ts\na\tt\n")
    with pytest.raises(SampleSheetError, match=r"'a' on lines \[2, 4\]"):
        read_sample_sheet(p)


def test_missing_source_column_and_value(tmp_path):
    with pytest.raises(SampleSheetError, match="missing column"):
        read_sample_sheet(write(tmp_path, "video_id\turl\na\ts\n"))
    with pytest.raises(SampleSheetError, match=r"line 3 \(b\)"):
        read_sample_sheet(write(tmp_path, "video_id\tsource\na\ts\nb\t \n"))


def test_comma_file_named_tsv_gets_a_hint(tmp_path):
    with pytest.raises(SampleSheetError, match="tab-separated"):
        read_sample_sheet(write(tmp_path, "video_id,source\na,s\n"))


def make_sheet(tmp_path, n, name="s.tsv"):
    lines = ["video_id\tsource"] + [f"v{i}\tsrc{i}" for i in range(n)]
    return read_sample_sheet(write(tmp_path, "\n".join(lines) + "\n", name))


def test_shards_are_runs_of_rows(tmp_path):
    df = make_sheet(tmp_path, 25)
    assert n_shards(len(df), 10) == 3
    assert [v.video_id for v in sheet_videos(shard_rows(df, 2, 10))] == [f"v{i}" for i in range(20, 25)]
    assert len(shard_rows(df, 0, 10)) == 10
    with pytest.raises(SampleSheetError, match="shard 3 does not exist"):
        shard_rows(df, 3, 10)
    assert shard_name(7) == "000007"


def test_appending_rows_changes_only_the_last_shard_digest(tmp_path):
    before = shard_digests(make_sheet(tmp_path, 10_000, "a.tsv"), 100)
    after = shard_digests(make_sheet(tmp_path, 10_010, "b.tsv"), 100)
    assert len(before) == 100 and len(after) == 101
    assert before == after[:100]  # every existing shard is unchanged: only the new one runs
    before = shard_digests(make_sheet(tmp_path, 10_050, "c.tsv"), 100)
    after = shard_digests(make_sheet(tmp_path, 10_060, "d.tsv"), 100)
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed == [100]  # the partly filled last shard


def test_digest_follows_source_changes(tmp_path):
    df = make_sheet(tmp_path, 30)
    d1 = shard_digests(df, 10)
    df.loc[15, "source"] = "other"
    d2 = shard_digests(df, 10)
    assert [a == b for a, b in zip(d1, d2, strict=True)] == [True, False, True]


def test_a_shard_job_reads_only_its_rows(tmp_path):
    lines = ["video_id\tsource"] + [f"v{i}\tsrc{i}" for i in range(25)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    full = sheet_videos(shard_rows(read_sample_sheet(path), 2, 10))
    assert VIDEO_SHEET.read_shard(path, 2, 10) == full
    assert [v.video_id for v in VIDEO_SHEET.read_shard(path, 1, 10)] == [f"v{i}" for i in range(10, 20)]
    with pytest.raises(SampleSheetError, match="shard 3 does not exist"):
        VIDEO_SHEET.read_shard(path, 3, 10)


def test_a_shard_names_the_file_line_of_a_bad_row(tmp_path):
    lines = ["video_id\tsource"] + [f"v{i}\tsrc{i}" for i in range(12)] + ["bad/id\ts"]
    path = write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(SampleSheetError, match="line 14"):
        VIDEO_SHEET.read_shard(path, 1, 10)


def test_blank_lines_do_not_shift_a_shard(tmp_path):
    lines = ["video_id\tsource", "v0\ts0", "", "v1\ts1", "v2\ts2", "v3\ts3"]
    path = write(tmp_path, "\n".join(lines) + "\n")
    sheet = read_sample_sheet(path)
    digest = shard_digests(sheet, 2)[1]
    assert VIDEO_SHEET.read_shard(path, 1, 2, digest=digest) == sheet_videos(shard_rows(sheet, 1, 2))


def test_blank_lines_do_not_shift_reported_lines(tmp_path):
    lines = ["video_id\tsource", "v0\ts0", "", "", "v1\ts1", "", "v2\ts2", "", "bad id\ts3"]
    path = write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(SampleSheetError, match=r"line 9: 'bad id'"):
        read_sample_sheet(path)
    path = write(tmp_path, "\n".join(lines[:-1]) + "\nv1\ts9\n")
    with pytest.raises(SampleSheetError, match=r"'v1' on lines \[5, 9\]"):
        read_sample_sheet(path)


def test_file_lines_of_the_rows_are_kept(tmp_path):
    path = write(tmp_path, "video_id\tsource\tlab\n\na\tx\t1\n\n\nb\ty\t0\n")
    sheet = read_sample_sheet(path)
    assert list(sheet["video_id"]) == ["a", "b"]
    assert [sheet_line(sheet, i) for i in range(2)] == [3, 6]


def test_a_sheet_without_rows_says_so(tmp_path):
    path = write(tmp_path, "video_id\tsource\n\n")
    with pytest.raises(SampleSheetError, match="has no rows"):
        read_sample_sheet(path)
    # a shard job's window past the end is not an error of the sheet
    assert read_sample_sheet(write(tmp_path, "video_id\tsource\na\tx\n"), rows=(5, 5)).empty


def test_shard_digests_are_pinned(tmp_path):
    # a changed digest reruns every shard of every corpus: these values predate the one sheet reader
    videos = write(
        tmp_path, "video_id\tsource\tlab\na\tx.mp4\t1\nb\thttps://e.org/v.mp4\t0\nc\tdQw4w9WgXcQ\t1\n"
    )
    assert shard_digests(read_sample_sheet(videos), 2) == ["98a87ca87c81735b", "5d72004e7b7723d9"]
    posts = write(
        tmp_path,
        "post_id\ttext\timage\timage_1\tlab\np1\tTax cuts\ta.jpg | b.png\tc.jpg\t1\np2\t\td.jpg\t\t0\n"
        "p3\tno image\t\t\t1\n",
        "posts.tsv",
    )
    assert shard_digests(read_sample_sheet(posts), 2) == ["b8b566dffc756bec", "8757f818778b6a82"]


def test_the_config_names_a_known_kind_of_corpus(tmp_path):
    sheet = read_sample_sheet(write(tmp_path, "video_id\tsource\na\tx\n"))
    assert corpus_kind(sheet, "videos", "s.tsv") is VIDEO_SHEET
    with pytest.raises(SampleSheetError, match=r"config corpus: 'audio' is not one of \['videos', 'posts'\]"):
        corpus_kind(sheet, "audio", "s.tsv")


def test_sheet_digest_covers_the_columns_read_not_the_file() -> None:
    import pandas as pd

    from polimodal.corpus.samples import sheet_digest

    sheet = pd.DataFrame({"video_id": ["a", "b"], "party": ["dem", "rep"], "ch": ["1", "2"]})
    digest = sheet_digest(sheet, ["video_id", "party", "language"])  # language: not a column
    assert digest == sheet_digest(sheet.assign(ch=["3", "4"]), ["video_id", "party"])
    assert digest != sheet_digest(sheet.assign(party=["rep", "rep"]), ["video_id", "party"])
    assert digest != sheet_digest(sheet.iloc[::-1], ["video_id", "party"])  # row order
    assert digest != sheet_digest(sheet.rename(columns={"party": "p2"}), ["video_id", "p2"])


def test_each_kind_declares_its_stages_and_inputs() -> None:
    from polimodal.data.inputs import INPUTS

    for kind in SHEET_KINDS.values():
        assert kind.stages[0] == "ingest" and kind.text_stage in kind.stages
        assert set(kind.inputs) <= set(INPUTS) and "text" in kind.inputs
    assert "transcribe" in VIDEO_SHEET.stages and "align" in VIDEO_SHEET.stages
    assert POST_SHEET.text_stage == "post_texts" and "align" not in POST_SHEET.stages
    assert POST_SHEET.sheet_texts and not VIDEO_SHEET.sheet_texts


def test_the_kind_is_told_by_its_own_id_column() -> None:
    assert sheet_kind(["video_id", "source"]) is VIDEO_SHEET
    assert sheet_kind(["post_id", "text", "image"]) is POST_SHEET
    assert sheet_kind(["video_id", "source", "post_id", "text"]) is POST_SHEET  # a posts frame read here
