"""The real workflow starting from channels: `snakemake list_videos` lists a channels sheet of RSS
feeds served on 127.0.0.1 into the sample sheet, then `snakemake -n` plans the corpus stages on it.

While the sample sheet does not exist the workflow plans the listing only; once it does, the main
workflow is planned from it and never re-lists. A channel added later is listed by its shard's job
alone, the others' listings are reused, and its videos are appended after the rows there were.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from conftest import config_file, copy_workflow, job_stats, make_feed, run_snakemake
from polimodal.corpus.samples import read_sample_sheet, shard_digests

pytestmark = pytest.mark.slow
C1 = [("a", "Mon, 06 Jan 2020 10:00:00 GMT"), ("b", None), ("c", None), ("d", None)]
C2 = [("x", None), ("y", None)]
CONFIG = ("--configfile", "config/channels.yaml")


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
    assert len(sheet) == 6 and list(sheet.columns) == ["video_id", "source", "channel", "ideology"]
    assert set(sheet.ideology) == {"left", "center"}
    summary = pd.read_csv(wd / "results" / "channels" / "summary.tsv", sep="\t").set_index("metric")["value"]
    assert summary["channels_unavailable"] == 1 and summary["videos_added"] == 6
    unavailable = pd.read_csv(wd / "results" / "channels" / "unavailable.tsv", sep="\t")
    assert unavailable["kind"].tolist() == ["not_found"]

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
