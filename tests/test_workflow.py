"""The real workflow, end to end, on a tiny sheet of real media in a temporary folder.

Sources: local files, a URL that yt-dlp downloads from a server on 127.0.0.1, a URL that
404s, a missing local file and a truncated file. Checks the artifacts, then that appending
a row or changing the dedup threshold reruns only what depends on it.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml

from conftest import ROOT, config_file, copy_workflow, dry_run_jobs, run_snakemake
from polimodal.synthetic.media import SCENES, make_video

pytestmark = pytest.mark.slow

# tiny.en hears espeak-ng's "the senate votes on the budget" as "the santa road...": this it gets right
SPEECH = "The United States Senate votes on the federal budget."


def test_workflow_config_uses_the_demo_models():
    """tests/configs/workflow.yaml runs the offline models of config/demo.yaml."""
    demo = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())
    test = yaml.safe_load(config_file("workflow.yaml").read_text())
    assert test["transcribe"] == demo["transcribe"] and test["embed"] == demo["embed"]


@pytest.fixture(scope="module")
def run(tmp_path_factory, module_http_dir):
    www, base = module_http_dir
    wd = copy_workflow(tmp_path_factory.mktemp("wf"))
    media = wd / "media"
    speech = make_video(media / "speech.mp4", duration=6, scenes=SCENES[:3], speech=SPEECH)
    static = make_video(media / "static.mp4", duration=5, scenes=["color=c=red:size={w}x{h}:rate={fps}"])
    make_video(www / "web.mp4", duration=4, scenes=SCENES[1:3], speech="Hello from the web")
    noaudio = make_video(media / "noaudio.mp4", duration=3, audio=False)
    broken = media / "broken.mp4"
    broken.write_bytes(speech.read_bytes()[:2048])
    rows = [
        ("speech", speech),
        ("static", static),
        ("web", f"{base}/web.mp4"),
        ("gone", f"{base}/missing.mp4"),
        ("noaudio", noaudio),
        ("missing", media / "nothing.mp4"),
        ("broken", broken),
    ]
    sheet = wd / "config" / "videos.tsv"
    labels = ["politics", "other", "politics", "other", "other", "politics", "politics"]
    table = pd.DataFrame(rows, columns=["video_id", "source"]).assign(label=labels)
    table.to_csv(sheet, sep="\t", index=False)
    shutil.copy(config_file("workflow.yaml"), wd / "config" / "test.yaml")
    # First run: killed hard (SIGKILL to the whole process group) as soon as one shard is
    # finished, as a node failure or an impatient user would. The rerun must complete
    # without redoing that shard.
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", "config/test.yaml"]
    first = wd / "results" / "dedup" / "000000.parquet"
    # Snakemake records a finished job in .snakemake/metadata (base64 of the output path)
    record = (
        wd / ".snakemake" / "metadata" / base64.urlsafe_b64encode(b"results/dedup/000000.parquet").decode()
    )
    killed = subprocess.Popen(
        cmd, cwd=wd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 600
    while not record.exists() and killed.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    assert first.exists(), "the first shard never finished"
    stamp = first.stat().st_mtime_ns
    run_snakemake(wd, "--unlock", "--configfile", "config/test.yaml")
    proc = run_snakemake(wd, "--configfile", "config/test.yaml", "--rerun-incomplete")
    return wd, proc, stamp


def read(wd, path):
    return pd.read_parquet(wd / path)


def test_unavailable_videos_are_recorded_with_reasons(run):
    wd, *_ = run
    un = read(wd, "results/unavailable.parquet").set_index("video_id")
    assert sorted(un.index) == ["broken", "gone", "missing"]
    assert "404" in un.loc["gone", "reason"]
    assert un.loc["missing", "kind"] == "not_found"
    assert un.loc["broken", "kind"] in {"corrupt", "empty"}
    videos = read(wd, "results/videos.parquet").set_index("video_id")
    assert sorted(videos.index) == ["noaudio", "speech", "static", "web"]
    assert videos.loc["web", "source_kind"] == "url"
    assert abs(videos.loc["speech", "duration"] - 6) < 0.2
    assert not videos.loc["noaudio", "has_audio"]


def test_transcripts_contain_the_spoken_words(run):
    wd, *_ = run
    tr = read(wd, "results/transcripts.parquet").set_index("video_id")
    text = tr.loc["speech", "text"].lower()
    assert "senate" in text and "budget" in text
    assert "web" in tr.loc["web", "text"].lower()
    assert tr.loc["noaudio", "n_segments"] == 0 and tr.loc["noaudio", "text"] == ""
    segs = pd.concat(
        pd.read_parquet(p) for p in sorted((wd / "results/transcripts").glob("*/segments.parquet"))
    )
    words = [w for ws in segs[segs.video_id == "speech"].words for w in ws]
    assert words and all(0 <= w["start"] <= w["end"] <= 6.5 for w in words)


def test_frames_at_one_per_second_and_dedup(run):
    wd, *_ = run
    frames = pd.concat(pd.read_parquet(p) for p in sorted((wd / "results/frames").glob("*.parquet")))
    counts = frames.groupby("video_id").size()
    assert counts["speech"] == 6 and counts["static"] == 5 and counts["web"] == 4 and counts["noaudio"] == 3
    dedup = pd.concat(pd.read_parquet(p) for p in sorted((wd / "results/dedup").glob("*.parquet")))
    kept = dedup[dedup.kept].groupby("video_id").size()
    assert kept["static"] == 1  # identical frames: one survives
    assert kept["speech"] >= 3  # three distinct scenes survive
    static = dedup[dedup.video_id == "static"].sort_values("frame_idx")
    assert static.duplicate_of.iloc[1:].eq(0).all()
    emb = pd.concat(pd.read_parquet(p) for p in sorted((wd / "results/embeddings").glob("*.parquet")))
    assert len(emb) == len(frames)  # all frames keep their embedding, whatever the threshold
    assert "scale" in emb.columns and emb.embedding.iloc[0].dtype == "int8"  # embed.precision: int8
    # the stored frames keep every row but the JPEGs of the kept frames only
    both = frames.merge(dedup, on=["video_id", "frame_idx"], validate="1:1")
    assert len(both) == len(frames) and (both.jpeg.notna() == both.kept).all() and (~both.kept).sum() >= 4
    # the ingest job's table of every JPEG is temporary: deleted once its readers ran (the killed
    # first run of the fixture may leave some, which --delete-temp-output removes); its absence
    # reruns nothing (test_nothing_to_do_after_a_run, next)
    run_snakemake(wd, "--delete-temp-output", "--configfile", "config/test.yaml")
    assert not list((wd / "results/ingest").glob("*/frames.parquet"))


def test_media_lives_only_inside_the_ingest_job(run):
    wd, *_ = run
    assert not list((wd / "results").rglob("media"))
    assert not [p for p in (wd / "results").rglob("*") if p.suffix in (".mp4", ".m4a", ".webm")]
    audio = pd.concat(pd.read_parquet(p) for p in sorted((wd / "results/audio").glob("*.parquet")))
    assert sorted(audio.video_id) == ["speech", "static", "web"]  # noaudio has no track
    assert (audio.sample_rate == 16000).all() and (audio.lost_seconds == 0).all()


def test_nothing_to_do_after_a_run(run):
    wd, *_ = run
    out = run_snakemake(wd, "-n", "--configfile", "config/test.yaml").stdout
    assert "Nothing to be done" in out


def test_threshold_change_fetches_again_for_the_dropped_jpegs(run):
    """The documented price of not storing the dropped frames' JPEGs (frames.keep_dropped: false,
    the default): a new threshold may keep frames whose JPEG is gone, so the ingest job runs again
    (with keep_dropped: true only dedup and what reads its flags rerun: test_workflow_posts)."""
    wd, *_ = run
    # the fixture's run may leave some temporary every-JPEG tables behind (where they are, a new
    # threshold needs no fetch): the state of a finished corpus is without them
    run_snakemake(wd, "--delete-temp-output", "--configfile", "config/test.yaml")
    overlay = shutil.copy(config_file("threshold.yaml"), wd / "config" / "threshold.yaml")
    jobs = dry_run_jobs(wd, "--configfile", "config/test.yaml", str(overlay))
    shards = [f"{i:06d}" for i in range(4)]
    assert {(r, s) for r in ("dedup", "store_frames", "ingest") for s in shards} <= jobs


def test_appended_row_reruns_only_its_shard(run):
    wd, *_ = run
    sheet = wd / "config" / "videos.tsv"
    original = sheet.read_text()
    try:
        sheet.write_text(original + f"late\t{wd / 'media' / 'static.mp4'}\tother\n")
        jobs = dry_run_jobs(wd, "--configfile", "config/test.yaml")
        stages = {"ingest", "transcribe", "embed", "dedup", "pitch", "align"}
        # only the shard the row joined (000003) is processed again ...
        assert {j for j in jobs if j[0] in stages} == {(s, "000003") for s in stages}
        # ... then the corpus-wide tables, and the experiment and classification (the sheet changed)
        corpus = {"gather_videos", "gather_unavailable", "gather_transcripts", "query", "all"}
        assert {(g, None) for g in corpus} <= jobs
        assert {rule for rule, shard in jobs if shard is None} - corpus <= EXPERIMENT_AND_CLASSIFY
    finally:
        sheet.write_text(original)


EXPERIMENT_AND_CLASSIFY = {
    "data_table", "plot_data_table", "splits", "task_data", "train", "evaluate", "plots",
    "choose_models", "gather_classified", "classified_table", "task_sequences",
    "comparisons", "precision_recall", "plot_precision_recall", "overview", "results_by_group",
    "classified_by_group",
}  # fmt: skip


def test_every_available_video_is_classified(run):
    wd, *_ = run
    classified = read(wd, "results/classified/topic/svm.parquet").set_index("video_id")
    assert sorted(classified.index) == ["noaudio", "speech", "static", "web"]
    assert set(classified.predicted) <= {"politics", "other"}
    assert list(classified.loc["static", "lacks"]) == ["transcript"]  # a silent video, still classified
    assert list(classified.loc["speech", "lacks"]) == []
    chosen = pd.read_csv(wd / "results/classified/topic/chosen.tsv", sep="\t")
    assert chosen.model.tolist() == ["svm", "early_fusion"] and (classified.fold == chosen.fold[0]).all()
    table = pd.read_csv(wd / "results/tables/classified.csv")
    assert table.n.sum() == 8 and set(table.task) == {"topic"}
    # early fusion over the aligned sequences: the silent video lacks words and audio
    fused = read(wd, "results/classified/topic/early_fusion.parquet").set_index("video_id")
    assert sorted(fused.index) == ["noaudio", "speech", "static", "web"]
    assert (
        set(fused.loc["static", "lacks"]) == {"words", "audio"} and list(fused.loc["speech", "lacks"]) == []
    )
    assert (wd / "results/classified/topic/svm.csv").exists()


def test_a_killed_run_resumes_without_redoing_finished_shards(run):
    wd, _, stamp = run
    assert (wd / "results" / "dedup" / "000000.parquet").stat().st_mtime_ns == stamp
    assert not list((wd / "results").rglob("*.parts"))  # no part files left behind


def test_cli_summary_lists_the_artifacts(run):
    from polimodal.cli import summary

    wd, *_ = run
    text = summary(wd / "results")
    assert "(4 available)" in text
    assert "gone: not_found" in text or "gone: download_error" in text
    assert "missing: not_found" in text
    assert "videos unavailable:       3 of 7 (42.9 %)" in text  # no channels sheet: no channels line
    assert "channels unavailable" not in text
    assert "dedup flags" in text and "kept after near-duplicate removal" in text
    assert "audio tracks (Opus)" in text  # the default codec and "corpus classified" in text


def test_aligned_table_lines_up_words_pitch_and_frames(run):
    wd, *_ = run
    pitch = pd.concat(pd.read_parquet(p) for p in sorted((wd / "results/pitch").glob("*.parquet")))
    assert set(pitch.video_id) == {"speech", "web"}  # static is silent, noaudio has no track
    assert pitch.f0.between(75, 500).all()
    aligned = pd.concat(pd.read_parquet(p) for p in sorted((wd / "results/aligned").glob("*.parquet")))
    segs = pd.concat(
        pd.read_parquet(p) for p in sorted((wd / "results/transcripts").glob("*/segments.parquet"))
    )
    speech = aligned[aligned.video_id == "speech"].sort_values("word_idx")
    words = [w for ws in segs[segs.video_id == "speech"].sort_values("segment_id").words for w in ws]
    # one row per transcript word, with the transcript's timestamps
    assert speech.word.tolist() == [w["word"].strip() for w in words]
    assert speech.start.tolist() == [w["start"] for w in words] and speech.end.tolist() == [
        w["end"] for w in words
    ]
    assert speech.f0_mean.notna().mean() > 0.7  # espeak-ng speech: most words are voiced
    own = pitch[pitch.video_id == "speech"]
    for row in speech.itertuples():
        n = ((own.time >= row.start) & (own.time < row.end)).sum()
        assert row.n_voiced == n
    # the frame shown is a kept frame of the video, at most half a frame interval from the midpoint
    dedup = pd.concat(pd.read_parquet(p) for p in sorted((wd / "results/dedup").glob("*.parquet")))
    kept = set(dedup[(dedup.video_id == "speech") & dedup.kept].frame_idx)
    assert set(speech.frame_idx) <= kept
    assert set(aligned.video_id) == {"speech", "web"}  # words only where something was said


def test_query_figure_table_and_task_sequences(run):
    wd, *_ = run
    table = pd.read_csv(wd / "results/query/pitch_by_group.csv")
    assert set(table.label) <= {"politics", "other"} and table.matches.any()
    hits = table[table.matches]
    assert set(hits.label) == {"politics"} and hits.n.sum() >= 3  # senate, budget (speech), web
    assert (wd / "results/query/pitch_by_group.png").stat().st_size > 5000
    assert (wd / "results/query/frames_while_said.jpg").stat().st_size > 1000
    estimate = pd.read_csv(wd / "results/query/pitch_estimate.csv")
    per_group = estimate[estimate.model == "per group"]
    assert "politics" in set(per_group.label)
    assert set(estimate.method) <= {"mixed", "ols", "ols, few clusters", "none"}
    assert (per_group.n_matching <= per_group.n_words).all()
    top = pd.read_csv(wd / "results/query/highest_pitch.csv")
    assert len(top) and top.f0_mean_z.is_monotonic_decreasing
    seq = read(wd, "results/tasks/topic/aligned.parquet")
    assert set(seq.video_id) == {"speech", "web"}
    emb = read(wd, "results/tasks/topic/embeddings.parquet")
    assert set(emb.video_id) <= {"speech", "static", "web", "noaudio"} and len(emb) >= 5
