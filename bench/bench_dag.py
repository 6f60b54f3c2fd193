"""How long Snakemake takes to plan a corpus, and how much memory: `snakemake -n` on a sheet
of N synthetic YouTube ids (default 1,000,000), in a temporary copy of the workflow.

    .venv/bin/python bench/bench_dag.py [N] [SHARD_SIZE] [--classify]

``--classify``: the config has a task and two models (svm, bert), both classifying the corpus, so
the DAG holds train and classification jobs too. Classification jobs follow checkpoint
``choose_models``, so a first dry run plans everything up to it; the bench then makes that run's
outputs exist (empty files, as after the checkpoint) and a second dry run plans the classification
jobs: that is the DAG Snakemake holds once the checkpoint is done. Wall time and peak RSS of each
dry run come from ``/usr/bin/time -v``. It also times ``polimodal plan`` on the same sheet.

Target (issue 2): 1,000,000 ids planned in <= 60 s and <= 2 GB RSS.
"""

from __future__ import annotations

import argparse
import random
import re
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from conftest import complete_until_checkpoint, copy_workflow, job_stats  # noqa: E402

TASK_CONFIG = {
    "tasks": {"label": {"column": "label", "values": ["0", "1"]}},
    "models": {"svm": {"kind": "svm"}, "bert": {"kind": "bert", "model": "bert-base-uncased"}},
    "experiments": {"models": ["svm", "bert"]},
    "classify": {"label": ["svm", "bert"]},
}


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, str]:
    """Run ``cmd`` under ``/usr/bin/time -v``: wall seconds, peak RSS in MiB, stdout."""
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode:
        sys.exit(proc.stderr[-3000:])
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    return wall, rss_kb / 1024, proc.stdout + proc.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("shard_size", nargs="?", type=int, default=200)
    parser.add_argument("--classify", action="store_true", help="a task, two models, corpus classification")
    args = parser.parse_args()
    n, shard_size = args.n, args.shard_size
    with tempfile.TemporaryDirectory() as tmp:
        wd = copy_workflow(Path(tmp) / "wf")
        rng = random.Random(0)
        alphabet = string.ascii_letters + string.digits + "-_"
        with (wd / "config" / "videos.tsv").open("w") as fh:
            fh.write("video_id\tsource\tlabel\n")
            for i in range(n):
                fh.write(f"v{i}\t{''.join(rng.choices(alphabet, k=11))}\t{i % 2}\n")
        config = yaml.safe_load((wd / "config" / "config.yaml").read_text())
        config["shard_size"] = shard_size
        if args.classify:
            config.update(TASK_CONFIG)
        (wd / "config" / "config.yaml").write_text(yaml.safe_dump(config))
        plan_cmd = [sys.executable, "-m", "polimodal.cli", "plan", "--results", str(wd / "results")]
        wall3, rss3, _ = timed(plan_cmd, wd)
        print(f"polimodal plan: {wall3:.1f} s  max RSS {rss3:,.0f} MiB")
        snakemake = [sys.executable, "-m", "snakemake", "-n", "--cores", "1"]
        shards = (n + shard_size - 1) // shard_size
        wall, rss, out = timed(snakemake if args.classify else [*snakemake, "-q", "rules"], wd)
        stats = job_stats(out)
        print(
            f"videos {n:,}  shards {shards:,}  snakemake -n: {sum(stats.values()):,} jobs "
            f"{wall:.1f} s  max RSS {rss:,.0f} MiB"
        )
        if args.classify:
            made = complete_until_checkpoint(wd, out, {"label": [("svm", 0), ("bert", 0)]})
            wall2, rss2, out2 = timed([*snakemake, "-q", "rules"], wd)
            stats2 = job_stats(out2)
            print(
                f"after checkpoint choose_models ({made:,} outputs present): {sum(stats2.values()):,} "
                f"jobs ({', '.join(f'{r} {c:,}' for r, c in stats2.items())})  {wall2:.1f} s  "
                f"max RSS {rss2:,.0f} MiB"
            )
            wall, rss = max(wall, wall2), max(rss, rss2)
        print(
            f"targets: <= 60 s ({'met' if wall <= 60 else 'MISSED'}), "
            f"<= 2048 MiB ({'met' if rss <= 2048 else 'MISSED'})"
        )


if __name__ == "__main__":
    main()
