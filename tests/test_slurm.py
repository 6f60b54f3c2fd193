"""The SLURM profile, checked two ways.

Always (cheap): every key of profiles/*/config.yaml is an option of the installed Snakemake and
SLURM plugin, the test overlay differs from profiles/slurm only where it says, and the GPU rules
ask for a GPU on the gpu partition.

Marker ``slurm`` (root on Debian, a few minutes): start the one-node cluster of
scripts/start-local-slurm.sh, run the demo workflow locally and then with
``--profile profiles/slurm --profile profiles/slurm-test``, and check with ``sacct`` that every job
ran through SLURM, that the model rules ran on partition gpu with ``gres/gpu=1``, that the
artifacts equal the local run's, that N videos make far fewer than 3·N jobs, and that changing the
dedup threshold or appending a sample-sheet row reruns only the dependent jobs. Only the daemons
the test started are stopped afterwards.

    sudo .venv/bin/python -m pytest tests/test_slurm.py -m slurm -v -s
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from conftest import ROOT, copy_workflow

PROFILES = ROOT / "profiles"
SLURM_DIR = Path(os.environ.get("SLURM_LOCAL_DIR", "/tmp/polimodal-slurm"))
DAEMONS = ("munged", "mariadbd", "slurmdbd", "slurmctld", "slurmd")
# rules that load a model on a GPU (profiles/slurm set-resources); the others stay on cpu
GPU_RULES = {"transcribe", "embed", "train_gpu", "classify_gpu", "train_llm", "classify_llm"}
SLURM_OVERLAY = ["--profile", "profiles/slurm", "--profile", "profiles/slurm-test"]
# the demo config of the workflow (shard_size 5, offline models shipped in PyPI packages)
DEMO_CONFIG = ["--configfile", "config/demo.yaml"]
RUN_TIMEOUT = 600
# the per-video artifacts (the stages that issue 4 is about); the experiments' training jobs would
# take the single fake GPU for minutes. `--until` keeps the DAG to these rules and their inputs.
UNTIL = ["--until", "dedup", "gather_videos", "gather_unavailable", "gather_transcripts"]


def _profile(name: str) -> dict:
    return yaml.safe_load((PROFILES / name / "config.yaml").read_text())


# ----------------------------------------------------------------------------- profile (always)
def _snakemake_options() -> set[str]:
    from snakemake.cli import get_argument_parser

    return {opt for action in get_argument_parser()._actions for opt in action.option_strings}


@pytest.mark.parametrize("name", ["slurm", "slurm-test", "local"])
def test_profile_keys_are_real_options(name: str) -> None:
    """No guessed keys: each one is an option of snakemake 9 or of the installed SLURM plugin."""
    options = _snakemake_options()
    unknown = [key for key in _profile(name) if f"--{key}" not in options]
    assert not unknown, f"profiles/{name}/config.yaml: unknown option(s) {unknown}"


def test_test_overlay_changes_only_polling_and_account() -> None:
    main, overlay = _profile("slurm"), _profile("slurm-test")
    allowed = {
        "slurm-init-seconds-before-status-checks",
        "seconds-between-status-checks",
        "slurm-delete-logfiles-older-than",
        "latency-wait",
        "jobs",
        "default-resources",
    }
    assert set(overlay) <= allowed, f"overlay sets {set(overlay) - allowed}"
    # a later --profile replaces a whole key: default-resources is restated, identical but the account
    expected = {**main["default-resources"], "slurm_account": "ci"}
    assert overlay["default-resources"] == expected


def test_gpu_rules_ask_for_one_gpu_on_partition_gpu() -> None:
    profile = _profile("slurm")
    resources, threads = profile["set-resources"], profile["set-threads"]
    assert profile["executor"] == "slurm"
    assert profile["default-resources"]["slurm_partition"] == "cpu"
    for rule in GPU_RULES:
        res = resources[rule]
        assert res["slurm_partition"] == "gpu", rule
        assert res.get("gpu") == 1 or res.get("gres") == "gpu:1", rule
        assert res["cpus_per_gpu"] == threads[rule], f"{rule}: cpus_per_gpu != set-threads"
    assert not any(
        "gpu" in str(v) for r, res in resources.items() if r not in GPU_RULES for v in res.values()
    )


def test_profile_slurm_by_name_from_the_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """`snakemake --profile slurm`, the README's command, finds profiles/slurm from the repo root
    (Snakemake looks in the working directory first; the link `slurm` points there), not a copy
    in ~/.config/snakemake."""
    from snakemake.cli import get_profile_dir

    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("XDG_CONFIG_HOME", "/nonexistent")  # no user-level profile can answer
    found = get_profile_dir("slurm")
    assert found is not None
    folder, config = found
    assert folder.resolve() == (ROOT / "profiles" / "slurm").resolve()
    assert config.resolve() == (ROOT / "profiles" / "slurm" / "config.yaml").resolve()
    assert (ROOT / "slurm").is_symlink() and os.readlink(ROOT / "slurm") == "profiles/slurm"


def _workflow_rules() -> set[str]:
    names = set()
    for smk in [ROOT / "Snakefile", *(ROOT / "workflow" / "rules").glob("*.smk")]:
        if smk.exists():
            names |= set(re.findall(r"^(?:rule|use rule \S+ as) (\w+)", smk.read_text(), re.M))
    return names


def test_profile_rule_names_exist_in_workflow() -> None:
    """A set-resources entry for a misspelt rule would silently do nothing."""
    profile = _profile("slurm")
    named = set(profile["set-resources"]) | set(profile["set-threads"])
    rules = _workflow_rules()
    if not rules:
        pytest.skip("workflow rules not written yet")
    missing = named - rules
    assert not missing, f"profiles/slurm names rules the workflow lacks: {sorted(missing)}"


# ----------------------------------------------------------------------------- the cluster
def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root: scripts/start-local-slurm.sh installs and starts SLURM daemons"
    if not (shutil.which("apt-get") and shutil.which("dpkg-query")) and not shutil.which("slurmctld"):
        return "needs Debian (apt-get) to install SLURM, or SLURM already installed"
    return None


def _alive(name: str) -> bool:
    pidfile = SLURM_DIR / "pids" / f"{name}.pid"
    try:
        pid = pidfile.read_text().strip()
        return os.readlink(f"/proc/{pid}/exe") == os.path.realpath(f"/usr/sbin/{name}")
    except OSError:
        return False


@pytest.fixture(scope="module")
def cluster():
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    before = {d for d in DAEMONS if _alive(d)}
    t0 = time.monotonic()
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "start-local-slurm.sh")], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    print(f"\n[slurm] cluster start: {time.monotonic() - t0:.1f} s (already running: {sorted(before)})")
    started = [d for d in DAEMONS if _alive(d) and d not in before]
    yield
    if started:  # only what this test started; a cluster that was already up stays up
        subprocess.run(["bash", str(ROOT / "scripts" / "stop-local-slurm.sh"), *started], check=True)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # jobs find this venv
    env.pop("SNAKEMAKE_PROFILE", None)
    return env


def _snakemake(workdir: Path, *args: str) -> str:
    return _wait(_start(workdir, *args))


def _start(workdir: Path, *args: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "snakemake", *DEMO_CONFIG, *args, *UNTIL]
    return subprocess.Popen(
        cmd, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env()
    )


def _wait(proc: subprocess.Popen) -> str:
    try:
        out, _ = proc.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    if proc.returncode != 0:
        first = min((i for i in (out.find("Traceback"), out.find("Error")) if i >= 0), default=len(out))
        pytest.fail(
            f"{' '.join(proc.args)} failed ({proc.returncode}):\n{out[max(0, first - 2000) : first + 4000]}"
            f"\n...\n{out[-2000:]}"
        )
    return out


@dataclass(frozen=True)
class SlurmJob:
    jobid: str
    rule: str
    shard: str | None
    partition: str
    tres: str
    state: str


def _slurm_jobs(output: str) -> list[SlurmJob]:
    """The SLURM jobs of one Snakemake run, as sacct reports them."""
    run_id = re.search(r"SLURM run ID: (\S+)", output)
    assert run_id, "no 'SLURM run ID' in Snakemake's output: did it use the slurm executor?"
    submitted = set(re.findall(r"has been submitted with SLURM jobid (\d+)", output))
    fmt = "JobID,JobName%64,Comment%128,Partition,AllocTRES%128,State"
    proc = subprocess.run(
        ["sacct", "-X", "-n", "-P", "-S", "now-12hours", "--name", run_id.group(1), "-o", fmt],
        capture_output=True,
        text=True,
        check=True,
    )
    jobs = []
    for line in proc.stdout.splitlines():
        jobid, _name, comment, partition, tres, state = line.split("|")
        m = re.fullmatch(r"rule_(\w+?)(?:_wildcards_(\S+))?", comment)
        assert m, f"sacct comment {comment!r}: cluster lacks AccountingStoreFlags=job_comment?"
        jobs.append(SlurmJob(jobid, m.group(1), m.group(2), partition, tres, state))
    assert {j.jobid for j in jobs} == submitted, "sacct and Snakemake disagree on the submitted jobs"
    return jobs


def _nothing_to_do(output: str) -> bool:
    return "Nothing to be done" in output or ("Job stats:" in output and not _planned(output))


def _planned(output: str) -> Counter[str]:
    """Job counts per rule from Snakemake's 'Job stats' table (dry runs and real runs)."""
    assert "Job stats:" in output, output[-3000:]
    table = output.split("Job stats:", 1)[1].split("total", 1)[0]
    counts = Counter()
    for rule, n in re.findall(r"^(\w+)\s+(\d+)\s*$", table, re.M):
        counts[rule] = int(n)
    counts.pop("all", None)
    return counts


