"""The experiment rules of the real workflow, from pre-made per-video artifacts to the HTML report.

The test writes the aggregate tables the experiment rules read (``results/videos.parquet``,
``results/transcripts.parquet``, ``results/unavailable.parquet``) itself, so it does not depend
on ingest/transcription; only the experiment rules may run (``--allowed-rules``). Then
``snakemake --report`` builds the HTML report and the test finds the figures in it.
"""

from __future__ import annotations

import base64
import re
import shutil
import time

import pandas as pd
import pytest

from conftest import config_file, copy_workflow, run_snakemake
from polimodal.corpus.schemas import TRANSCRIPTS, UNAVAILABLE, VIDEOS, write_parquet

pytestmark = pytest.mark.slow

EXPERIMENT_RULES = [
    *("data_table", "splits", "task_data", "train", "evaluate", "plots", "plot_data_table"),
    *("comparisons", "precision_recall", "plot_precision_recall", "results_by_group"),
]
WORDS = {
    "dem": "union workers healthcare climate equality wages teachers",
    "rep": "taxes freedom business border military liberty enterprise",
}
TOPICS = {"economy": "budget jobs inflation", "security": "army police crime", "health": "hospital doctors"}


def _write_inputs(wd):
    rows, videos, transcripts, unavailable = [], [], [], []
    topics = list(TOPICS)
    for i in range(40):
        party = "dem" if i % 5 < 3 else "rep"  # 24 dem, 16 rep
        topic = topics[i % 3] if i < 30 else ""  # topic annotated for 30 videos only
        vid = f"v{i:03d}"
        channel = "ch_small" if i == 0 else f"ch{i % 3}"  # ch_small: one video, too small to say anything
        rows.append(
            {
                "video_id": vid,
                "source": f"media/{vid}.mp4",
                "party": party,
                "topic": topic,
                "channel": channel,
            }
        )
        if i == 39:  # labelled but unavailable
            unavailable.append({"video_id": vid, "source": f"media/{vid}.mp4", "stage": "ingest",
                                "kind": "not_found", "reason": "no such file"})  # fmt: skip
            continue
        words = WORDS[party].split() + (TOPICS[topic].split() if topic else [])
        text = " ".join(words[(i + k) % len(words)] for k in range(12)) + " speech today"
        videos.append(
            {
                "video_id": vid,
                "source": f"media/{vid}.mp4",
                "source_kind": "local",
                "title": f"{party} video {i}",
                "description": "",
            }
        )
        transcripts.append(
            {"video_id": vid, "language": "en", "n_segments": 1, "text": text, "model": "tiny"}
        )
    pd.DataFrame(rows).to_csv(wd / "config" / "videos.tsv", sep="\t", index=False)
    write_parquet(videos, wd / "results" / "videos.parquet", VIDEOS)
    write_parquet(transcripts, wd / "results" / "transcripts.parquet", TRANSCRIPTS)
    write_parquet(unavailable, wd / "results" / "unavailable.parquet", UNAVAILABLE)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    wd = copy_workflow(tmp_path_factory.mktemp("exp"))
    shutil.copy(config_file("experiments.yaml"), wd / "config" / "config.yaml")
    _write_inputs(wd)
    targets = run_snakemake(wd, "--list-target-rules").stdout  # parses the Snakefile
    assert "all" in targets
    outputs = [
        "results/tables/data_table.csv",
        "results/tables/data_table.html",
        "results/plots/data_table.png",
        "results/metrics/summary_table.csv",
        "results/metrics/summary_table.html",
        "results/metrics/metrics.parquet",
        "results/plots/party/macro_f1.png",
        "results/plots/party/confusion.png",
        "results/plots/topic/macro_f1.png",
        "results/plots/topic/confusion.png",
        "results/metrics/comparisons.csv",
        "results/plots/comparisons/overview.png",
        "results/metrics/operating_points.csv",
        "results/plots/party/precision_recall.png",
        "results/metrics/by_group.csv",
    ]
    t0 = time.monotonic()
    proc = run_snakemake(wd, "--allowed-rules", *EXPERIMENT_RULES, "--", *outputs)
    wall = time.monotonic() - t0
    run_snakemake(wd, "--allowed-rules", *EXPERIMENT_RULES, "--report", "results/report.html", "--", *outputs)
    return wd, proc, wall


def test_outputs(run):
    wd, _, wall = run
    print(f"experiment spine wall time: {wall:.1f} s")
    for task in ("party", "topic"):
        for model in ("svm", "svm_meta"):
            for fold in (0, 1):
                assert (wd / f"results/{task}/{model}/fold{fold}/predictions.parquet").exists()
                assert (wd / f"results/{task}/{model}/fold{fold}/model/summary.json").exists()
            assert (wd / f"logs/experiments/train/{task}/{model}/fold0.log").stat().st_size > 0
    splits = pd.read_parquet(wd / "results/splits/topic.parquet")
    assert set(splits["fold"]) == {0, 1}
    assert splits["video_id"].nunique() == 30  # labelled subset only
    table = pd.read_csv(wd / "results/metrics/summary_table.csv")
    assert set(zip(table["task"], table["model"], strict=True)) == {
        (t, m) for t in ("party", "topic") for m in ("svm", "svm_meta")
    }
    assert (table["n_folds"] == 2).all()
    assert table["macro_f1"].str.contains("±").all()
    metrics = pd.read_parquet(wd / "results/metrics/metrics.parquet")
    assert {"accuracy", "macro_f1", "weighted_f1", "precision", "recall", "f1", "support"} <= set(
        metrics["metric"]
    )


