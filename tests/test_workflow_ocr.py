"""The workflow with the ocr stage on: each shard's kept frames read, a chyron counted once."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from conftest import config_file, copy_workflow, run_snakemake
from polimodal.synthetic.media import make_video
from polimodal.synthetic.screen import text_scene

CHYRON = "élection présidentielle"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    wd = copy_workflow(tmp_path_factory.mktemp("wf_ocr"))
    media = wd / "media"
    # the same chyron over two different pictures (dedup keeps a frame of each), then none
    chyron = make_video(
        media / "chyron.mp4",
        duration=4,
        scenes=[text_scene([CHYRON]), text_scene([CHYRON], "mandelbrot")],
        speech="The election is tonight",
    )
    plain = make_video(media / "plain.mp4", duration=3, scenes=["mandelbrot=size={w}x{h}:rate={fps}"])
    sheet = pd.DataFrame([("chyron", chyron), ("plain", plain)], columns=["video_id", "source"])
    sheet.to_csv(wd / "config" / "videos.tsv", sep="\t", index=False)
    shutil.copy(config_file("ocr.yaml"), wd / "config" / "test.yaml")
    run_snakemake(wd, "--configfile", "config/test.yaml")
    return wd


def test_ocr_reads_each_kept_frame_and_counts_a_chyron_once(run):
    lines = pd.read_parquet(run / "results" / "ocr" / "000000" / "lines.parquet")
    kept = pd.read_parquet(run / "results" / "dedup" / "000000.parquet").query(
        "kept and video_id == 'chyron'"
    )
    chyron = lines[lines.video_id == "chyron"]
    assert set(chyron.frame_idx) <= set(kept.frame_idx)
    assert len(set(chyron.frame_idx)) >= 2, "the chyron is read on both pictures"
    assert (chyron.text == CHYRON).mean() >= 0.9
    assert chyron.new.sum() == 1
    texts = pd.read_parquet(run / "results" / "ocr" / "000000" / "texts.parquet").set_index("video_id")
    assert texts.loc["chyron", "text"] == CHYRON
    assert texts.loc["plain", "text"] == ""
    skipped = pd.read_parquet(run / "results" / "ocr" / "000000" / "skipped.parquet")
    assert skipped.empty


def test_nothing_to_do_after_the_run(run):
    out = run_snakemake(run, "-n", "--configfile", "config/test.yaml").stdout
    assert "Nothing to be done" in out