SORT_KEYS = ("task", "model", "fold", "split", "stage", "video_id", "frame_idx", "segment_id")
WALL_CLOCK = {"elapsed_s", "seconds"}  # columns that may legitimately differ between runs


def _close(u: object, v: object, where: str) -> None:
    """Equal, floats up to 1e-4 (thread counts may differ between the runs)."""
    if isinstance(u, dict):
        assert isinstance(v, dict) and u.keys() == v.keys(), where
        for k in u:
            _close(u[k], v[k], f"{where}.{k}")
    elif isinstance(u, (list, tuple, np.ndarray)):
        assert len(u) == len(v), where
        for a, b in zip(u, v, strict=True):
            _close(a, b, where)
    elif isinstance(u, (float, np.floating)) and not isinstance(u, bool):
        assert math.isclose(u, v, rel_tol=1e-4, abs_tol=1e-5) or (math.isnan(u) and math.isnan(v)), (
            where,
            u,
            v,
        )
    else:
        assert u == v or (pd.isna(u) and pd.isna(v)), (where, u, v)


def _assert_same_tables(local: Path, cluster: Path) -> int:
    files = sorted(p.relative_to(local) for p in local.rglob("*.parquet"))
    assert files == sorted(p.relative_to(cluster) for p in cluster.rglob("*.parquet"))
    for rel in files:
        a, b = (pq.read_table(d / rel).to_pandas() for d in (local, cluster))
        keys = [c for c in SORT_KEYS if c in a.columns]
        if keys:
            a, b = (t.sort_values(keys, kind="stable").reset_index(drop=True) for t in (a, b))
        assert list(a.columns) == list(b.columns) and len(a) == len(b), rel
        for col in a.columns:
            if col not in WALL_CLOCK:
                _close(a[col].tolist(), b[col].tolist(), f"{rel}:{col}")
    return len(files)


