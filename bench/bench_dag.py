"""How long Snakemake takes to plan a corpus, and how much memory: `snakemake -n` on a sheet
of N synthetic YouTube ids (default 1,000,000), in a temporary copy of the workflow.

    .venv/bin/python bench/bench_dag.py [N] [SHARD_SIZE]

Target (issue 2): 1,000,000 ids planned in <= 60 s and <= 2 GB RSS.
"""

from __future__ import annotations

import random
import resource
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from conftest import copy_workflow  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    shard_size = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    with tempfile.TemporaryDirectory() as tmp:
        wd = copy_workflow(Path(tmp) / "wf")
        rng = random.Random(0)
        alphabet = string.ascii_letters + string.digits + "-_"
        with (wd / "config" / "videos.tsv").open("w") as fh:
            fh.write("video_id\tsource\tlabel\n")
            for i in range(n):
                fh.write(f"v{i}\t{''.join(rng.choices(alphabet, k=11))}\t{i % 2}\n")
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "snakemake", "-n", "-q", "--config", f"shard_size={shard_size}"],
            cwd=wd,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - t0
        if proc.returncode:
            sys.exit(proc.stderr[-3000:])
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        shards = (n + shard_size - 1) // shard_size
        print(f"videos {n:,}  shards {shards:,}  snakemake -n: {wall:.1f} s  max RSS {rss_mb:,.0f} MiB")
        print(
            f"targets: <= 60 s ({'met' if wall <= 60 else 'MISSED'}), "
            f"<= 2048 MiB ({'met' if rss_mb <= 2048 else 'MISSED'})"
        )


if __name__ == "__main__":
    main()
