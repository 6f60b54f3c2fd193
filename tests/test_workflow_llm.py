"""A generative model zero-shot and LoRA-tuned through the real ``snakemake``: both variants run in
the ``train_llm`` rule (one job per fold) and land as separate rows in the metrics table."""

from __future__ import annotations

import random
import shutil

import pandas as pd
import pytest

from conftest import config_file, copy_workflow, run_snakemake
from polimodal.corpus.schemas import TRANSCRIPTS, VIDEOS, write_parquet

pytestmark = pytest.mark.slow

RULES = ["data_table", "splits", "task_data", "train_llm", "evaluate"]
WORDS = "river garden music coffee window yellow travel pencil summer camera ocean basket".split()


def _write_inputs(wd):
    r = random.Random(0)
    rows, videos, transcripts = [], [], []
    for i in range(30):
        label = str(i % 2)
        words = [r.choice(WORDS) for _ in range(8)]
        if label == "1":
            words.insert(r.randrange(1, 9), "senate")
        vid = f"v{i:03d}"
        rows.append({"video_id": vid, "source": f"media/{vid}.mp4", "politics": label})
        videos.append(
            {
                "video_id": vid,
                "source": f"media/{vid}.mp4",
                "source_kind": "local",
                "title": "",
                "description": "",
            }
        )
        transcripts.append(
            {"video_id": vid, "language": "en", "n_segments": 1, "text": " ".join(words), "model": "tiny"}
        )
    pd.DataFrame(rows).to_csv(wd / "config" / "videos.tsv", sep="\t", index=False)
    write_parquet(videos, wd / "results" / "videos.parquet", VIDEOS)
    write_parquet(transcripts, wd / "results" / "transcripts.parquet", TRANSCRIPTS)


def test_zero_shot_and_lora_rows_in_the_metrics(tmp_path, tiny_llama, monkeypatch):
    wd = copy_workflow(tmp_path / "wf")
    shutil.copy(config_file("llm.yaml"), wd / "config" / "config.yaml")
    shutil.copytree(tiny_llama, wd / "resources" / "tiny-llama")
    _write_inputs(wd)
    outputs = ["results/metrics/summary_table.csv", "results/metrics/metrics.parquet"]
    proc = run_snakemake(wd, "--allowed-rules", *RULES, "--", *outputs)
    assert "train_llm" in proc.stdout + proc.stderr
    table = pd.read_csv(wd / "results/metrics/summary_table.csv")
    assert set(table["model"]) == {"tiny_zeroshot", "tiny_lora"}
    for model in ("tiny_zeroshot", "tiny_lora"):
        preds = pd.read_parquet(wd / f"results/politics/{model}/fold0/predictions.parquet")
        assert set(preds["split"]) == {"validation", "test"}
        assert set(preds["predicted"]) <= {"0", "1"}
    assert (wd / "results/politics/tiny_lora/fold0/model/adapter/adapter_config.json").exists()
    assert not (wd / "results/politics/tiny_zeroshot/fold0/model/adapter").exists()
    assert (wd / "logs/experiments/train/politics/tiny_lora/fold0.log").stat().st_size > 0
    # the same job by hand (what `accelerate launch -m polimodal.cli train-fold` runs): same predictions
    from polimodal.cli import main

    monkeypatch.chdir(wd)  # model paths in the config are relative to the workflow folder
    before = pd.read_parquet(wd / "results/politics/tiny_zeroshot/fold0/predictions.parquet")
    assert (
        main(
            [
                "train-fold",
                "--config",
                str(wd / "config/config.yaml"),
                "--task",
                "politics",
                "--model",
                "tiny_zeroshot",
                "--fold",
                "0",
                "--results",
                str(wd / "results"),
            ]
        )
        == 0
    )
    after = pd.read_parquet(wd / "results/politics/tiny_zeroshot/fold0/predictions.parquet")
    pd.testing.assert_frame_equal(before, after)
