"""The real workflow on a posts corpus: images and texts through the same stages, tables and report.

The sheet holds the synthetic "agree" posts (:mod:`polimodal.synthetic.posts`) and bad rows: an
image that does not exist, a zero-byte image, an HTML page saved as an image, a post without an
image and one without text. They are recorded in the unavailable table and every post with text
stays usable. Models are tiny and untrained: the test checks the plumbing, not the scores.
"""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from conftest import config_file, copy_workflow, run_snakemake
from polimodal.synthetic.posts import write_agree_posts, write_posts_sheet
from polimodal.synthetic.tinymodels import save_tiny_bert, save_tiny_clip, save_tiny_cnn

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    wd = copy_workflow(tmp_path_factory.mktemp("wf_posts"))
    shutil.copy(config_file("posts.yaml"), wd / "config" / "posts.yaml")
    res = wd / "resources"
    save_tiny_bert(res / "tiny_bert")
    save_tiny_clip(res / "tiny_clip")
    save_tiny_cnn(res / "tiny_cnn.pt")
    images, rows = write_agree_posts(res / "posts", m=2, size=40)
    (images / "zero.png").write_bytes(b"")
    (images / "page.jpg").write_text("<!DOCTYPE html><html><body>please log in</body></html>")
    bad = [
        ("bad_missing", "We will win this election.", str(images / "gone.png"), "agree"),
        ("bad_zero", "the poster is blue", str(images / "zero.png"), "disagree"),
        ("bad_html", "a green picture", f"{images / 'page.jpg'} | {rows[0]['image']}", "disagree"),
        ("no_image", "everything here is painted red", "", "agree"),
        ("no_text", "", rows[1]["image"], "agree"),
    ]
    rows += [dict(zip(("post_id", "text", "image", "agree"), row, strict=True)) for row in bad]
    write_posts_sheet(wd / "config" / "posts.tsv", rows)
    return wd


def test_start_up_rejects_a_sheet_of_the_other_kind(workflow):
    proc = run_snakemake(workflow, "-n", "--configfile", "config/posts.yaml", "--config", "corpus=videos",
                         check=False)  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "holds posts but the config says `corpus: videos`" in out
    dup = workflow / "config" / "dup.tsv"
    dup.write_text("post_id\ttext\timage\tagree\np1\tred\t\tagree\np1\tblue\t\tdisagree\n")
    overlay = ("--configfile", "config/posts.yaml", "--config", "samples=config/dup.tsv")
    proc = run_snakemake(workflow, "-n", *overlay, check=False)
    assert proc.returncode != 0 and "duplicate post_id(s): 'p1' on lines [2, 3]" in proc.stdout + proc.stderr


def test_posts_run_end_to_end_with_report(workflow):
    run_snakemake(workflow, "--configfile", "config/posts.yaml")
    run_snakemake(workflow, "--configfile", "config/posts.yaml", "--report", "results/report.html")
    r = workflow / "results"
    videos = pd.read_parquet(r / "videos.parquet").set_index("video_id")
    assert "bad_missing" in videos.index and videos.loc["bad_missing", "n_frames"] == 0
    assert videos.loc["bad_html", "n_frames"] == 1 and videos.loc["agree000", "n_frames"] == 1
    assert set(videos["source_kind"]) == {"post"}
    un = pd.read_parquet(r / "unavailable.parquet")
    kinds = {(v, s, k) for v, s, k in zip(un.video_id, un.stage, un.kind, strict=True)}
    assert {("bad_missing", "image", "not_found"), ("bad_zero", "image", "empty"),
            ("bad_html", "image", "not_image"), ("no_image", "images", "no_image"),
            ("no_text", "text", "empty")} <= kinds  # fmt: skip
    texts = pd.read_parquet(r / "transcripts.parquet").set_index("video_id")
    assert texts.loc["bad_missing", "text"] == "We will win this election."
    assert not (r / "transcripts" / "000000").exists()  # no transcription of posts
    # each post's language, detected with lingua, where videos have faster-whisper's
    assert (
        texts.loc["bad_missing", "language"] == "en" and texts.loc["bad_missing", "language_probability"] > 0
    )
    assert pd.isna(texts.loc["no_text", "language"])
    splits = pd.read_parquet(r / "splits" / "agree.parquet")
    assert len(set(splits.video_id)) == len(videos)  # every usable post, images or not
    table = pd.read_csv(r / "metrics" / "summary_table.csv")
    assert set(table.model) == {"svm", "fnd_dot", "fnd_dot_guided"}
    ablation = pd.read_csv(r / "tables" / "ablation.csv")
    assert list(ablation.model) == ["fnd_dot_guided", "fnd_dot", "svm"]  # variants first, then baselines
    assert list(ablation.contrastive[:2]) == [0.1, 0.0] and list(ablation.fusion[:2]) == ["dot", "dot"]
    assert "FND-CLIP ablation" in (r / "report.html").read_text()
    classified = pd.read_parquet(next((r / "classified" / "agree").glob("*.parquet")))
    assert set(classified.video_id) == set(videos.index)
    # frames.keep_dropped: true: the ingest job writes the stored frames itself (no temporary
    # table, no store_frames job), so a new dedup threshold reruns dedup without fetching again
    frames = pd.concat(pd.read_parquet(p) for p in sorted((r / "frames").glob("*.parquet")))
    assert len(frames) == videos.n_frames.sum() and frames.jpeg.notna().all()
    assert not list((r / "ingest").glob("*/frames.parquet"))
    # keeping some languages reruns the exclusion, the splits and what follows, never ingest or texts
    keep = ("--configfile", "config/posts.yaml", "--config", "languages=[da,de]")
    plan = run_snakemake(workflow, "-n", *keep).stdout
    assert re.search(r"^rule exclude_languages:$", plan, re.M) and re.search(r"^rule splits:$", plan, re.M)
    assert not re.search(r"^rule (ingest|post_texts|embed|dedup):$", plan, re.M)
    run_snakemake(workflow, "results/languages/excluded.parquet", "results/unavailable.parquet", *keep)
    excluded = pd.read_parquet(r / "languages" / "excluded.parquet")
    assert set(excluded.video_id) == set(texts.index[texts.language == "en"]) and len(excluded)
    assert (
        set(excluded.kind) == {"excluded_language"}
        and excluded.reason.str.contains("detected language en").all()
    )
    un = pd.read_parquet(r / "unavailable.parquet")
    assert set(un.video_id[un.stage == "language"]) == set(excluded.video_id)
    shutil.copy(config_file("threshold.yaml"), workflow / "config" / "threshold.yaml")
    plan = run_snakemake(workflow, "-n", "--configfile", "config/posts.yaml", "config/threshold.yaml").stdout
    assert re.search(r"^rule dedup:$", plan, re.M) and not re.search(
        r"^rule (ingest|store_frames|embed):$", plan, re.M
    )