def _elapsed(output: str) -> float:
    """Seconds from Snakemake's closing 'Elapsed time: H:MM:SS.ffffff' line."""
    h, m, sec = re.findall(r"Elapsed time: (\d+):(\d+):([\d.]+)", output)[-1]
    return int(h) * 3600 + int(m) * 60 + float(sec)


@pytest.fixture(scope="module")
def demo(cluster, tmp_path_factory):
    """The demo corpus run twice at once: locally in one copy, through SLURM in another."""
    work = copy_workflow(tmp_path_factory.mktemp("slurm-demo"))
    local = copy_workflow(tmp_path_factory.mktemp("local-demo"))
    subprocess.run(
        [sys.executable, "-m", "polimodal.synthetic.demo", "resources/demo"],
        cwd=work,
        check=True,
        capture_output=True,
        env=_env(),
    )
    sheet = work / "resources" / "demo" / "videos.tsv"
    (local / "resources" / "demo").mkdir(parents=True)
    shutil.copy2(sheet, local / "resources" / "demo")  # same rows, same (absolute) media paths

    # the local run gets the threads the SLURM jobs get (set-threads), so that numbers can match
    threads = [f"{r}={n}" for r, n in _profile("slurm")["set-threads"].items()]
    t0 = time.monotonic()
    local_proc = _start(local, "--profile", "profiles/local", "--cores", "2", "--set-threads", *threads)
    slurm_out = _snakemake(work, *SLURM_OVERLAY)
    t_slurm = time.monotonic() - t0
    local_out = _wait(local_proc)
    t_local = _elapsed(local_out)
    jobs = _slurm_jobs(slurm_out)
    print(f"\n[slurm] demo side by side: SLURM {t_slurm:.0f} s, local {t_local:.0f} s, {len(jobs)} jobs")
    return {
        "work": work,
        "sheet": sheet,
        "local_out": local_out,
        "slurm_out": slurm_out,
        "jobs": jobs,
        "local_results": local / "results",
    }


