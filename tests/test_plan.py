"""``polimodal plan``: jobs per stage equal Snakemake's DAG; the arithmetic on a known sheet; the CLI."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
import yaml

from conftest import ROOT, complete_until_checkpoint, config_file, copy_workflow, job_stats, run_snakemake
from polimodal.cli import main
from polimodal.corpus.samples import read_sample_sheet
from polimodal.corpus.schemas import VIDEOS, table_from_rows, write_parquet
from polimodal.errors import ConfigError
from polimodal.models.registry import KINDS
from polimodal.plan import COSTS, MB, dag_jobs, format_plan, plan, workflow_config


def _plan(tmp_path, config: dict, sheet_path, **kwargs):
    """The plan of ``config`` (written to a file, laid over the project's config/config.yaml as
    ``snakemake --configfile`` does) over ``sheet_path``, with Snakemake's DAG of it."""
    cfg = tmp_path / f"config{len(list(tmp_path.glob('config*.yaml')))}.yaml"
    cfg.write_text(yaml.safe_dump(config))
    return plan(workflow_config(cfg), read_sample_sheet(sheet_path), dag_jobs(cfg), **kwargs)


def _sheet(path, n: int) -> None:
    labels = ["politics", "other"]
    parties = ["dem", "rep", ""]
    rows = [(f"v{i}", f"clip{i}.mp4", labels[i % 2], parties[i % 3]) for i in range(n)]
    pd.DataFrame(rows, columns=["video_id", "source", "label", "party"]).to_csv(path, sep="\t", index=False)


@pytest.fixture(scope="module")
def dag(tmp_path_factory):
    """The plan's config in a copy of the workflow over a 9-row sheet (5 shards): Snakemake's jobs
    per rule in each round of the run, a round ending at a checkpoint choose_models (whose tables
    the test then writes, with every other output of the round) or at the end of the run."""
    wd = copy_workflow(tmp_path_factory.mktemp("plan") / "wf")
    shutil.copy(config_file("plan.yaml"), wd / "config" / "config.yaml")
    _sheet(wd / "config" / "videos.tsv", 9)
    # topic: the three listed models; party (best): the model the plan counts, the costliest
    chosen = {"topic": [("svm", 0), ("bert", 1), ("zeroshot", 0)], "party": [("zeroshot", 1)]}
    rounds = []
    while not rounds or "choose_models" in rounds[-1]:
        assert len(rounds) < 4, rounds
        out = run_snakemake(wd, "-n").stdout
        rounds.append(job_stats(out))
        assert complete_until_checkpoint(wd, out, chosen) > 0
    return wd, rounds


def test_jobs_per_rule_match_the_dag(dag):
    wd, rounds = dag
    config = yaml.safe_load((wd / "config" / "config.yaml").read_text())
    # the dry run plans every job (--forceall), although the fixture made the run's outputs exist
    jobs = dag_jobs(wd / "config" / "config.yaml", workdir=wd)
    assert jobs == rounds[0]  # up to the first checkpoint: plan() adds the jobs that follow
    p = plan(config, read_sample_sheet(wd / "config" / "videos.tsv"), jobs)
    assert p.shards == 5
    # the DAG grows at each task's checkpoint (Snakemake asks for one checkpoint at a time): the
    # rounds together hold every job once, but the final tables, which wait in every round
    summed: dict[str, int] = {}
    for counts in rounds:
        for rule, n in counts.items():
            summed[rule] = summed.get(rule, 0) + n
    summed["classified_table"] = summed["overview"] = summed["all"] = 1
    assert p.jobs_by_rule() == summed
    assert len(rounds) == 3  # before either checkpoint, after topic's, after party's
    assert summed["train"] == 2 * 2 * 2 and summed["train_gpu"] == 2 * 2 * 2 and summed["train_llm"] == 2 * 2
    assert (summed["classify"], summed["classify_gpu"], summed["classify_llm"]) == (5, 5, 10)
    assert p.total_jobs == sum(summed.values())


