"""Models over per-video sequences of words, audio windows and frame embeddings.

- :class:`MultModel` (``kind: mult``): a cross-modal transformer after Tsai et al. (2019), "Multimodal
  Transformer for Unaligned Multimodal Language Sequences" (MulT; MMSA's ``MULT.py`` is a readable
  reference). Each modality's sequence is projected to ``dim`` and given a learned summary token;
  for every ordered pair (target ← source) a stack of cross-modal attention blocks
  (``torch.nn.MultiheadAttention``: queries from the target, keys/values from the source) lets the
  target attend to the source; each target's cross-modal outputs are concatenated, projected and
  passed through self-attention layers; the summary tokens of the targets are concatenated into the
  classification head. **Implicit alignment**: the model learns which parts of the sequences belong
  together. Unlike the original (which relies on positions only), each element also carries a
  sinusoidal encoding of its *time in seconds*, so attention can match a word with the audio
  spoken at the same moment even though the sequences have different rates.
- :class:`EarlyFusionModel` (``kind: early_fusion``): each modality pooled on its own (mean and
  max over the sequence), concatenated, then an MLP: the baseline that sees every modality but not
  which parts co-occur. With ``aligned: true`` it reads the **explicit alignment** instead: each
  word's vector carries its own pitch (``f0_mean_z`` of the aligned table) and the embedding of the
  frame shown meanwhile, and an MLP reads each word's fused vector before pooling.

Words are embedded by a table learned from the training words (``text_model: null``) or by the
frozen input embeddings of a BERT-family model (``text_model``: the mean over a word's pieces).
Both kinds train with the compact loop of :mod:`polimodal.models.torch.loop` (one sample = one
video; the best epoch on validation macro F1 is kept).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from polimodal.data.sequences import AUDIO_FEATURES, VideoSequences
from polimodal.models.torch.base import TorchModel
from polimodal.models.torch.loop import Inputs, predict_proba
from polimodal.models.torch.streams import batched, even_indices
from polimodal.nn.losses import Output

log = logging.getLogger(__name__)

VOCAB_FILE = "sequence_vocab.json"
PAD, UNK = 0, 1


def normalise_word(word: str) -> str:
    """Lower case, punctuation stripped at both ends (what the learned vocabulary keys on)."""
    return re.sub(r"^[^\w]+|[^\w]+$", "", word.strip().lower())


# ----------------------------------------------------------------------------- network parts
class TimeEncoding(nn.Module):
    """Sinusoidal encoding of times in seconds (periods from ``min_period`` to ``max_period``)."""

    def __init__(self, dim: int, min_period: float = 0.2, max_period: float = 200.0) -> None:
        super().__init__()
        half = dim // 2
        periods = np.geomspace(min_period, max_period, max(half, 1))
        self.register_buffer("omega", torch.tensor(2 * math.pi / periods, dtype=torch.float32))
        self.dim = dim

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        angles = t.float().unsqueeze(-1) * self.omega
        enc = torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1)
        if enc.shape[-1] < self.dim:
            enc = nn.functional.pad(enc, (0, self.dim - enc.shape[-1]))
        return enc[..., : self.dim]


def time_bias(
    rates: torch.Tensor, t_q: torch.Tensor, t_k: torch.Tensor, q_free: torch.Tensor, k_pad: torch.Tensor
) -> torch.Tensor:
    """Additive attention bias ``(batch × heads, Lq, Lk)``: ``-rate_h · |t_q - t_k|`` (seconds),
    0 for a summary token (``q_free``/position 0 of the keys: attends and is attended everywhere),
    ``-inf`` on padded keys."""
    b, heads = t_q.shape[0], rates.shape[0]
    dist = (t_q.unsqueeze(-1) - t_k.unsqueeze(-2)).abs()  # (B, Lq, Lk)
    dist = dist.masked_fill(q_free.unsqueeze(-1), 0.0)
    dist[:, :, 0] = 0.0  # the keys' summary token
    bias = -rates.view(1, heads, 1, 1) * dist.unsqueeze(1)
    bias = bias.masked_fill(k_pad.view(b, 1, 1, -1), float("-inf"))
    return bias.reshape(b * heads, t_q.shape[1], t_k.shape[1])


class CrossModalBlock(nn.Module):
    """Target queries attend to a source sequence (pre-norm), then a feed-forward layer.

    Attention is biased towards what happens at the same time: each head's logits get
    ``-rate · |Δt|`` (a learned rate per head, in 1/s, from 0.1 (almost global) to 20 (this
    moment only) at the start), an ALiBi-style bias on seconds rather than positions.
    """

    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.norm_q = nn.LayerNorm(dim)
        self.norm_kv = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.norm_ff = nn.LayerNorm(dim)
        self.ff = nn.Sequential(
            nn.Linear(dim, 2 * dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(2 * dim, dim)
        )
        self.drop = nn.Dropout(dropout)
        init = torch.tensor(np.geomspace(0.1, 20.0, heads) if heads > 1 else [2.0], dtype=torch.float32)
        self.log_rates = nn.Parameter(init.log())

    def forward(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        y_pad: torch.Tensor,
        t_x: torch.Tensor,
        t_y: torch.Tensor,
        x_free: torch.Tensor,
    ) -> torch.Tensor:
        kv = self.norm_kv(y)
        bias = time_bias(self.log_rates.exp(), t_x, t_y, x_free, y_pad).to(x.dtype)
        attended, _ = self.attn(self.norm_q(x), kv, kv, attn_mask=bias, need_weights=False)
        x = x + self.drop(attended)
        return x + self.drop(self.ff(self.norm_ff(x)))


class SequenceEmbedder(nn.Module):
    """Each modality's elements → ``dim`` vectors (+ time encoding); words from ids or vectors."""

    def __init__(self, in_dims: Mapping[str, int], dim: int, vocab_size: int, dropout: float) -> None:
        super().__init__()
        self.mods = list(in_dims)
        self.word_table = nn.Embedding(vocab_size, dim, padding_idx=PAD) if vocab_size else None
        self.proj = nn.ModuleDict(
            {m: nn.Linear(d, dim) for m, d in in_dims.items() if not (m == "words" and vocab_size)}
        )
        self.time = TimeEncoding(dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, m: str, inputs: Inputs) -> torch.Tensor:
        if m == "words" and self.word_table is not None:
            x = self.word_table(inputs["words_ids"])
        else:
            x = self.proj[m](inputs[f"{m}_x"].float())
        return self.drop(x + self.time(inputs[f"{m}_t"]))


