"""Loading a CLIP (transformers ``CLIPModel``): the network, its tokenizer and its image statistics.

Used by the CLIP classifier (:mod:`polimodal.models.torch.clip`, fine-tuned) and by FND-CLIP's
guide (:mod:`polimodal.models.torch.fndclip`, frozen). The mean/std that normalise its input
images come from the model's image processor, or are CLIP's own when the folder holds none.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from polimodal.errors import ModelLoadError
from polimodal.nn.images import CLIP_MEAN, CLIP_STD
from polimodal.resolve import resolve_model_ref

log = logging.getLogger(__name__)


@dataclass
class LoadedClip:
    """A loaded CLIP and what feeding it needs."""

    model: Any  # transformers.CLIPModel
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
        """The text tower's context length in tokens."""
        return int(self.model.config.text_config.max_position_embeddings)


def load_clip(ref: str, *, who: str) -> LoadedClip:
    """The CLIP of model reference ``ref`` (:func:`~polimodal.resolve.resolve_model_ref`);
    ``ModelLoadError`` naming ``who`` (the model kind) and ``ref`` when it cannot be loaded."""
    from transformers import AutoTokenizer, CLIPModel

    path = resolve_model_ref(ref)
    try:
        clip = CLIPModel.from_pretrained(path)
        tokenizer = AutoTokenizer.from_pretrained(path)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"{who}: cannot load CLIP {ref!r} ({path}): {exc}") from exc
    mean, std = CLIP_MEAN, CLIP_STD
    try:
        from transformers import AutoImageProcessor

        proc = AutoImageProcessor.from_pretrained(path)
        mean, std = tuple(proc.image_mean), tuple(proc.image_std)
    except (OSError, ValueError, AttributeError, TypeError):
        log.info("%s: no image processor in %s: using CLIP's mean/std", who, path)
    return LoadedClip(clip, tokenizer, str(path), mean, std)
