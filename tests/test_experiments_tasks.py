"""Tasks: label validation against the sheet, subsets, unavailable videos, the data table."""

from __future__ import annotations

import pandas as pd
import pytest

from polimodal.corpus.schemas import UNAVAILABLE, VIDEOS, write_parquet
from polimodal.errors import ConfigError, LabelError
from polimodal.experiments.tasks import (
    Task,
    available_videos,
    data_table,
    task_labels,
    tasks_from_config,
    to_markdown,
    write_data_table,
    write_data_table_for_config,
)


def sheet(labels, extra=None):
    df = pd.DataFrame({"video_id": [f"v{i}" for i in range(len(labels))], "source": "x", "party": labels})
    for k, v in (extra or {}).items():
        df[k] = v
    return df


def test_from_config_defaults_and_order():
    tasks = tasks_from_config(
        {"tasks": {"party": {"values": ["d", "r"]}, "ideo": {"column": "i", "values": ["l", "c", "r"]}}}
    )
    assert [t.name for t in tasks] == ["party", "ideo"]
    assert tasks[0].column == "party" and tasks[0].binary and tasks[0].subset is None
    assert tasks[1].column == "i" and not tasks[1].binary
    assert tasks_from_config({}) == []


@pytest.mark.parametrize(
    "cfg", [{"values": ["a"]}, {"values": ["a", "a"]}, {"values": ["a", "b"], "subset": "some"}]
)
def test_bad_task_config(cfg):
    with pytest.raises(ConfigError, match="task 't'"):
        Task.from_config("t", cfg)


def test_unknown_value_names_task_value_and_lines():
    task = Task.from_config("party", {"values": ["dem", "rep"]})
    with pytest.raises(LabelError) as e:
        task_labels(task, sheet(["dem", "rep", "green", "dem", "rep", "green"]))
    msg = str(e.value)
    assert "party" in msg and "'green'" in msg and "line(s) 4, 7" in msg


def test_empty_label_without_subset_is_error_with_hint():
    task = Task.from_config("party", {"values": ["dem", "rep"]})
    with pytest.raises(LabelError, match="subset: labelled"):
        task_labels(task, sheet(["dem", "", "rep", "dem", "rep"]))


def test_missing_column():
    task = Task.from_config("ideology", {"values": ["l", "r"]})
    with pytest.raises(LabelError, match="label column 'ideology' is not in the sample sheet"):
        task_labels(task, sheet(["dem", "rep"]))


def test_too_few_examples_names_value_and_rows():
    task = Task.from_config("party", {"values": ["dem", "rep"]})
    with pytest.raises(LabelError, match=r"value 'rep' has 1 example\(s\) in the sample sheet.*line\(s\): 3"):
        task_labels(task, sheet(["dem", "rep", "dem", "dem"]))


def test_subset_labelled_and_filter():
    s = sheet(["dem", "", "rep", "dem", "", "rep"], {"lang": ["en", "en", "en", "de", "de", "en"]})
    tl = task_labels(Task.from_config("party", {"values": ["dem", "rep"], "subset": "labelled"}), s)
    assert tl.labels["video_id"].tolist() == ["v0", "v2", "v3", "v5"]
    with pytest.raises(LabelError, match="'' on line"):  # an empty label inside a filter is an error
        task_labels(Task.from_config("party", {"values": ["dem", "rep"], "subset": {"lang": ["en"]}}), s)
    s.loc[1, "party"] = "dem"
    tl = task_labels(Task.from_config("party", {"values": ["dem", "rep"], "subset": {"lang": ["en"]}}), s)
    assert tl.labels["video_id"].tolist() == ["v0", "v1", "v2", "v5"]


def test_unavailable_excluded_and_counted(tmp_path):
    task = Task.from_config("party", {"values": ["dem", "rep"]})
    s = sheet(["dem", "rep", "dem", "rep", "rep"])
    tl = task_labels(task, s, available=["v0", "v1", "v2", "v3"])
    assert tl.counts() == {"dem": 2, "rep": 2}
    assert tl.unavailable["video_id"].tolist() == ["v4"]
    with pytest.raises(LabelError, match="among available videos"):
        task_labels(task, s, available=["v0", "v1", "v2"])
    df = write_data_table([task], s, ["v0", "v1", "v2", "v3"], tmp_path / "d.csv", tmp_path / "d.md")
    rows = df.set_index("value")
    assert rows.loc["dem", "n"] == 2 and rows.loc["dem", "percent"] == 50.0
    assert rows.loc["rep", "n_unavailable"] == 1 and rows.loc["total", "n"] == 4
    assert pd.read_csv(tmp_path / "d.csv").shape == (3, 5)
    assert "| party | rep | 2 | 50.0 | 1 |" in (tmp_path / "d.md").read_text()


def test_data_table_multiclass_percent():
    task = Task.from_config("t", {"values": ["a", "b", "c"], "column": "party"})
    df = data_table([task_labels(task, sheet(["a", "a", "b", "b", "c", "c", "a", "a"]))])
    assert df["percent"].tolist() == [50.0, 25.0, 25.0, 100.0]
    assert to_markdown(df).count("\n") == 6


