"""Nothing reruns unless its output would change, and a rerun never makes a finished video worse.

The real workflow on three tiny local clips (two per shard, tests/configs/rerun.yaml), then dry
runs after edits that change no output: transport settings (retries, pauses, timeouts, cookies,
devices, batch sizes), the sheet moved with the same content, defaults written out; none plans a
per-video job, while an output setting (frames.max_side) does. Then a clip disappears: appending a
row to its shard asks for its videos again (the stored frames lack the JPEGs of near-duplicates
that the ingest job's temporary table had; with frames.keep_dropped the rows are reused: the unit
tests of polimodal.corpus.shards), keeps the vanished clip's earlier rows and logs the failure
instead of recording the clip as unavailable; so does a rerun of every shard with smaller frames.

The experiment rules likewise (an SVM and a tiny BERT per fold on pre-made aggregate tables): the
sheet moved, copied or spelt absolutely, or a model's logging, scoring batch size and device,
plan no job; a real training option retrains that model, a changed label every fold.
"""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from conftest import config_file, copy_workflow, dry_run_jobs, job_stats, run_snakemake
from polimodal.corpus.schemas import TRANSCRIPTS, UNAVAILABLE, VIDEOS, write_parquet
from polimodal.synthetic.media import SCENES, make_video

pytestmark = pytest.mark.slow

CONFIG = ("--configfile", "config/test.yaml")
PER_VIDEO = {"ingest", "post_texts", "transcribe", "embed", "dedup", "pitch", "align"}


@pytest.fixture(scope="module")
def wd(tmp_path_factory):
    wd = copy_workflow(tmp_path_factory.mktemp("wf_rerun"))
    media = wd / "media"
    clips = {
        "a": make_video(media / "a.mp4", duration=3, scenes=SCENES[:2], speech="The senate votes."),
        "b": make_video(media / "b.mp4", duration=2, scenes=SCENES[1:2]),
        "c": make_video(media / "c.mp4", duration=3, scenes=SCENES[2:3], speech="The budget passes."),
        "d": make_video(media / "d.mp4", duration=2, scenes=SCENES[:1]),
    }
    rows = pd.DataFrame({"video_id": list("abc"), "source": [str(clips[v]) for v in "abc"]})
    rows.to_csv(wd / "config" / "videos.tsv", sep="\t", index=False)
    (wd / "config" / "cookies.txt").write_text("# Netscape HTTP Cookie File\n")
    shutil.copy(config_file("rerun.yaml"), wd / "config" / "test.yaml")
    for name in ("transport", "defaults", "moved", "smaller_frames"):
        shutil.copy(config_file(f"rerun/{name}.yaml"), wd / "config" / f"{name}.yaml")
    run_snakemake(wd, *CONFIG)
    return wd


def planned(wd, *overlays):
    """(rule, shard or None) of every job a dry run plans with the overlay configs."""
    args = [*CONFIG[:-1], CONFIG[-1], *(f"config/{o}.yaml" for o in overlays)]
    return dry_run_jobs(wd, *args)


def per_video(jobs):
    return {j for j in jobs if j[0] in PER_VIDEO}


def test_nothing_to_do_after_the_run(wd):
    assert planned(wd) == set()


def test_transport_settings_rerun_nothing(wd):
    assert planned(wd, "transport") == set()


def test_defaults_written_out_rerun_nothing(wd):
    assert planned(wd, "defaults") == set()


def test_a_moved_sheet_reruns_nothing(wd):
    moved = wd / "config" / "moved"
    moved.mkdir()
    (wd / "config" / "videos.tsv").rename(moved / "videos.tsv")
    try:
        assert per_video(planned(wd, "moved")) == set()
    finally:
        (moved / "videos.tsv").rename(wd / "config" / "videos.tsv")


def test_an_output_setting_reruns_every_ingest(wd):
    """The control: a setting that changes the frames does plan the ingest jobs."""
    assert {j for j in planned(wd, "smaller_frames") if j[0] == "ingest"} == {
        ("ingest", "000000"),
        ("ingest", "000001"),
    }


def frames(wd):
    return pd.concat(pd.read_parquet(p) for p in sorted((wd / "results/frames").glob("*.parquet")))


def test_a_vanished_video_keeps_its_rows_when_its_shard_reruns(wd):
    before = frames(wd)
    width = {v: before[before.video_id == v].width.max() for v in "abc"}
    (wd / "media" / "c.mp4").unlink()  # taken down since the first run
    with open(wd / "config" / "videos.tsv", "a") as f:
        f.write(f"d\t{wd / 'media' / 'd.mp4'}\n")  # joins c's shard (000001)

    run_snakemake(wd, *CONFIG)
    log = (wd / "logs/ingest/000001.log").read_text()
    # the stored frames lack the dropped JPEGs (frames.keep_dropped: false), so c is asked for
    # again; it is gone and keeps its earlier rows (from the stored frames); d is new
    assert "2 video(s)" in log and "1 made now, 0 reused from the last run, 1 kept" in log
    assert "c: could not be had now (see above); its rows of an earlier run are kept" in log
    assert "1 made now, 1 reused" in (wd / "logs/transcribe/000001.log").read_text()
    stored = frames(wd)
    assert stored[stored.video_id == "c"].jpeg.tolist() == before[before.video_id == "c"].jpeg.tolist()
    videos = pd.read_parquet(wd / "results/videos.parquet")
    assert sorted(videos.video_id) == list("abcd")
    assert pd.read_parquet(wd / "results/unavailable.parquet").empty

    # smaller frames: every video is fetched again; c cannot be, and keeps its earlier rows
    run_snakemake(wd, *CONFIG, "config/smaller_frames.yaml")
    log = (wd / "logs/ingest/000001.log").read_text()
    assert re.search(r"c \(.*c\.mp4\): unavailable \(not_found\)", log)
    assert "c: could not be had now (see above); its rows of an earlier run are kept" in log
    assert "1 made now, 0 reused from the last run, 1 kept from an earlier run" in log
    assert pd.read_parquet(wd / "results/unavailable.parquet").empty  # not c's new state
    after = frames(wd)
    # c's frames are those of the first run (made with the earlier settings), a's are new
    assert after[after.video_id == "c"].jpeg.tolist() == before[before.video_id == "c"].jpeg.tolist()
    assert after[after.video_id == "c"].width.max() == width["c"] > 64
    assert after[after.video_id == "a"].width.max() <= 64 < width["a"]
    transcripts = pd.read_parquet(wd / "results/transcripts.parquet").set_index("video_id")
    assert "budget" in transcripts.loc["c", "text"].lower()
    audio = pd.read_parquet(wd / "results/audio/000001.parquet")
    assert "c" in set(audio.video_id)
    # the audio did not change: no video is transcribed again
    assert "0 made now, 2 reused" in (wd / "logs/transcribe/000001.log").read_text()