class MultNet(nn.Module):
    """The cross-modal transformer of :class:`MultModel` (see the module docstring)."""

    def __init__(
        self,
        in_dims: Mapping[str, int],
        n_classes: int,
        *,
        dim: int,
        heads: int,
        layers: int,
        self_layers: int,
        dropout: float,
        vocab_size: int,
    ) -> None:
        super().__init__()
        self.mods = list(in_dims)
        self.embed = SequenceEmbedder(in_dims, dim, vocab_size, dropout)
        self.summary = nn.ParameterDict({m: nn.Parameter(torch.randn(1, 1, dim) * 0.02) for m in self.mods})
        self.cross = nn.ModuleDict(
            {
                f"{t}_from_{s}": nn.ModuleList([CrossModalBlock(dim, heads, dropout) for _ in range(layers)])
                for t in self.mods
                for s in self.mods
                if s != t
            }
        )
        n_src = max(1, len(self.mods) - 1)
        self.fuse = nn.ModuleDict({m: nn.Linear(n_src * dim, dim) for m in self.mods})
        self.self_attn = nn.ModuleDict(
            {
                m: nn.ModuleList(
                    [
                        nn.TransformerEncoderLayer(
                            dim, heads, 2 * dim, dropout, batch_first=True, norm_first=True
                        )
                        for _ in range(self_layers)
                    ]
                )
                for m in self.mods
            }
        )
        total = 2 * dim * len(self.mods)
        self.head = nn.Sequential(
            nn.LayerNorm(total),
            nn.Linear(total, dim),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(dim, n_classes),
        )

    def forward(self, **inputs: torch.Tensor) -> torch.Tensor:
        seqs: dict[str, torch.Tensor] = {}
        pads: dict[str, torch.Tensor] = {}
        times: dict[str, torch.Tensor] = {}
        free: dict[str, torch.Tensor] = {}
        for m in self.mods:
            x = self.embed(m, inputs)
            b = x.shape[0]
            seqs[m] = torch.cat([self.summary[m].expand(b, -1, -1), x], dim=1)
            pads[m] = torch.cat([inputs[f"{m}_pad"].new_zeros(b, 1), inputs[f"{m}_pad"]], dim=1)
            times[m] = torch.cat([inputs[f"{m}_t"].new_zeros(b, 1), inputs[f"{m}_t"].float()], dim=1)
            free[m] = torch.zeros_like(pads[m])
            free[m][:, 0] = True
        pooled = []
        for t in self.mods:
            if len(self.mods) > 1:
                outs = []
                for s in self.mods:
                    if s == t:
                        continue
                    h = seqs[t]
                    for block in self.cross[f"{t}_from_{s}"]:
                        h = block(h, seqs[s], pads[s], times[t], times[s], free[t])
                    outs.append(h)
                h = self.fuse[t](torch.cat(outs, dim=-1))
            else:
                h = self.fuse[t](seqs[t])
            for layer in self.self_attn[t]:
                h = layer(h, src_key_padding_mask=pads[t])
            # the summary token and the max over the sequence (a single decisive element)
            pooled.append(torch.cat([h[:, 0], _masked_max(h[:, 1:], pads[t][:, 1:])], dim=-1))
        return self.head(torch.cat(pooled, dim=-1))


