"""The captions stage in the real workflow: off by default; turned on it fetches each web video's
tracks (a loopback page with ``<video>`` and ``<track>``) and reruns nothing else; with
``transcribe.prefer_manual_captions`` only the transcribe jobs rerun, and the web video's
transcript comes from its captions."""

from __future__ import annotations

import shutil

import pandas as pd

from conftest import config_file, copy_workflow, dry_run_jobs, run_snakemake
from polimodal.synthetic.media import make_video

CAPTION = "Hello from the web, said the caption."
TARGETS = [
    "results/transcripts/000000/videos.parquet",
    "results/transcripts/000001/videos.parquet",
]
CAPTION_FILES = [
    f"results/captions/{s}/{n}.parquet" for s in ("000000", "000001") for n in ("captions", "tracks")
]


def test_captions_in_the_workflow(tmp_path, http_dir):
    www, base = http_dir
    wd = copy_workflow(tmp_path / "wf")
    make_video(www / "web.mp4", duration=3, size=(64, 48), fps=5, speech="Hello from the web")
    (www / "en.vtt").write_text(f"WEBVTT\n\n00:00:00.000 --> 00:00:02.500\n{CAPTION}\n")
    track = '<track kind="captions" srclang="en" src="en.vtt">'
    (www / "page.html").write_text(f'<html><body><video src="web.mp4">{track}</video></body></html>')
    local = make_video(wd / "media" / "local.mp4", duration=2, size=(64, 48), fps=5, speech="a local file")
    rows = [("web", f"{base}/page.html"), ("local", str(local)), ("gone", f"{base}/missing.html")]
    pd.DataFrame(rows, columns=["video_id", "source"]).to_csv(
        wd / "config" / "videos.tsv", sep="\t", index=False
    )
    for name in ("captions.yaml", "captions/on.yaml", "captions/prefer.yaml"):
        shutil.copy(config_file(name), wd / "config" / name.replace("/", "_"))
    base_cfg = ["--configfile", "config/captions.yaml"]
    run_snakemake(wd, *TARGETS, *base_cfg)
    assert not (wd / "results" / "captions").exists()  # off by default
    first = pd.read_parquet(wd / "results/transcripts/000000/videos.parquet").set_index("video_id")
    assert first.loc["web", "source"] == "asr"

    on = [*base_cfg, "config/captions_on.yaml"]
    assert dry_run_jobs(wd, *TARGETS, *CAPTION_FILES, *on) == {("captions", "000000"), ("captions", "000001")}
    run_snakemake(wd, *TARGETS, *CAPTION_FILES, *on)
    cues = pd.read_parquet(wd / "results/captions/000000/captions.parquet")
    assert cues[["video_id", "language", "automatic", "start", "end", "text"]].values.tolist() == [
        ["web", "en", False, 0.0, 2.5, CAPTION]
    ]
    assert len(pd.read_parquet(wd / "results/captions/000001/captions.parquet")) == 0  # a local file
    tracks = pd.read_parquet(wd / "results/captions/000000/tracks.parquet")
    assert tracks["video_id"].tolist() == ["web"] and tracks["note"].isna().all()

    prefer = [*base_cfg, "config/captions_prefer.yaml"]
    assert dry_run_jobs(wd, *TARGETS, *prefer) == {("transcribe", "000000"), ("transcribe", "000001")}
    run_snakemake(wd, *TARGETS, *prefer)
    now = pd.read_parquet(wd / "results/transcripts/000000/videos.parquet").set_index("video_id")
    assert now.loc["web", "source"] == "captions" and now.loc["web", "text"] == CAPTION
    assert now.loc["local", "source"] == "asr" and now.loc["local", "text"] == first.loc["local", "text"]