def test_arithmetic_on_a_known_sheet(tmp_path):
    sheet_path = tmp_path / "videos.tsv"
    _sheet(sheet_path, 12)
    sheet = read_sample_sheet(sheet_path)
    config = {"samples": str(sheet_path), "shard_size": 5}
    p = _plan(tmp_path, config, sheet_path, minutes_per_video=30)
    assert (p.shards, p.hours) == (3, 6.0)
    rows = {r.stage: r for r in p.rows}
    assert rows["ingest"].rules == {"ingest": 3}
    assert rows["ingest"].core_hours == pytest.approx(6 * COSTS["ingest.cpu"].value / 3600)
    # the frames are stored after dedup (the JPEGs of kept frames), the Opus audio by ingest
    assert rows["ingest"].stored_bytes == pytest.approx(COSTS["audio.bytes"].value * 6 * MB)
    assert rows["store_frames"].stored_bytes == pytest.approx(COSTS["frames.bytes"].value * 6 * MB)
    # the default transcription is the batched pipeline
    assert rows["transcribe"].core_hours == pytest.approx(6 * COSTS["transcribe.cpu.batched"].value / 3600)
    assert rows["transcribe"].gpu_hours == pytest.approx(6 * COSTS["transcribe.gpu"].value)
    # the default embedding model is 576-d: its bytes are that share of the measured 1,280-d
    assert rows["embed"].stored_bytes == pytest.approx(6 * COSTS["embeddings.bytes"].value * 576 / 1280 * MB)
    assert p.scratch_bytes == pytest.approx(COSTS["media.bytes"].value / 2 * MB)  # one 30-min video
    assert p.download_bytes == pytest.approx(6 * COSTS["media.bytes"].value * MB)
    assert "train" not in p.jobs_by_rule()  # no tasks: no experiment
    total = p.to_dict()["totals"]
    assert total["jobs"] == 7 * 3 + 3 + 1
    # transcribe and embed count once: on the GPU (the profile's choice), or on CPUs
    on_cpus = sum(r.core_hours for r in p.rows)
    assert total["core_hours_cpu_only"] == pytest.approx(on_cpus)
    assert total["core_hours"] == pytest.approx(
        on_cpus - rows["transcribe"].core_hours - rows["embed"].core_hours
    )
    assert total["gpu_hours"] == pytest.approx(rows["transcribe"].gpu_hours + rows["embed"].gpu_hours)

    # the config scales the costs: 2 fps doubles frames and embeddings (float16 ones: their bytes);
    # sequential transcription; every JPEG kept by ingest (no store_frames job); FLAC audio
    faster = {
        **config,
        "frames": {"fps": 2.0, "keep_dropped": True},
        "transcribe": {"batch_size": 0},
        "audio": {"codec": "flac"},
        "embed": {"precision": "float16"},
    }
    q = {r.stage: r for r in _plan(tmp_path, faster, sheet_path, minutes_per_video=30).rows}
    assert q["embed"].core_hours == pytest.approx(2 * rows["embed"].core_hours)
    half = COSTS["embeddings.bytes.float16"].value / COSTS["embeddings.bytes"].value
    assert half > 2 and q["embed"].stored_bytes == pytest.approx(2 * half * rows["embed"].stored_bytes)
    assert q["transcribe"].core_hours == pytest.approx(6 * COSTS["transcribe.cpu"].value / 3600)
    assert "store_frames" not in q
    flac_and_frames = (COSTS["audio.bytes.flac"].value + 2 * COSTS["frames.bytes"].value) * 6 * MB
    assert q["ingest"].stored_bytes == pytest.approx(flac_and_frames)
    webp = plan(
        {**config, "frames": {"image_format": "webp"}}, sheet, p.jobs_by_rule(), minutes_per_video=30
    ).rows
    webp_frames = {r.stage: r for r in webp}["store_frames"].stored_bytes
    assert webp_frames == pytest.approx(COSTS["frames.webp"].value * rows["store_frames"].stored_bytes)

    # a task and a CPU model: train jobs = tasks x models x folds, cost per labelled video and epoch
    tasks = {"topic": {"column": "label", "values": ["politics", "other"]}}
    experiment = {**config, "tasks": tasks, "experiments": {"folds": 3, "models": ["svm"]}}
    e = {r.stage: r for r in _plan(tmp_path, experiment, sheet_path, minutes_per_video=30).rows}
    assert e["train"].rules == {"train": 3}
    svm = KINDS["svm"].cost
    assert e["train"].core_hours == pytest.approx(12 * 3 * (svm.train_s * 0.8 * 0.8 + svm.classify_s) / 3600)
    assert e["classify"].rules == {"classify": 3}  # best: one model, one job per shard