# ----------------------------------------------------------------------------- experiments
# The experiment rules on pre-made aggregate tables (as in test_workflow_experiments): an SVM and
# a tiny BERT trained per fold; then dry runs count the train jobs an edit plans.
EXPERIMENT_RULES = ("data_table", "splits", "task_data", "train", "train_gpu", "evaluate", "results_by_group")
EXPERIMENT_TARGETS = (
    "results/tables/data_table.csv",
    "results/metrics/summary.csv",
    "results/metrics/by_group.csv",
)
PARTY = {"dem": "union workers healthcare climate wages", "rep": "taxes freedom business border liberty"}


def _write_aggregates(wd):
    rows, videos, transcripts = [], [], []
    for i in range(24):
        party = "dem" if i % 2 else "rep"
        vid = f"v{i:03d}"
        rows.append({"video_id": vid, "source": f"media/{vid}.mp4", "party": party, "channel": f"ch{i % 3}"})
        videos.append({"video_id": vid, "source": f"media/{vid}.mp4", "source_kind": "local", "title": "",
                       "description": ""})  # fmt: skip
        text = f"{PARTY[party]} speech {i}"
        transcripts.append({"video_id": vid, "language": "en", "n_segments": 1, "text": text,
                            "model": "tiny"})  # fmt: skip
    pd.DataFrame(rows).to_csv(wd / "config" / "videos.tsv", sep="\t", index=False)
    write_parquet(videos, wd / "results" / "videos.parquet", VIDEOS)
    write_parquet(transcripts, wd / "results" / "transcripts.parquet", TRANSCRIPTS)
    write_parquet([], wd / "results" / "unavailable.parquet", UNAVAILABLE)


@pytest.fixture(scope="module")
def exp(tmp_path_factory, tiny_bert):
    wd = copy_workflow(tmp_path_factory.mktemp("wf_rerun_exp"))
    shutil.copytree(tiny_bert, wd / "resources" / "tiny-bert")
    shutil.copy(config_file("rerun/experiments.yaml"), wd / "config" / "config.yaml")
    for name in ("model_transport", "epochs", "moved"):
        shutil.copy(config_file(f"rerun/{name}.yaml"), wd / "config" / f"{name}.yaml")
    _write_aggregates(wd)
    run_snakemake(wd, "--allowed-rules", *EXPERIMENT_RULES, "--", *EXPERIMENT_TARGETS)
    return wd


def planned_jobs(wd, *overlays, config=()):
    """Jobs per rule that a dry run of the experiment targets plans with the overlay configs."""
    args = [*(("--configfile", *(f"config/{o}.yaml" for o in overlays)) if overlays else ()), *config]
    out = run_snakemake(
        wd, "-n", *args, "--allowed-rules", *EXPERIMENT_RULES, "--", *EXPERIMENT_TARGETS
    ).stdout
    return job_stats(out) if "Job stats:" in out else {}


def trains(jobs):
    return jobs.get("train", 0) + jobs.get("train_gpu", 0)


def test_experiments_nothing_to_do_after_the_run(exp):
    assert planned_jobs(exp) == {}


def test_a_sheet_moved_or_spelt_absolutely_retrains_nothing(exp):
    assert planned_jobs(exp, config=("--config", f"samples={exp / 'config' / 'videos.tsv'}")) == {}
    moved = exp / "config" / "moved"
    moved.mkdir()
    shutil.copy2(exp / "config" / "videos.tsv", moved / "videos.tsv")  # a copy, newer than the outputs
    (moved / "videos.tsv").touch()
    try:
        assert planned_jobs(exp, "moved") == {}
    finally:
        shutil.rmtree(moved)


def test_a_models_logging_scoring_batch_and_device_retrain_nothing(exp):
    assert planned_jobs(exp, "model_transport") == {}


def test_a_training_option_retrains_that_model_only(exp):
    jobs = planned_jobs(exp, "epochs")
    assert jobs.get("train_gpu") == 2 and "train" not in jobs and "splits" not in jobs


def test_a_changed_label_redraws_the_splits_and_retrains(exp):
    sheet = exp / "config" / "videos.tsv"
    before = sheet.read_text()
    rows = pd.read_csv(sheet, sep="\t", dtype=str)
    rows.loc[0, "party"] = "dem" if rows.loc[0, "party"] == "rep" else "rep"
    rows.to_csv(sheet, sep="\t", index=False)
    try:
        jobs = planned_jobs(exp)
        assert jobs.get("splits") == 1 and trains(jobs) == 4
    finally:
        sheet.write_text(before)
