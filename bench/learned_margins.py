"""What the learned tests measure under other CPU kernels and thread counts, and their margins.

A test whose assertion depends on what a model learned must pass on any machine, whatever its
floating-point path: another BLAS/oneDNN kernel or another thread count changes the sums' order,
and hence every weight after a few hundred steps. This runs those tests (each checks its numbers
through the ``learned`` fixture of ``tests/conftest.py``, which prints
``learned: <test> | <name> | <value> | <op> <bound> | <margin>``) once per setting:
``ATEN_CPU_CAPABILITY`` unset (native), ``default`` and ``avx2`` (and ``avx512`` where the CPU has
it) × ``OMP_NUM_THREADS`` 1 and 2, and prints a table ``test/value x setting -> value (margin)``.

    PYTHONPATH=$PWD .venv/bin/python bench/learned_margins.py [-k EXPR] [--caps native,default]
        [--threads 1,2] [--repeat 2] [--jobs 3] [--tests tests/x.py::test_y ...]

``--repeat 2`` runs every setting twice (a column per run: the values must be identical).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The tests whose assertions depend on what a model learned.
TESTS = (
    "tests/test_models_torch_fusion.py::test_only_the_multimodal_model_beats_chance",
    "tests/test_models_torch_fndclip.py::test_only_fusion_beats_chance_on_the_agree_task",
    "tests/test_models_torch_fndclip_languages.py::test_fndclip_beats_text_and_image_models_in_four_languages",
    "tests/test_models_torch_mult.py::test_mult_finds_the_alignment_early_fusion_cannot",
    "tests/test_models_hf_generative.py::test_lora_learns_a_keyword_that_zero_shot_cannot",
    "tests/test_models_hf_generative.py::test_the_vlm_sees_the_frames",
    "tests/test_models_torch_bert.py::test_real_minilm_encoder",
    "tests/test_models_torch_base.py::test_fit_uses_the_loss_hook_and_mapping_outputs",
    "tests/test_models_classic_svm.py::test_svm_beats_majority_on_convention_speeches",
)
#: One ``learned:`` line of the ``learned`` fixture (pytest -q may print a progress dot before it).
LINE = re.compile(r"learned: (\S+) \| (.+?) \| (\S+) \| (.+?) \| (\S+)$", re.M)


def capabilities() -> list[str]:
    """``native`` (unset), ``default``, ``avx2`` and ``avx512`` where this CPU has them."""
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    return ["native", "default"] + [c for c, f in (("avx2", " avx2"), ("avx512", " avx512f")) if f in flags]


def run(tests: list[str], cap: str, threads: int, k: str | None) -> tuple[list[tuple[str, ...]], str, float]:
    """Run ``tests`` under one setting: the ``learned:`` lines, pytest's last line, seconds."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
    }
    env.pop("ATEN_CPU_CAPABILITY", None)
    if cap != "native":
        env["ATEN_CPU_CAPABILITY"] = cap
    cmd = [sys.executable, "-m", "pytest", "-s", "-q", "-p", "no:cacheprovider", *tests]
    if k:
        cmd += ["-k", k]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True).stdout
    tail = next((line for line in reversed(out.splitlines()) if re.search(r"\d+ (passed|failed)", line)), "?")
    return LINE.findall(out), tail.strip("= "), time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tests", nargs="*", default=list(TESTS))
    ap.add_argument("-k", default=None, help="pytest -k expression")
    ap.add_argument("--caps", default=",".join(capabilities()))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1, help="settings run at the same time")
    args = ap.parse_args()
    table: dict[tuple[str, str], dict[str, str]] = {}
    settings = [
        (f"{cap}/{threads}t" + (f"#{r + 1}" if args.repeat > 1 else ""), cap, threads)
        for cap in args.caps.split(",")
        for threads in (int(t) for t in args.threads.split(","))
        for r in range(args.repeat)
    ]
    columns = [col for col, _, _ in settings]
    with ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(run, args.tests, cap, threads, args.k): col for col, cap, threads in settings}
        for future in as_completed(futures):
            col = futures[future]
            lines, tail, seconds = future.result()
            print(f"{col}: {tail} ({seconds:.0f} s)", flush=True)
            for test, name, value, bound, margin in lines:
                print(f"  {test} | {name} {bound} | {value} ({margin})", flush=True)
                table.setdefault((test, f"{name} {bound}"), {})[col] = f"{value} ({margin})"
    print("\n| test | value, bound | " + " | ".join(columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    for (test, name), cells in table.items():
        print(f"| {test} | {name} | " + " | ".join(cells.get(c, "-") for c in columns) + " |")


if __name__ == "__main__":
    main()