def test_durations_of_the_metadata_table_replace_the_assumed_mean(tmp_path):
    sheet_path = tmp_path / "videos.tsv"
    _sheet(sheet_path, 4)
    rows = [
        {"video_id": f"v{i}", "source": f"clip{i}.mp4", "source_kind": "local", "duration": d}
        for i, d in enumerate([60.0, 180.0, None])
    ]
    videos = tmp_path / "results" / "videos.parquet"
    write_parquet(table_from_rows(rows, VIDEOS), videos, VIDEOS)
    p = plan({"shard_size": 200}, read_sample_sheet(sheet_path), {}, videos_table=videos)
    assert p.minutes_per_video == pytest.approx(2.0)  # (1 + 3) / 2 minutes; the unknown is left out
    assert p.hours == pytest.approx(4 * 2.0 / 60)
    assert "videos.parquet" in p.duration_source


def test_cli_prints_the_table_and_json(tmp_path, capsys):
    sheet_path = tmp_path / "videos.tsv"
    _sheet(sheet_path, 12)
    cfg = tmp_path / "config.yaml"
    cfg.write_text(yaml.safe_dump({"samples": str(sheet_path), "shard_size": 5}))
    results = str(tmp_path / "results")
    assert main(["plan", "--config", str(cfg), "--results", results, "--minutes-per-video", "30"]) == 0
    text = capsys.readouterr().out
    assert "12 videos x 30.0 min" in text and "3 shards" in text
    assert (
        text
        == format_plan(
            plan(
                workflow_config(cfg),
                read_sample_sheet(sheet_path),
                dag_jobs(cfg),
                minutes_per_video=30,
            )
        )
        + "\n"
    )
    assert main(["plan", "--config", str(cfg), "--results", results, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["shards"] == 3 and data["jobs_by_rule"]["ingest"] == 3
    assert data["costs"]["transcribe.gpu"]["measured"] is False  # estimates say so
    assert main(["plan", "--config", str(cfg), "--results", results, "--sources"]) == 0
    assert "ESTIMATE" in capsys.readouterr().out


def test_cli_names_a_missing_config_or_sheet(tmp_path, capsys):
    assert main(["plan", "--config", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml does not exist" in capsys.readouterr().err
    cfg = tmp_path / "config.yaml"
    cfg.write_text(yaml.safe_dump({"samples": str(tmp_path / "missing.tsv")}))
    assert main(["plan", "--config", str(cfg)]) == 2
    assert "missing.tsv does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["-5", "0", "nan", "inf", "-inf", "ten"])
def test_cli_refuses_a_duration_that_is_not_a_positive_number(tmp_path, capsys, value):
    sheet_path = tmp_path / "videos.tsv"
    _sheet(sheet_path, 4)
    cfg = tmp_path / "config.yaml"
    cfg.write_text(yaml.safe_dump({"samples": str(sheet_path)}))
    with pytest.raises(SystemExit) as exit_:
        main(["plan", "--config", str(cfg), "--json", f"--minutes-per-video={value}"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "argument --minutes-per-video:" in err and repr(value) in err
    assert "must be a finite number > 0" in err or "not a number" in err


def test_json_is_strict_and_unknown_durations_are_left_out(tmp_path, capsys):
    """A NaN or infinite duration in videos.parquet is unknown (left out of the mean), never NaN or
    Infinity in the JSON."""
    sheet_path = tmp_path / "videos.tsv"
    _sheet(sheet_path, 4)
    cfg = tmp_path / "config.yaml"
    cfg.write_text(yaml.safe_dump({"samples": str(sheet_path)}))
    rows = [{"video_id": f"v{i}", "source": f"clip{i}.mp4", "source_kind": "local", "duration": d}
            for i, d in enumerate([120.0, float("nan"), float("inf")])]  # fmt: skip
    write_parquet(table_from_rows(rows, VIDEOS), tmp_path / "results" / "videos.parquet", VIDEOS)
    assert main(["plan", "--config", str(cfg), "--results", str(tmp_path / "results"), "--json"]) == 0

    def refuse(constant: str) -> None:
        raise AssertionError(f"not JSON: {constant}")

    data = json.loads(capsys.readouterr().out, parse_constant=refuse)
    assert data["minutes_per_video"] == pytest.approx(2.0)


def test_the_library_refuses_a_bad_duration_or_shard_size(tmp_path):
    sheet_path = tmp_path / "videos.tsv"
    _sheet(sheet_path, 4)
    sheet = read_sample_sheet(sheet_path)
    for bad in (-5.0, 0, float("nan"), float("inf"), "ten", None):
        with pytest.raises(ConfigError, match="minutes_per_video must be a finite number > 0"):
            plan({}, sheet, {}, minutes_per_video=bad)
    for bad in (0, -1, 2.5, "200", True):
        with pytest.raises(ConfigError, match=f"config shard_size must be an integer >= 1, got {bad!r}"):
            plan({"shard_size": bad}, sheet, {})


def test_cli_names_the_line_of_a_tab_in_the_config(tmp_path, capsys):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("samples: videos.tsv\ntranscribe:\n\tmodel: tiny\n")
    assert main(["plan", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"polimodal plan: config {cfg}, line 3, column 1: tabs are not allowed")
    assert "Traceback" not in err


def test_posts_jobs_match_the_dag_and_images_are_counted(tmp_path):
    wd = copy_workflow(tmp_path / "wf")
    config = {
        "samples": "config/posts.tsv",
        "corpus": "posts",
        "shard_size": 3,
        "tasks": {"agree": {"values": ["agree", "disagree"]}},
        "experiments": {"folds": 2},
        "models": {"svm": {"kind": "svm"}},
    }
    (wd / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    rows = [
        f"p{i}\ttext {i}\t{'a.jpg | b.jpg' if i == 0 else 'c.jpg'}\t{['agree', 'disagree'][i % 2]}"
        for i in range(8)
    ]
    (wd / "config" / "posts.tsv").write_text("\n".join(["post_id\ttext\timage\tagree", *rows]) + "\n")
    dag = job_stats(run_snakemake(wd, "-n").stdout)
    p = plan(
        config,
        read_sample_sheet(wd / "config" / "posts.tsv"),
        dag_jobs(wd / "config" / "config.yaml", workdir=wd),
    )
    # before the checkpoint; no transcription, pitch or alignment for posts; then one classification
    # job per shard and one gather
    assert p.jobs_by_rule() == dag | {"classify": 3, "gather_classified": 1}
    assert dag["post_texts"] == 3 and "transcribe" not in dag
    ingest = p.rows[0]
    assert "9 images" in ingest.note  # 8 posts, one with two images
    assert ingest.core_hours == pytest.approx(9 * COSTS["post_image.cpu"].value / 3600)
    assert "8 posts; shard_size 3: 3 shards" in format_plan(p)


def test_frame_storage_follows_the_frame_size_and_the_download(tmp_path):
    """Stored JPEG bytes scale with the frames' pixel area: ``frames.max_side``, but never beyond the
    downloaded video's side (``ingest.format``'s height limit: frames are not upscaled). The study
    preset stores frames for its VLM (Idefics2 reads up to 980 px): a larger cost than the default."""
    sheet_path = tmp_path / "videos.tsv"
    _sheet(sheet_path, 12)
    sheet = read_sample_sheet(sheet_path)
    base = {"samples": str(sheet_path), "shard_size": 5}
    jobs = _plan(tmp_path, base, sheet_path).jobs_by_rule()  # frame sizes change no job
    p720 = "best[height<=720][ext=mp4][acodec!=none]/bv*[height<=720]+ba/b[height<=720]/b"

    def frames_mb(**sections) -> float:
        rows = {r.stage: r for r in plan({**base, **sections}, sheet, jobs, minutes_per_video=30).rows}
        return rows["store_frames"].stored_bytes / MB / 6  # per hour of video

    measured = COSTS["frames.bytes"].value  # at 384 px
    assert frames_mb() == pytest.approx(measured)
    assert frames_mb(frames={"max_side": 640}) == pytest.approx(measured * (640 / 384) ** 2)
    # the default 480p download: frames of at most 854 px, whatever max_side asks
    at_480p = measured * (854 / 384) ** 2
    assert frames_mb(frames={"max_side": 980}) == pytest.approx(at_480p)
    assert frames_mb(frames={"max_side": 0}) == pytest.approx(at_480p)
    # a 720p download: 980 px frames are 980 px; max_side 0 keeps 1280
    assert frames_mb(frames={"max_side": 980}, ingest={"format": p720}) == pytest.approx(
        measured * (980 / 384) ** 2
    )
    assert frames_mb(frames={"max_side": 0}, ingest={"format": p720}) == pytest.approx(
        measured * (1280 / 384) ** 2
    )
    preset = yaml.safe_load((ROOT / "config/studies/youtube_us_politics.yaml").read_text())
    study = frames_mb(frames=preset["frames"], ingest=preset.get("ingest") or {})
    assert study >= at_480p > 4 * frames_mb()