def test_data_table_for_config_from_files(tmp_path):
    path = tmp_path / "videos.tsv"
    sheet(["dem", "rep", "dem", "rep", "rep"], {"topic": ["a", "b", "a", "b", ""]}).to_csv(
        path, sep="\t", index=False
    )
    videos = write_parquet(
        [{"video_id": f"v{i}", "source": "x", "source_kind": "local"} for i in range(4)],
        tmp_path / "videos.parquet",
        VIDEOS,
    )
    assert available_videos(videos) == ["v0", "v1", "v2", "v3"]
    tasks = {"party": {"values": ["dem", "rep"]}, "topic": {"values": ["a", "b"], "subset": "labelled"}}
    out = {k: tmp_path / f"d.{k}" for k in ("csv", "md", "html")}
    df = write_data_table_for_config(
        tasks, path, videos, csv_out=out["csv"], md_out=out["md"], html_out=out["html"]
    )
    assert df["task"].unique().tolist() == ["party", "topic"]
    rows = df[df["task"] == "party"].set_index("value")
    assert rows.loc["rep", "n"] == 2 and rows.loc["rep", "n_unavailable"] == 1 and rows.loc["total", "n"] == 4
    assert df[df["task"] == "topic"].set_index("value").loc["total", "n"] == 4
    assert pd.read_csv(out["csv"]).shape == df.shape
    assert out["md"].read_text().startswith("| task | value |") and "<table" in out["html"].read_text()
    # with the unavailable table, the pages end with the availability rates
    gone = tmp_path / "gone.parquet"
    write_parquet([{"video_id": "v4", "source": "x", "stage": "ingest", "kind": "removed", "reason": "r"}],
                  gone, UNAVAILABLE)  # fmt: skip
    write_data_table_for_config(
        tasks, path, videos, csv_out=out["csv"], md_out=out["md"], html_out=out["html"], unavailable=gone
    )
    assert "| videos | 5 | 4 | 1 | 20.0 |" in out["md"].read_text()
    assert "percent_unavailable" in out["html"].read_text() and pd.read_csv(out["csv"]).shape == df.shape
    with pytest.raises(ConfigError, match="task 'bad'"):
        write_data_table_for_config({"bad": {"values": ["x"]}}, path, videos, csv_out=out["csv"])


def test_label_errors_name_the_file_lines_of_a_sheet_with_blank_lines(tmp_path):
    from polimodal.corpus.samples import read_sample_sheet

    path = tmp_path / "s.tsv"
    path.write_text(
        "video_id\tsource\tparty\na\tx\tdem\n\nb\ty\trep\n\n\nc\tz\tgreen\nd\tw\tdem\ne\tv\trep\n"
    )
    task = Task.from_config("party", {"values": ["dem", "rep"]})
    with pytest.raises(LabelError, match=r"'green' on line\(s\) 7"):
        task_labels(task, read_sample_sheet(path))
    path.write_text("video_id\tsource\tparty\na\tx\tdem\n\nb\ty\trep\n\nc\tz\tdem\n")
    with pytest.raises(LabelError, match=r"value 'rep' has 1 example\(s\).*line\(s\): 4"):
        task_labels(task, read_sample_sheet(path))


def test_videos_in_a_language_not_kept_are_not_available(tmp_path):
    from polimodal.corpus.schemas import UNAVAILABLE, table_from_rows
    from polimodal.experiments.tasks import available_videos

    rows = [{"video_id": f"v{i}", "source": "x", "source_kind": "local"} for i in range(4)]
    write_parquet(table_from_rows(rows, VIDEOS), tmp_path / "v.parquet", VIDEOS)
    ex = [{"video_id": "v2", "source": "x", "stage": "language", "kind": "excluded_language", "reason": "sv"}]
    write_parquet(table_from_rows(ex, UNAVAILABLE), tmp_path / "x.parquet", UNAVAILABLE)
    assert available_videos(tmp_path / "v.parquet") == ["v0", "v1", "v2", "v3"]
    assert available_videos(tmp_path / "v.parquet", tmp_path / "x.parquet") == ["v0", "v1", "v3"]


def test_videos_in_a_language_not_kept_leave_the_task_and_are_counted():
    from polimodal.experiments.tasks import data_table

    sheet = pd.DataFrame({"video_id": [f"v{i}" for i in range(8)], "party": ["dem", "rep"] * 4})
    task = Task.from_config("party", {"values": ["dem", "rep"]})
    tl = task_labels(task, sheet, [f"v{i}" for i in range(7)], excluded={"v0": "fr"})
    assert list(tl.labels["video_id"]) == ["v1", "v2", "v3", "v4", "v5", "v6"]
    assert sorted(tl.unavailable["video_id"]) == ["v0", "v7"]
    assert data_table([tl])["n_unavailable"].tolist() == [1, 1, 2]
    with pytest.raises(LabelError, match=r"excluded 3 of the task's 8 videos by their detected language "
                       r"\(fr: 2, de: 1\); value 'dem' has 1 example\(s\) left .* took 3 \(fr: 2, de: 1; "
                       r"line\(s\) 2, 4, 6\)"):  # fmt: skip
        task_labels(task, sheet, excluded={"v0": "fr", "v2": "fr", "v4": "de"})