def _masked_max(x: torch.Tensor, pad: torch.Tensor) -> torch.Tensor:
    """Max over the non-padded elements (zeros for an empty sequence)."""
    mx = x.masked_fill(pad.unsqueeze(-1), -1e4).max(1).values
    return torch.where((~pad).any(1, keepdim=True), mx, torch.zeros_like(mx))


def _masked_pool(x: torch.Tensor, pad: torch.Tensor) -> torch.Tensor:
    """Mean and max over the non-padded elements (zeros for an empty sequence), concatenated."""
    keep = (~pad).unsqueeze(-1).float()
    n = keep.sum(1).clamp(min=1)
    mean = (x * keep).sum(1) / n
    return torch.cat([mean, _masked_max(x, pad)], dim=-1)


class EarlyFusionNet(nn.Module):
    """The pooled-features MLP of :class:`EarlyFusionModel` (see the module docstring)."""

    def __init__(
        self,
        in_dims: Mapping[str, int],
        n_classes: int,
        *,
        dim: int,
        hidden: int,
        dropout: float,
        vocab_size: int,
        aligned: bool,
        frame_dim: int,
    ) -> None:
        super().__init__()
        self.mods = list(in_dims)
        self.aligned = aligned and "words" in self.mods
        self.word_frame_dim = frame_dim if self.aligned else 0
        self.word_table = nn.Embedding(vocab_size, dim, padding_idx=PAD) if vocab_size else None
        self.word_proj = None if vocab_size or "words" not in in_dims else nn.Linear(in_dims["words"], dim)
        widths = {m: (dim if m == "words" else d) for m, d in in_dims.items()}
        if self.aligned:
            # each word: its embedding, its pitch (z) and voiced flag, the embedding of its frame
            per_word = dim + 2 + frame_dim
            self.word_mlp = nn.Sequential(nn.Linear(per_word, hidden), nn.GELU(), nn.Linear(hidden, hidden))
            widths["words"] = hidden
        total = sum(2 * w for w in widths.values())
        self.head = nn.Sequential(
            nn.LayerNorm(total),
            nn.Linear(total, hidden),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, n_classes),
        )

    def forward(self, **inputs: torch.Tensor) -> torch.Tensor:
        parts = []
        for m in self.mods:
            if m == "words":
                w = self.word_table(inputs["words_ids"]) if self.word_table is not None else None
                if w is None:
                    assert self.word_proj is not None
                    w = self.word_proj(inputs["words_x"].float())
                if self.aligned:
                    pitch = inputs["words_pitch"].float().unsqueeze(-1)
                    voiced = (pitch != 0).float()
                    frame = [inputs["words_frame"].float()] if self.word_frame_dim else []
                    w = self.word_mlp(torch.cat([w, pitch, voiced, *frame], dim=-1))
                parts.append(_masked_pool(w, inputs["words_pad"]))
            else:
                parts.append(_masked_pool(inputs[f"{m}_x"].float(), inputs[f"{m}_pad"]))
        return self.head(torch.cat(parts, dim=-1))


