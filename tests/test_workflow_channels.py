"""The real workflow starting from channels: `snakemake list_videos` lists a channels sheet of RSS
feeds served on 127.0.0.1 into the sample sheet, then `snakemake` runs the corpus stages on it.

While the sample sheet does not exist the workflow plans the listing only; once it does, the main
workflow is planned from it and never re-lists. A channel added later is listed by its shard's job
alone, the others' listings are reused, and its videos are appended after the rows there were.
End to end: the feeds' media are real clips, so the listed videos are ingested, transcribed,
embedded and deduplicated; a removed channel and a video that cannot be fetched are counted in the
availability rates of the data table, the report's overview and ``polimodal summary``.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from conftest import config_file, copy_workflow, job_stats, make_feed, run_snakemake
from polimodal.cli import summary as cli_summary
from polimodal.corpus.channel_videos import availability_rates
from polimodal.corpus.samples import read_sample_sheet, shard_digests
from polimodal.synthetic.media import SCENES, make_video

pytestmark = pytest.mark.slow
C1 = [("a", "Mon, 06 Jan 2020 10:00:00 GMT"), ("b", None), ("c", None), ("d", None)]
C2 = [("x", None), ("y", None)]
# tiny.en hears this espeak-ng sentence right (as in test_workflow.py)
SPEECH = "The United States Senate votes on the federal budget."
CONFIG = ("--configfile", "config/channels.yaml")
DATE_A = "Tue, 03 Mar 2020 10:00:00 GMT"


def test_list_videos_then_the_workflow(feeds, tmp_path):
    folder, base, counts = feeds
    wd = copy_workflow(tmp_path / "wf")
    shutil.copy(config_file("channels.yaml"), wd / "config" / "channels.yaml")
    c1, c2 = make_feed(folder, base, "c1", C1), make_feed(folder, base, "c2", C2)
    channels = wd / "config" / "channels.tsv"
    rows = [(c1, "left"), (f"{base}/gone/feed.xml", "right"), (c2, "center")]
    channels.write_text("channel\tideology\n" + "".join(f"{c}\t{i}\n" for c, i in rows))

    # no sample sheet yet: the listing is all there is to plan (also for a plain `snakemake`)
    assert job_stats(run_snakemake(wd, "-n", *CONFIG).stdout) == {
        "list_channels": 2,
        "list_videos": 1,
        "all": 1,
    }
    run_snakemake(wd, "list_videos", *CONFIG)
    sheet = read_sample_sheet(wd / "config" / "listed.tsv")
    assert len(sheet) == 6 and list(sheet.columns) == [
        "video_id", "source", "channel", "ideology", "listing_title", "listing_upload_time"
    ]  # fmt: skip
    assert set(sheet.ideology) == {"left", "center"}
    summary = pd.read_csv(wd / "results" / "channels" / "summary.tsv", sep="\t").set_index("metric")["value"]
    assert summary["channels_unavailable"] == 1 and summary["videos_added"] == 6
    unavailable = pd.read_csv(wd / "results" / "channels" / "unavailable.tsv", sep="\t")
    assert unavailable["kind"].tolist() == ["not_found"]

    # listing again with nothing new plans nothing; a deleted sample sheet is listed again
    assert "Nothing to be done" in run_snakemake(wd, "-n", "list_videos", *CONFIG).stdout
    listed = (wd / "config" / "listed.tsv").rename(wd / "listed.tsv")
    assert job_stats(run_snakemake(wd, "-n", "list_videos", *CONFIG).stdout) == {"list_videos": 1}
    listed.rename(wd / "config" / "listed.tsv")

    # the sheet exists: the main workflow is planned from it (three shards of two), no listing
    stats = job_stats(run_snakemake(wd, "-n", *CONFIG).stdout)
    assert stats["ingest"] == 3 and "list_channels" not in stats and "list_videos" not in stats

    # a channel added to the last shard: that shard's job lists it alone, rows are appended
    before = (wd / "config" / "listed.tsv").read_text()
    c3 = make_feed(folder, base, "c3", [("p", None), ("q", None)])
    channels.write_text(channels.read_text() + f"{c3}\tright\n")
    proc = run_snakemake(wd, "list_videos", *CONFIG)
    assert job_stats(proc.stderr) == {"list_channels": 1, "list_videos": 1}
    assert counts["/c1/feed.xml"] == 1 and counts["/c2/feed.xml"] == 1 and counts["/c3/feed.xml"] == 1
    after = (wd / "config" / "listed.tsv").read_text()
    assert after.startswith(before) and len(after.splitlines()) == 9
    assert shard_digests(read_sample_sheet(wd / "config" / "listed.tsv"), 2)[:3] == shard_digests(sheet, 2)


def test_a_channels_sheet_runs_end_to_end(feeds, tmp_path):
    folder, base, _ = feeds
    wd = copy_workflow(tmp_path / "wf")
    shutil.copy(config_file("channels.yaml"), wd / "config" / "channels.yaml")
    c1 = make_feed(folder, base, "c1", [("a", DATE_A), ("b", None)], titles={"a": "Part one: the new budget"})
    c2 = make_feed(folder, base, "c2", [("x", None), ("y", None)])
    # the feeds' media are real clips (make_feed writes placeholders a listing never fetches)
    make_video(folder / "c1" / "a.mp4", duration=2, scenes=SCENES[:2], speech=SPEECH)
    make_video(folder / "c1" / "b.mp4", duration=1, scenes=SCENES[1:2])
    make_video(folder / "c2" / "x.mp4", duration=1, scenes=SCENES[2:3], audio=False)
    rows = [(c1, "left"), (f"{base}/gone410/feed.xml", "right"), (c2, "center")]
    (wd / "config" / "channels.tsv").write_text(
        "channel\tideology\n" + "".join(f"{c}\t{i}\n" for c, i in rows)
    )
    run_snakemake(wd, "list_videos", *CONFIG)
    sheet = read_sample_sheet(wd / "config" / "listed.tsv").set_index("video_id")
    assert len(sheet) == 4
    # between listing and fetching, a video is taken down: it cannot be fetched (404)
    (folder / "c2" / "y.mp4").unlink()

    # the listed videos in one shard, through ingest and transcribe to the data table
    targets = ("results/tables/data_table.html", "results/transcripts.parquet")
    proc = run_snakemake(wd, *targets, *CONFIG, "--config", "shard_size=4")
    stats = job_stats(proc.stderr)
    assert stats["ingest"] == 1 and stats["transcribe"] == 1 and stats["data_table"] == 1
    assert "list_channels" not in stats and "list_videos" not in stats  # never re-listed
    results = wd / "results"
    videos = pd.read_parquet(results / "videos.parquet").set_index("video_id")
    assert sorted(v.rsplit("-", 1)[0] for v in videos.index) == ["a", "b", "x"]
    assert (
        videos["has_video"].all()
        and (videos["n_frames"] >= 1).all()
        and videos["frames_digest"].notna().all()
    )
    # what the feed said of a clip (title, date) reaches the videos table, with where it came from;
    # without a date in the feed, the server's Last-Modified date is taken and said so
    a, b = (videos.loc[next(v for v in videos.index if v.startswith(f"{g}-"))] for g in "ab")
    assert a["title"] == "Part one: the new budget" and a["title_source"] == "listing"
    assert a["upload_time"] == pd.Timestamp("2020-03-03 10:00:00", tz="UTC")
    assert a["upload_time_source"] == "listing"
    assert b["title"] == "b" and b["upload_time_source"] == "http_last_modified"
    # the ingested videos are the listed ones, with their channel's columns in the sheet
    assert sheet.loc[videos.index, "ideology"].tolist() == ["left", "left", "center"]
    assert sheet.loc[videos.index, "channel"].tolist() == [c1, c1, c2]
    audio = pd.read_parquet(results / "audio" / "000000.parquet", columns=["video_id"])
    assert set(audio["video_id"]) == set(videos.index[videos["has_audio"]]) and len(audio) == 2
    transcripts = pd.read_parquet(results / "transcripts.parquet").set_index("video_id")["text"]
    assert "senate" in transcripts[next(v for v in videos.index if v.startswith("a-"))].lower()
    gone = pd.read_parquet(results / "unavailable.parquet")
    assert [v.rsplit("-", 1)[0] for v in gone["video_id"]] == ["y"] and gone["kind"].tolist() == ["not_found"]

    # the availability rates: 1 of 3 channels could not be listed, 1 of 4 videos not fetched
    rates = availability_rates(
        results / "videos.parquet", results / "unavailable.parquet", results / "channels" / "summary.tsv"
    ).set_index("level")
    assert rates.loc["channels"].tolist() == [3, 2, 1, 33.3]
    assert rates.loc["videos"].tolist() == [4, 3, 1, 25.0]
    table = (results / "tables" / "data_table.html").read_text()
    assert "percent_unavailable" in table and "<td>33.3</td>" in table and "<td>25.0</td>" in table
    text = cli_summary(results)
    assert (
        "channels unavailable:     1 of 3 (33.3 %)" in text
        and "videos unavailable:       1 of 4 (25 %)" in text
    )
