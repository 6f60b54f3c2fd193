"""Benchmark: ``dedup_embeddings`` on an hour of frames at 1 fps (3,600 × 576-d; target < 1 s).

Three workloads: all frames distinct (every frame kept: the most row updates), one static
shot (one kept), and a realistic mix of 120 shots of 30 s with small jitter. Also 1280-d.

    .venv/bin/python bench/bench_dedup.py
"""

from __future__ import annotations

import time

import numpy as np

from polimodal.extract.dedup import dedup_embeddings


def unit(a: np.ndarray) -> np.ndarray:
    return (a / np.linalg.norm(a, axis=1, keepdims=True)).astype(np.float32)


def workloads(n: int, d: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    distinct = unit(rng.normal(size=(n, d)))
    static = np.repeat(distinct[:1], n, axis=0)
    shots = np.repeat(unit(rng.normal(size=(n // 30, d))), 30, axis=0)
    mixed = unit(shots + (0.2 / np.sqrt(d)) * rng.normal(size=(n, d)).astype(np.float32))  # cos ~0.98
    return {"distinct": distinct, "static": static, "120 shots": mixed}


def main() -> None:
    rng = np.random.default_rng(0)
    for d in (576, 1280):
        for name, emb in workloads(3600, d, rng).items():
            dedup_embeddings(emb[:100], 0.9)
            times = []
            for _ in range(5):
                t = time.perf_counter()
                kept, _, _ = dedup_embeddings(emb, 0.9)
                times.append(time.perf_counter() - t)
            print(
                f"3600 x {d:4d} {name:10s}: {min(times) * 1000:7.1f} ms"
                f" (median {np.median(times) * 1000:.1f}), kept {kept.sum()}"
            )


if __name__ == "__main__":
    main()