def _n_videos(sheet: Path) -> int:
    return len(pd.read_csv(sheet, sep="\t"))


@pytest.mark.slurm
def test_every_job_ran_through_slurm(demo) -> None:
    jobs, planned = demo["jobs"], _planned(demo["slurm_out"])
    assert jobs and all(j.state == "COMPLETED" for j in jobs), [j for j in jobs if j.state != "COMPLETED"]
    assert Counter(j.rule for j in jobs) == planned, "every planned job (except `all`) is one SLURM job"


@pytest.mark.slurm
def test_gpu_rules_ran_on_gpu_partition(demo) -> None:
    jobs = demo["jobs"]
    gpu = [j for j in jobs if j.rule in GPU_RULES]
    assert {j.rule for j in gpu} >= {"transcribe", "embed"}
    for j in jobs:
        if j.rule in GPU_RULES:
            assert j.partition == "gpu" and "gres/gpu=1" in j.tres, j
        else:
            assert j.partition == "cpu" and "gres/gpu" not in j.tres, j


@pytest.mark.slurm
def test_shards_make_far_fewer_jobs_than_videos(demo) -> None:
    n = _n_videos(demo["sheet"])
    per_shard = [j for j in demo["jobs"] if j.shard is not None]
    shards = {j.shard for j in per_shard}
    assert len(shards) < n and len(per_shard) <= 5 * len(shards)
    assert len(demo["jobs"]) < 3 * n, f"{len(demo['jobs'])} SLURM jobs for {n} videos"
    print(f"\n[slurm] {n} videos -> {len(shards)} shards -> {len(demo['jobs'])} SLURM jobs (3N = {3 * n})")