def test_results_by_group_operating_points_and_comparisons(run):
    wd, *_ = run
    by = pd.read_csv(wd / "results/metrics/by_group.csv", dtype={"group": str})
    party = by[(by["task"] == "party") & (by["model"] == "svm")]
    channels = party[party["group_by"] == "channel"].set_index("group")
    test = pd.read_parquet(wd / "results/splits/party.parquet")
    n_test = test.loc[test["split"] == "test", "video_id"].nunique()
    # every test video is in exactly one channel group and one language group
    assert channels["n"].sum() == n_test and party[party["group_by"] == "language"]["n"].sum() == n_test
    assert list(party.loc[party["group_by"] == "language", "group"]) == ["en"]  # from the transcripts
    if "ch_small" in channels.index:
        assert channels.loc["ch_small", "too_small"]
    assert channels.loc[channels["n"] >= 3, "macro_f1_mean"].between(0, 1).all()
    points = pd.read_csv(wd / "results/metrics/operating_points.csv", dtype={"class": str})
    assert set(zip(points["task"], points["model"], strict=True)) == {
        (t, m) for t in ("party", "topic") for m in ("svm", "svm_meta")
    }
    assert (points["target_precision"] == 0.9).all() and (points["n"] > 0).all()
    # the svm separates the parties' words: average precision near 1
    assert points.loc[points["task"] == "party", "average_precision"].min() > 0.8
    # two text-only models: no comparison across modalities or fine-tuning to make
    assert pd.read_csv(wd / "results/metrics/comparisons.csv").empty


def test_data_table_counts_unavailable(run):
    wd, _, _ = run
    dt = pd.read_csv(wd / "results/tables/data_table.csv", keep_default_na=False)
    party = dt[dt["task"] == "party"].set_index("value")
    assert party.loc["total", "n"] == 39
    assert party.loc["total", "n_unavailable"] == 1
    assert party.loc["rep", "n_unavailable"] == 1  # v039 is rep
    assert party.loc["dem", "n"] == 24
    topic = dt[dt["task"] == "topic"].set_index("value")
    assert topic.loc["total", "n"] == 30
    assert (wd / "results/tables/data_table.md").read_text().startswith("| task | value |")


def test_same_rows_for_every_model(run):
    wd, _, _ = run
    for fold in (0, 1):
        a = pd.read_parquet(wd / f"results/party/svm/fold{fold}/predictions.parquet")
        b = pd.read_parquet(wd / f"results/party/svm_meta/fold{fold}/predictions.parquet")
        assert a[["video_id", "split", "label"]].equals(b[["video_id", "split", "label"]])


def test_rerun_is_noop(run):
    wd, _, _ = run
    proc = run_snakemake(
        wd, "--allowed-rules", *EXPERIMENT_RULES, "-n", "--", "results/metrics/summary_table.csv"
    )
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_report_has_figures(run):
    wd, _, _ = run
    html = (wd / "results/report.html").read_text()
    assert len(html) > 10_000
    for name in ("macro_f1.png", "confusion.png", "data_table.png", "summary_table.html", "data_table.html"):
        assert name in html, name
    # the figures are embedded: find base64 PNGs that decode to PNG files
    pngs = re.findall(r"data:image/png;[^,\"]*base64,([A-Za-z0-9+/=]+)", html)
    decoded = [base64.b64decode(p) for p in pngs]
    assert sum(d.startswith(b"\x89PNG") for d in decoded) >= 5


def test_lint_with_tasks(run):
    wd, _, _ = run
    proc = run_snakemake(wd, "--lint")
    assert "Congratulations" in proc.stdout + proc.stderr


def test_train_jobs_read_their_task_not_the_corpus(run):
    """A train job's inputs are the task's splits and its own tables, whatever the corpus size."""
    wd, _, _ = run
    out = run_snakemake(
        wd,
        "--allowed-rules",
        *EXPERIMENT_RULES,
        "-n",
        "--forcerun",
        "train",
        "--",
        "results/metrics/summary_table.csv",
    ).stdout
    parts = re.split(r"^(?:local)?rule (\w+):$", out, flags=re.M)
    trains = [block for rule, block in zip(parts[1::2], parts[2::2], strict=True) if rule == "train"]
    assert trains
    for block in trains:
        task = re.search(r"wildcards: task=(\w+)", block).group(1)
        inputs = re.search(r"^\s*input: (.*)$", block, flags=re.M).group(1).split(", ")
        assert sorted(inputs) == [f"results/splits/{task}.parquet", f"results/tasks/{task}/texts.parquet"]
