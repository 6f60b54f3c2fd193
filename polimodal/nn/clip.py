"""Loading a CLIP-like dual encoder: the network, its tokenizer and its image statistics.

Any transformers model with ``get_text_features`` and ``get_image_features`` loaded by its saved
config (``AutoModel``): OpenAI's ``CLIPModel``, and for multilingual corpora ``AltCLIPModel``
(``BAAI/AltCLIP-m18``: an XLM-R text tower, 18 languages) or ``SiglipModel``
(``google/siglip-base-patch16-256-multilingual``). Used by the CLIP classifier
(:mod:`polimodal.models.torch.clip`, fine-tuned) and by FND-CLIP's guide
(:mod:`polimodal.models.torch.fndclip`, frozen). The mean/std that normalise its input images come
from the model's image processor, or are CLIP's own when the folder holds none.

:func:`text_features` / :func:`image_features` give the projected embeddings of either
transformers 4.x (``get_*_features`` return tensors) or 5.x (an output whose ``pooler_output`` is
the projected embedding). :func:`clip_tokens` pads texts to the full length, as these towers were
trained; SigLIP's tokenizer gives no attention mask (its text tower reads every padded position and
pools the last one), so its mask is all ones, which is the same as none.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import torch

from polimodal.errors import ModelLoadError
from polimodal.nn.images import CLIP_MEAN, CLIP_STD
from polimodal.resolve import resolve_model_ref

log = logging.getLogger(__name__)


@dataclass
class LoadedClip:
    """A loaded CLIP-like model and what feeding it needs."""

    model: Any  # transformers CLIPModel, AltCLIPModel, SiglipModel ...
    tokenizer: Any
    path: str  # where it was loaded from (``ref`` resolved)
    mean: tuple[float, ...]  # image normalisation
    std: tuple[float, ...]

    @property
    def image_size(self) -> int:
        """The vision tower's input side in pixels."""
        return int(self.model.config.vision_config.image_size)

    @property
    def text_positions(self) -> int:
        """The text tower's context length in tokens (an XLM-R tower's 514 positions hold 512)."""
        text = self.model.config.text_config
        positions = int(text.max_position_embeddings)
        if getattr(text, "model_type", "") in ("altclip_text_model", "xlm-roberta", "roberta"):
            positions -= int(text.pad_token_id) + 1  # positions count from the padding id + 1
        return positions

    @property
    def embed_dim(self) -> int:
        """The width of the (projected) text and image embeddings."""
        return embed_dim(self.model)

    @property
    def text_mask(self) -> bool:
        """Whether the text tower reads an attention mask (its tokenizer gives one; SigLIP's does not)."""
        return text_mask(self.tokenizer)


def embed_dim(model: Any) -> int:
    """The embedding width of a CLIP-like ``model``: its ``projection_dim`` (CLIP, AltCLIP), else
    its text tower's output width (SigLIP: ``projection_size``, the hidden size by default)."""
    config = model.config
    dim = getattr(config, "projection_dim", None)
    if dim:
        return int(dim)
    text = config.text_config
    return int(getattr(text, "projection_size", None) or text.hidden_size)


def text_mask(tokenizer: Any) -> bool:
    """Whether ``tokenizer``'s model reads an attention mask (``model_input_names``)."""
    return "attention_mask" in getattr(tokenizer, "model_input_names", ("attention_mask",))


def clip_tokens(tokenizer: Any, texts: list[str], max_length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids and attention masks ``(n, max_length)`` of ``texts``, padded to ``max_length``; the
    mask is all ones for a text tower that reads none (:func:`text_mask`: SigLIP)."""
    enc = tokenizer(
        texts,
        truncation=True,
        max_length=max_length,
        padding="max_length",
        return_attention_mask=True,
        return_tensors="pt",
    )
    ids, mask = enc["input_ids"], enc["attention_mask"]
    return ids, mask if text_mask(tokenizer) else torch.ones_like(mask)


def _pooled(out: Any) -> torch.Tensor:
    """The embedding of a ``get_*_features`` result (tensor in transformers 4.x, output object in 5.x)."""
    return out if isinstance(out, torch.Tensor) else out.pooler_output


def text_features(model: Any, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """The projected text embeddings ``(n, embed_dim)``."""
    return _pooled(model.get_text_features(input_ids=input_ids, attention_mask=attention_mask))


def image_features(model: Any, pixel_values: torch.Tensor) -> torch.Tensor:
    """The projected image embeddings ``(n, embed_dim)`` of normalised pixels."""
    return _pooled(model.get_image_features(pixel_values=pixel_values))


def load_clip(ref: str, *, who: str) -> LoadedClip:
    """The CLIP-like model of reference ``ref`` (:func:`~polimodal.resolve.resolve_model_ref`), by
    its saved config; ``ModelLoadError`` naming ``who`` (the model kind) and ``ref`` when it cannot be
    loaded or has no text and image embeddings."""
    from transformers import AutoModel, AutoTokenizer

    path = resolve_model_ref(ref)
    try:
        clip = AutoModel.from_pretrained(path)
        tokenizer = AutoTokenizer.from_pretrained(path)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(f"{who}: cannot load CLIP {ref!r} ({path}): {exc}") from exc
    if not all(hasattr(clip, f) for f in ("get_text_features", "get_image_features")):
        raise ModelLoadError(
            f"{who}: {ref!r} ({path}) is a {type(clip).__name__}, not a CLIP-like dual encoder "
            "(no get_text_features / get_image_features)"
        )
    mean, std = CLIP_MEAN, CLIP_STD
    try:
        from transformers import AutoImageProcessor

        proc = AutoImageProcessor.from_pretrained(path)
        mean, std = tuple(proc.image_mean), tuple(proc.image_std)
    except (OSError, ValueError, AttributeError, TypeError):
        log.info("%s: no image processor in %s: using CLIP's mean/std", who, path)
    return LoadedClip(clip, tokenizer, str(path), mean, std)