# ----------------------------------------------------------------------------- the models
class SequenceModel(TorchModel):
    """Shared plumbing of the sequence models: vocabulary, word vectors, padding, batching."""

    def __init__(
        self, classes: Sequence[str], params: Mapping[str, Any] | None = None, seed: int = 0
    ) -> None:
        super().__init__(classes, params, seed)
        p = self.options
        self.mods = [m for m in ("words", "audio", "frames") if m in list(p.modalities)]
        self.vocab: dict[str, int] = {}
        self.frame_dim = 0
        self._word_vectors: dict[str, np.ndarray] = {}
        self._text_embeddings: tuple[Any, np.ndarray] | None = None
        #: each word carries the embedding of its frame (explicit alignment)
        self.word_frames = False

    # -- vocabulary and word vectors
    def _build_vocab(self, data: Any) -> None:
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

    def _word_vector(self, word: str) -> np.ndarray:
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
        dims = {"words": self.word_dim or 1, "audio": len(AUDIO_FEATURES), "frames": max(self.frame_dim, 1)}
        return {m: dims[m] for m in self.mods}

    @property
    def vocab_rows(self) -> int:
        return 0 if self.options.text_model else len(self.vocab) + 2

    # -- batches
    def _video_arrays(self, seq: VideoSequences) -> dict[str, np.ndarray]:
        p = self.options
        out: dict[str, np.ndarray] = {}
        if "words" in self.mods:
            idx = even_indices(len(seq.words), p.max_words)
            words = [seq.words[i] for i in idx]
            if p.text_model:
                out["words_x"] = (
                    np.stack([self._word_vector(w) for w in words])
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
        arrays = [self._video_arrays(data.sequence(data.video_ids[i])) for i in index]
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

    def train_batches(
        self, data: Any, y: np.ndarray, rng: np.random.Generator
    ) -> Iterator[tuple[Inputs, torch.Tensor]]:
        order = rng.permutation(len(data))
        for chunk in batched(order.tolist(), self.train_params.batch_size):
            yield self.collate(data, chunk), torch.as_tensor(y[chunk])

    def steps_per_epoch(self, data: Any) -> int | None:
        return math.ceil(len(data) / (self.train_params.batch_size * self.train_params.grad_accum))

    def forward(self, module: nn.Module, inputs: Inputs) -> Output:
        return module(**inputs)

    def predict_scores(self, data: Any) -> tuple[list[str], np.ndarray]:
        assert self.module is not None
        batches = (
            self.collate(data, chunk)
            for chunk in batched(list(range(len(data))), self.train_params.predict_batch_size)
        )
        probs = predict_proba(self.module, self.forward, batches, self.runtime, len(self.classes))
        return self.labels_from_scores(probs), probs

    # -- fit / load: the vocabulary and the frame width travel beside the checkpoint
    def fit(self, train: Any, validation: Any, workdir: Path) -> dict[str, Any]:
        self.frame_dim = int(getattr(train.sequences, "frame_dim", 0) or 0)
        if not self.options.text_model:
            self._build_vocab(train)
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        meta = {"vocab": self.vocab, "frame_dim": self.frame_dim}
        (workdir / VOCAB_FILE).write_text(json.dumps(meta))
        log.info(
            "%s: modalities %s, %s words, frame embeddings of %d dims",
            self.kind,
            self.mods,
            f"frozen {self.options.text_model}" if self.options.text_model else f"{len(self.vocab)} learned",
            self.frame_dim,
        )
        return super().fit(train, validation, workdir)

    def load(self, workdir: Path) -> None:
        meta = json.loads((Path(workdir) / VOCAB_FILE).read_text())
        self.vocab = {str(k): int(v) for k, v in meta["vocab"].items()}
        self.frame_dim = int(meta["frame_dim"])
        super().load(workdir)


class MultModel(SequenceModel):
    """``kind: mult``: the cross-modal transformer (implicit alignment)."""

    kind = "mult"

    def build(self) -> nn.Module:
        p = self.options
        return MultNet(
            self.in_dims(),
            len(self.classes),
            dim=p.dim,
            heads=p.heads,
            layers=p.layers,
            self_layers=p.self_layers,
            dropout=p.dropout,
            vocab_size=self.vocab_rows,
        )


class EarlyFusionModel(SequenceModel):
    """``kind: early_fusion``: pooled modalities concatenated → MLP (``aligned``: per-word fusion)."""

    kind = "early_fusion"

    def __init__(
        self, classes: Sequence[str], params: Mapping[str, Any] | None = None, seed: int = 0
    ) -> None:
        super().__init__(classes, params, seed)
        self.word_frames = bool(self.options.aligned)

    def build(self) -> nn.Module:
        p = self.options
        return EarlyFusionNet(
            self.in_dims(),
            len(self.classes),
            dim=p.dim,
            hidden=p.hidden,
            dropout=p.dropout,
            vocab_size=self.vocab_rows,
            aligned=p.aligned,
            frame_dim=self.frame_dim if p.aligned else 0,
        )
