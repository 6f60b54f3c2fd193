"""The alignment corpus: a synthetic task whose label is carried by the *alignment* alone.

A stand-in for tests and benchmarks of cross-modal models, as :mod:`polimodal.synthetic.xor` is
for fusion. Every video says the target word (``"tax"``) exactly once and has exactly one burst
of high pitch; the label is ``"yes"`` iff the burst falls on the target word. Each modality alone
has the same distribution in both classes (the same bag of words, the same pitch contour up to
where the burst lies), so text alone, audio alone and any pooling of each modality on its own are
at chance: a model must match *when* a word is said with *when* the pitch is high.

Sequences are made directly (no media): words on a time grid with jitter, audio windows every
0.1 s (F0 z-scores, voiced share, intensity), and a few random frame embeddings that carry
nothing; each word also carries its own mean pitch (the explicit alignment of the aligned
table, read by ``early_fusion`` with ``aligned: true``). :func:`make_alignment_corpus` returns
``{"train"|"validation"|"test": VideoData}`` whose ``sequence(video_id)`` serves them, as the fold
runner's task data does.
"""

from __future__ import annotations

import numpy as np

from polimodal.data.sequences import SequenceStore, VideoSequences
from polimodal.data.videodata import VideoData

TARGET = "tax"
#: Other words of the videos (drawn uniformly, the same in both classes).
FILLERS = (
    "the", "minister", "said", "budget", "vote", "party", "people", "country", "today", "we",
    "will", "never", "health", "jobs", "school", "border",
)  # fmt: skip


def make_video(
    rng: np.random.Generator, positive: bool, *, n_words: int = 8, hop: float = 0.1, frame_dim: int = 8
) -> VideoSequences:
    """One video's sequences (see the module docstring)."""
    words = list(rng.choice(FILLERS, size=n_words - 1))
    target_at = int(rng.integers(n_words))
    words.insert(target_at, TARGET)
    # word k spoken over [0.5 k + jitter, + 0.35 s]
    starts = 0.5 * np.arange(n_words) + rng.uniform(0, 0.1, n_words)
    times = np.stack([starts, starts + 0.35], axis=1).astype(np.float32)
    burst_on = target_at if positive else int(rng.choice([k for k in range(n_words) if k != target_at]))
    duration = 0.5 * n_words + 0.2
    t = (np.arange(int(duration / hop)) + 0.5) * hop
    f0 = rng.normal(0.0, 0.4, len(t))
    lo, hi = times[burst_on]
    f0[(t >= lo) & (t < hi)] += 2.5  # the high-pitch burst
    audio = np.stack([f0, np.ones_like(t), rng.normal(0.0, 0.5, len(t))], axis=1).astype(np.float32)
    # the explicit alignment (what the aligned table holds): each word's mean F0 z over its span
    word_pitch = np.array([f0[(t >= a) & (t < b)].mean() for a, b in times], np.float32)
    n_frames = 3
    return VideoSequences(
        words=words,
        word_times=times,
        word_pitch=word_pitch,
        word_frames=[None] * n_words,
        audio=audio,
        audio_times=t.astype(np.float32),
        frames=rng.normal(0, 1, (n_frames, frame_dim)).astype(np.float32),
        frame_times=np.arange(n_frames, dtype=np.float32) * 1.5,
        frame_idx=list(range(n_frames)),
    )


def make_alignment_corpus(
    n_per_class: dict[str, int] | None = None, *, seed: int = 0, n_words: int = 8
) -> dict[str, VideoData]:
    """``{"train"|"validation"|"test": VideoData}`` of the alignment task (labels ``no``/``yes``).

    ``n_per_class[split]`` videos of each label per split (default 200/50/50).
    """
    n_per_class = n_per_class or {"train": 200, "validation": 50, "test": 50}
    rng = np.random.default_rng(seed)
    videos: dict[str, VideoSequences] = {}
    splits: dict[str, tuple[list[str], list[str]]] = {}
    for split, n in n_per_class.items():
        ids, labels = [], []
        for i in range(n):
            for label in ("no", "yes"):
                vid = f"{split}_{label}_{i:04d}"
                videos[vid] = make_video(rng, label == "yes", n_words=n_words)
                ids.append(vid)
                labels.append(label)
        order = rng.permutation(len(ids))
        splits[split] = ([ids[k] for k in order], [labels[k] for k in order])
    store = SequenceStore.from_sequences(videos)
    return {
        split: VideoData(ids, labels, [" ".join(videos[v].words) for v in ids], None, store)
        for split, (ids, labels) in splits.items()
    }
