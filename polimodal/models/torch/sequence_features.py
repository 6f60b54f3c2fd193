"""What the sequence models (MulT, early fusion) read: a video's sequences as arrays, padded batches.

:class:`SequenceFeatures` holds what turns :class:`~polimodal.data.sequences.VideoSequences`
into network inputs: the modalities read, the learned word vocabulary (``text_model: null``: the
``vocab_size`` most frequent training words, ids from 2; 0 pads, 1 is the unknown word) or the
frozen input embeddings of a BERT-family model (``text_model``: a word's vector is the mean over
its pieces), and the frame-embedding width. Long sequences are sub-sampled evenly (``max_words``,
``max_audio``, ``max_frames``; each element keeps its time). The vocabulary and the frame width
travel beside the checkpoint (:data:`VOCAB_FILE`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from polimodal.data.sequences import AUDIO_FEATURES, VideoSequences
from polimodal.models.torch.loop import Inputs
from polimodal.models.torch.params import SequenceParams
from polimodal.models.torch.streams import even_indices
from polimodal.nn.sequences import PAD

VOCAB_FILE = "sequence_vocab.json"
UNK = PAD + 1  # the unknown word; the learned words' ids start at 2


def normalise_word(word: str) -> str:
    """Lower case, punctuation stripped at both ends (what the learned vocabulary keys on)."""
    return re.sub(r"^[^\w]+|[^\w]+$", "", word.strip().lower())


class SequenceFeatures:
    """A video's sequences → arrays, a batch of videos → padded tensors (see the module docstring).

    ``word_frames``: each word also carries the embedding of its frame (explicit alignment).
    """

    def __init__(self, options: SequenceParams, *, word_frames: bool = False) -> None:
        self.options = options
        self.mods = [m for m in ("words", "audio", "frames") if m in list(options.modalities)]
        self.vocab: dict[str, int] = {}
        self.frame_dim = 0
        self.word_frames = word_frames
        self._word_vectors: dict[str, np.ndarray] = {}
        self._text_embeddings: tuple[Any, np.ndarray] | None = None

    # -- vocabulary and word vectors
    def build_vocab(self, data: Any) -> None:
        """The learned vocabulary: the ``vocab_size`` most frequent words of ``data``."""
        counts: Counter[str] = Counter()
        for vid in data.video_ids:
            counts.update(w for w in map(normalise_word, data.sequence(vid).words) if w)
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: self.options.vocab_size]
        self.vocab = {w: i + 2 for i, (w, _) in enumerate(ordered)}

    def _frozen(self) -> tuple[Any, np.ndarray]:
        if self._text_embeddings is None:
            from transformers import AutoModel, AutoTokenizer

            from polimodal.resolve import resolve_model_ref

            path = resolve_model_ref(self.options.text_model)
            tokenizer = AutoTokenizer.from_pretrained(path)
            model = AutoModel.from_pretrained(path)
            table = model.get_input_embeddings().weight.detach().float().numpy().copy()
            del model
            self._text_embeddings = (tokenizer, table)
        return self._text_embeddings

    def word_vector(self, word: str) -> np.ndarray:
        """The frozen embedding of ``word`` (``text_model``): the mean over its pieces."""
        vec = self._word_vectors.get(word)
        if vec is None:
            tokenizer, table = self._frozen()
            ids = tokenizer(word.strip(), add_special_tokens=False)["input_ids"] or [
                tokenizer.unk_token_id or 0
            ]
            vec = table[ids].mean(axis=0)
            self._word_vectors[word] = vec
        return vec

    @property
    def word_dim(self) -> int:
        return self._frozen()[1].shape[1] if self.options.text_model else 0

    def in_dims(self) -> dict[str, int]:
        """The width of each modality's elements (the network's input widths)."""
        dims = {"words": self.word_dim or 1, "audio": len(AUDIO_FEATURES), "frames": max(self.frame_dim, 1)}
        return {m: dims[m] for m in self.mods}

    @property
    def vocab_rows(self) -> int:
        """Rows of the learned word table (0 with frozen word embeddings)."""
        return 0 if self.options.text_model else len(self.vocab) + 2

    # -- fit / save / load
    def fit(self, train: Any) -> None:
        """The frame width and (learned words) the vocabulary of the training split."""
        self.frame_dim = int(getattr(train.sequences, "frame_dim", 0) or 0)
        if not self.options.text_model:
            self.build_vocab(train)

    def save(self, workdir: Path) -> None:
        meta = {"vocab": self.vocab, "frame_dim": self.frame_dim}
        (Path(workdir) / VOCAB_FILE).write_text(json.dumps(meta))

    def load(self, workdir: Path) -> None:
        meta = json.loads((Path(workdir) / VOCAB_FILE).read_text())
        self.vocab = {str(k): int(v) for k, v in meta["vocab"].items()}
        self.frame_dim = int(meta["frame_dim"])

    def describe(self) -> str:
        words = (
            f"frozen {self.options.text_model}" if self.options.text_model else f"{len(self.vocab)} learned"
        )
        return f"modalities {self.mods}, {words} words, frame embeddings of {self.frame_dim} dims"

    # -- batches
    def video_arrays(self, seq: VideoSequences) -> dict[str, np.ndarray]:
        """One video's arrays: ``<mod>_x`` (or ``words_ids``), ``<mod>_t`` and the words' extras."""
        p = self.options
        out: dict[str, np.ndarray] = {}
        if "words" in self.mods:
            idx = even_indices(len(seq.words), p.max_words)
            words = [seq.words[i] for i in idx]
            if p.text_model:
                out["words_x"] = (
                    np.stack([self.word_vector(w) for w in words])
                    if words
                    else np.zeros((0, self.word_dim), np.float32)
                )
            else:
                out["words_ids"] = np.array([self.vocab.get(normalise_word(w), UNK) for w in words], np.int64)
            times = seq.word_times[idx] if len(idx) else np.zeros((0, 2), np.float32)
            out["words_t"] = times.mean(axis=1) if len(idx) else np.zeros(0, np.float32)
            out["words_pitch"] = seq.word_pitch[idx] if len(idx) else np.zeros(0, np.float32)
            if self.word_frames and self.frame_dim:
                lookup = {f: i for i, f in enumerate(seq.frame_idx)}
                frames = np.zeros((len(idx), self.frame_dim), np.float32)
                for k, i in enumerate(idx):
                    f = seq.word_frames[i]
                    if f is not None and f in lookup:
                        frames[k] = seq.frames[lookup[f]]
                out["words_frame"] = frames
        if "audio" in self.mods:
            idx = even_indices(len(seq.audio_times), p.max_audio)
            out["audio_x"] = seq.audio[idx]
            out["audio_t"] = seq.audio_times[idx]
        if "frames" in self.mods:
            idx = even_indices(len(seq.frame_times), p.max_frames)
            frames = seq.frames[idx] if seq.frames.size else np.zeros((len(idx), self.frame_dim), np.float32)
            out["frames_x"] = frames if frames.shape[1] else np.zeros((len(idx), 1), np.float32)
            out["frames_t"] = seq.frame_times[idx]
        return out

    def collate(self, data: Any, index: Sequence[int]) -> Inputs:
        """Padded tensors (``<mod>_x``/``_ids``, ``_t``, ``_pad`` True where padded) of videos ``index``."""
        arrays = [self.video_arrays(data.sequence(data.video_ids[i])) for i in index]
        inputs: Inputs = {}
        for m in self.mods:
            lengths = [len(a[f"{m}_t"]) for a in arrays]
            n = max(1, max(lengths))
            pad = torch.ones(len(arrays), n, dtype=torch.bool)
            for k, length in enumerate(lengths):
                pad[k, :length] = False
            inputs[f"{m}_pad"] = pad
            for key in [k for k in arrays[0] if k.startswith(m + "_")]:
                first = arrays[0][key]
                dtype = torch.long if first.dtype == np.int64 else torch.float32
                shape = (len(arrays), n, *first.shape[1:])
                t = torch.zeros(shape, dtype=dtype)
                for k, a in enumerate(arrays):
                    if len(a[key]):
                        t[k, : len(a[key])] = torch.as_tensor(a[key], dtype=dtype)
                inputs[key] = t
        return inputs
