"""The workflow with diarization on: speaker turns per video, the aligned words' speaker and
speaker-relative pitch, and a speakers setting that reruns only what it changes."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from conftest import config_file, copy_workflow, dry_run_jobs, run_snakemake
from polimodal.synthetic.dialogue import make_dialogue

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:'uem' was approximated")]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    wd = copy_workflow(tmp_path_factory.mktemp("wf"))
    dialogue = make_dialogue([0, 1, 0, 1]).write_video(wd / "media" / "dialogue.mp4")
    mono = make_dialogue([0, 1]).write_video(wd / "media" / "mono.mp4")  # two voices, told one
    sheet = pd.DataFrame(
        {"video_id": ["dialogue", "mono"], "source": [dialogue, mono], "num_speakers": ["", "1"]}
    )
    sheet.to_csv(wd / "config" / "videos.tsv", sep="\t", index=False)
    shutil.copy(config_file("speakers.yaml"), wd / "config" / "test.yaml")
    run_snakemake(wd, "--configfile", "config/test.yaml")
    return wd


def test_turns_and_speakers_of_each_video(run):
    turns = pd.read_parquet(run / "results" / "speakers" / "000000.parquet")
    found = turns.groupby("video_id").speaker.nunique().to_dict()
    assert found == {"dialogue": 2, "mono": 1}  # estimated; set by the sheet's num_speakers
    first = turns[turns.video_id == "dialogue"].speaker.tolist()
    assert first[:4] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00", "SPEAKER_01"]


def test_aligned_words_have_a_speaker_and_speaker_relative_pitch(run):
    aligned = pd.read_parquet(run / "results" / "aligned" / "000000.parquet")
    words = aligned[aligned.video_id == "dialogue"]
    assert len(words) > 10 and words.speaker.notna().mean() > 0.9
    assert set(words.speaker.dropna()) == {"SPEAKER_00", "SPEAKER_01"}
    voiced = words.dropna(subset=["f0_mean", "speaker"])
    by = voiced.groupby("speaker")
    # the low voice speaks first: far below the video's mean, near its own
    assert by.f0_mean.median()["SPEAKER_00"] + 100 < by.f0_mean.median()["SPEAKER_01"]
    assert by.f0_mean_z.median()["SPEAKER_00"] < -0.5 < 0.5 < by.f0_mean_z.median()["SPEAKER_01"]
    # each voice against its own pitch: the gap between the two voices mostly goes
    video_gap = by.f0_mean_z.median().diff().iloc[-1]
    speaker_gap = by.f0_mean_speaker_z.median().diff().iloc[-1]
    print(f"median z gap between the voices: per video {video_gap:.2f}, per speaker {speaker_gap:.2f}")
    assert abs(speaker_gap) < video_gap / 2


def test_a_speakers_setting_reruns_only_speakers_and_align(run, tmp_path):
    overlay = tmp_path / "threshold.yaml"
    overlay.write_text("speakers:\n  threshold: 0.3\n")
    jobs = dry_run_jobs(run, "--configfile", "config/test.yaml", str(overlay))
    assert {rule for rule, _ in jobs} <= {"speakers", "align", "all"}
    assert ("speakers", "000000") in jobs
    out = run_snakemake(run, "-n", "--configfile", "config/test.yaml").stdout
    assert "Nothing to be done" in out
