"""The YouTube study preset (config/studies/youtube_us_politics.yaml) plans on a sheet with its four
label columns: every task × model × fold trains, the labelled-only tasks use their labelled rows."""

from __future__ import annotations

import csv

import pytest
import yaml

from conftest import copy_workflow, job_stats, run_snakemake
from polimodal.models.registry import KINDS

pytestmark = pytest.mark.slow

IDEOLOGY = ["neutral", "conservative", "moderate", "liberal"]
TYPOLOGY = ["campaign", "educational", "satire", "low_quality_news", "high_quality_news", "opinion"]


def _sheet(path):
    rows = []
    for i in range(120):
        rows.append(
            {
                "video_id": f"v{i:04d}",
                "source": f"vid{i:08d}",  # 11 characters: a YouTube id (nothing is fetched in a dry run)
                "us_politics": str(i % 2),
                "hateful": "1" if i % 8 == 0 else "0",
                "ideology": IDEOLOGY[i % 4] if i < 60 else "",  # annotated for half of the videos
                "typology": TYPOLOGY[i % 6] if i >= 40 else "",
            }
        )
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)


def test_the_preset_plans_every_task_model_and_fold(tmp_path):
    wd = copy_workflow(tmp_path / "wd")
    _sheet(wd / "sheet.tsv")
    preset = yaml.safe_load((wd / "config/studies/youtube_us_politics.yaml").read_text())
    assert list(preset["tasks"]) == ["us_politics", "hateful", "ideology", "typology"]
    # one prompt per task, one distinct answer per value
    for task in preset["tasks"].values():
        assert sorted(task["prompt"]["answers"]) == sorted(map(str, task["values"]))
    out = run_snakemake(
        wd, "-n", "--configfile", "config/studies/youtube_us_politics.yaml", "--config", "samples=sheet.tsv"
    ).stdout
    jobs = job_stats(out)
    models = preset["experiments"]["models"]
    assert len(models) == 10 and preset["experiments"]["folds"] == 3
    trains = jobs.get("train", 0) + jobs.get("train_gpu", 0) + jobs.get("train_llm", 0)
    assert trains == 4 * len(models) * 3
    assert jobs["train_llm"] == 4 * 6 * 3  # llama2, llama3, idefics2: zero-shot and LoRA
    assert jobs["splits"] == 4 and jobs["comparisons"] == 1 and jobs["plot_precision_recall"] == 4
    # the study's frame rule, laid over config/config.yaml's models (the dry run above validated it):
    # CNN and CLIP train on every kept frame of each video once per epoch, videos by frame votes
    base = yaml.safe_load((wd / "config/config.yaml").read_text())
    for name in ("cnn", "clip"):
        section = {**base["models"][name], **preset["models"][name]}
        params = KINDS[section["kind"]].parse_params(section, f"models.{name}")
        assert params.training_frames == 0 and params.video_score == "votes"
    # frames stored at the size the VLM reads (Idefics2: up to 980 px), not the default 384
    assert preset["frames"]["max_side"] == 980