@pytest.mark.slurm
def test_corpus_scale_job_count(demo, tmp_path) -> None:
    """A 10,000-video sheet at the default shard size plans a few hundred jobs, not 30,000."""
    work = demo["work"]
    sheet = pd.read_csv(demo["sheet"], sep="\t")
    # the demo's rows over and over (both labels of its task, which the start-up check needs)
    big = pd.concat([sheet] * math.ceil(10_000 / len(sheet)), ignore_index=True).iloc[:10_000]
    big["video_id"] = [f"v{i:05d}" for i in range(len(big))]
    big.to_csv(tmp_path / "big.tsv", sep="\t", index=False)
    cfg = tmp_path / "big.yaml"
    cfg.write_text(yaml.safe_dump({"samples": str(tmp_path / "big.tsv"), "shard_size": 200}))
    out = _snakemake(work, *SLURM_OVERLAY, "--configfile", "config/demo.yaml", str(cfg), "-n")
    planned = _planned(out)
    shards = math.ceil(len(big) / 200)
    print(
        f"\n[slurm] dry run: {len(big)} videos, {shards} shards -> {sum(planned.values())} jobs "
        f"(3N = {3 * len(big)}): {dict(planned)}"
    )
    assert all(planned[r] == shards for r in ("ingest", "transcribe", "embed", "dedup"))
    assert sum(planned.values()) < 3 * len(big) / 50


@pytest.mark.slurm
def test_artifacts_equal_local_run(demo) -> None:
    n = _assert_same_tables(demo["local_results"], demo["work"] / "results")
    assert n >= 5


@pytest.mark.slurm
def test_reruns_only_what_changed(demo, tmp_path) -> None:
    work = demo["work"]
    # nothing changed: nothing to do
    assert _nothing_to_do(_snakemake(work, *SLURM_OVERLAY, "-n"))

    # (a) one stage's parameter: only the dedup jobs (and what depends on them) rerun
    cfg = tmp_path / "dedup.yaml"
    cfg.write_text(yaml.safe_dump({"dedup": {"threshold": 0.5}}))
    change = ["--configfile", "config/demo.yaml", str(cfg)]
    dry = _planned(_snakemake(work, *SLURM_OVERLAY, *change, "-n"))
    out = _snakemake(work, *SLURM_OVERLAY, *change)
    jobs = _slurm_jobs(out)
    per_shard = {j.rule for j in jobs if j.shard is not None}
    print(f"\n[slurm] dedup threshold changed: {Counter(j.rule for j in jobs)}")
    assert per_shard == {"dedup"}, per_shard
    assert Counter(j.rule for j in jobs) == dry
    n_shards = len({j.shard for j in demo["jobs"] if j.shard})
    assert sum(j.rule == "dedup" for j in jobs) == n_shards

    # (b) one row appended to the sample sheet: only the last shard's jobs (+ corpus-wide gathers)
    sheet = demo["sheet"]
    rows = pd.read_csv(sheet, sep="\t", dtype=str)
    extra = rows.iloc[[1]].assign(video_id="demo_appended")
    pd.concat([rows, extra]).to_csv(sheet, sep="\t", index=False)
    shard_size = yaml.safe_load((work / "config" / "demo.yaml").read_text())["shard_size"]
    last = f"{len(rows) // shard_size:06d}"  # the shard the new row (index len(rows)) falls into
    out = _snakemake(work, *SLURM_OVERLAY, *change)
    jobs = _slurm_jobs(out)
    print(f"\n[slurm] row appended: {sorted((j.rule, j.shard) for j in jobs)}")
    shard_jobs = [j for j in jobs if j.shard is not None]
    assert {j.shard for j in shard_jobs} == {last}, shard_jobs
    assert Counter(j.rule for j in shard_jobs) == Counter(
        {r: 1 for r in ("ingest", "transcribe", "embed", "dedup")}
    )
    videos = pq.read_table(work / "results" / "videos.parquet").column("video_id").to_pylist()
    assert "demo_appended" in videos
    assert _nothing_to_do(_snakemake(work, *SLURM_OVERLAY, *change, "-n"))
