"""CLIP (text + frame): CLIP's two encoders fused per frame, fine-tuned; frame votes → video label.

One sample = one kept frame paired with its video's text (the first ``max_length`` = 77 tokens
of the transcript, CLIP's context length). Fusion (**late fusion by concatenation**, the
default)::

    t = normalise(CLIP.get_text_features(text))      # projected text embedding, L2-normalised
    v = normalise(CLIP.get_image_features(frame))    # projected image embedding, L2-normalised
    logits = head(√d · [t ; v])                      # concatenation, 2 × projection_dim (d)

(The constant √d gives the head inputs of unit scale instead of ~1/√d per coordinate; it
speeds up learning and changes nothing else.)

``head: mlp`` (default): Linear(2d → ``head_hidden``) → GELU → Dropout → Linear(→ k).
``head: linear``: Dropout → Linear(2d → k). A linear head on a concatenation
is *additive* in the two modalities (``w·t + u·v``), so it cannot represent an interaction
such as "topic X **and** colour Y but not both" (XOR); the one-hidden-layer MLP can, which
``tests/test_models_torch_fusion.py`` shows on a synthetic task where only the combination carries the
label. Both encoders and the head are fine-tuned (``freeze_encoders: true`` trains the head
only). The head may learn faster than the encoders: ``head_lr`` (default 1e-3) sets its rate.

Frames: resized (shorter side, bicubic) to the vision tower's ``image_size`` and centre-cropped,
normalised with the mean/std of the model's image processor (CLIP's when it has none).
Training, streaming, frame→video aggregation: :class:`~polimodal.models.torch.frames.FrameTorchModel`.

Config (``kind: clip``, :class:`~polimodal.models.torch.params.ClipParams`): ``model`` (default
``openai/clip-vit-base-patch32``; offline, a directory from
:func:`polimodal.synthetic.tinymodels.save_tiny_clip`: an *untrained* stand-in),
``max_length`` (77), ``head``, ``head_hidden`` (512), ``dropout`` (0.1), ``freeze_encoders``,
the frame keys and the training keys (``lr`` default 1e-5, ``batch_size`` 32, ...).
Works with transformers 4.x (``get_*_features`` return tensors) and 5.x (they return a
``BaseModelOutputWithPooling`` whose ``pooler_output`` is the projected embedding).
"""

from __future__ import annotations

import logging
from typing import Any

import torch
from torch import nn

from polimodal.data.videodata import VideoData
from polimodal.errors import ModelLoadError
from polimodal.models.torch.frames import FrameTorchModel
from polimodal.models.torch.loop import Inputs
from polimodal.nn.heads import classification_head, concat_normalised
from polimodal.nn.images import BICUBIC, CLIP_MEAN, CLIP_STD, PixelNormalize, decode_frames
from polimodal.resolve import resolve_model_ref

log = logging.getLogger(__name__)


def _pooled(out: Any) -> torch.Tensor:
    """The embedding of a ``get_*_features`` result (tensor in transformers 4.x, output object in 5.x)."""
    return out if isinstance(out, torch.Tensor) else out.pooler_output


class ClipClassifier(nn.Module):
    """CLIP text + image embeddings, L2-normalised, concatenated, classification head."""

    def __init__(
        self,
        clip: nn.Module,
        n_classes: int,
        *,
        head: str,
        hidden: int,
        dropout: float,
        mean: tuple[float, ...],
        std: tuple[float, ...],
    ) -> None:
        super().__init__()
        self.clip = clip
        dim = 2 * int(clip.config.projection_dim)
        self.head = classification_head(head, dim, n_classes, hidden=hidden, dropout=dropout)
        self.normalize = PixelNormalize(mean, std)

    def embed(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, pixels: torch.Tensor
    ) -> torch.Tensor:
        """The fused ``(n, 2 × projection_dim)`` vector ``√d · [t ; v]`` of text/frame pairs."""
        t = _pooled(self.clip.get_text_features(input_ids=input_ids, attention_mask=attention_mask))
        v = _pooled(self.clip.get_image_features(pixel_values=self.normalize(pixels)))
        return concat_normalised(t, v)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, pixels: torch.Tensor
    ) -> torch.Tensor:
        return self.head(self.embed(input_ids, attention_mask, pixels))


class ClipModel(FrameTorchModel):
    """Fine-tuned CLIP, text + frame fused by concatenation, per frame; videos by frame vote."""

    kind = "clip"

    def __init__(self, classes: list[str], params: dict[str, Any] | None = None, seed: int = 0) -> None:
        super().__init__(classes, params, seed)
        p = self.options
        self.model_ref = str(p.model)
        self.max_length = int(p.max_length or 77)
        self.head = str(p.head)
        self.head_hidden = int(p.head_hidden or 512)
        self.dropout = float(p.dropout)
        self.freeze = bool(p.freeze_encoders)
        self.tokenizer: Any = None
        self.image_size = 224
        self.interpolation = BICUBIC
        self._texts: dict[int, tuple[VideoData, torch.Tensor, torch.Tensor]] = {}

    def build(self) -> nn.Module:
        from transformers import AutoTokenizer, CLIPModel

        path = resolve_model_ref(self.model_ref)
        try:
            clip = CLIPModel.from_pretrained(path)
            self.tokenizer = AutoTokenizer.from_pretrained(path)
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"clip: cannot load {self.model_ref!r} ({path}): {exc}") from exc
        limit = int(clip.config.text_config.max_position_embeddings)
        self.max_length = min(self.max_length, limit)
        self.image_size = int(self.options.image_size or clip.config.vision_config.image_size)
        mean, std = CLIP_MEAN, CLIP_STD
        try:
            from transformers import AutoImageProcessor

            proc = AutoImageProcessor.from_pretrained(path)
            mean, std = tuple(proc.image_mean), tuple(proc.image_std)
        except (OSError, ValueError, AttributeError, TypeError):
            log.info("clip: no image processor in %s: using CLIP's mean/std", path)
        if self.freeze:
            clip.requires_grad_(False)
        net = ClipClassifier(
            clip,
            len(self.classes),
            head=self.head,
            hidden=self.head_hidden,
            dropout=self.dropout,
            mean=mean,
            std=std,
        )
        self._texts.clear()
        log.info(
            "clip: %s, projection %d, image %d px, text %d tokens, head %s, %.1f M parameters%s",
            self.model_ref,
            clip.config.projection_dim,
            self.image_size,
            self.max_length,
            self.head,
            sum(p.numel() for p in net.parameters()) / 1e6,
            " (encoders frozen)" if self.freeze else "",
        )
        return net

    def _encoded_texts(self, data: VideoData) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids and attention masks of every text of ``data`` (computed once per split)."""
        hit = self._texts.get(id(data))
        if hit is None or hit[0] is not data:
            enc = self.tokenizer(
                list(data.texts),
                truncation=True,
                max_length=self.max_length,
                padding="max_length",
                return_tensors="pt",
            )
            if len(self._texts) >= 4:
                self._texts.pop(next(iter(self._texts)))
            hit = (data, enc["input_ids"], enc["attention_mask"])
            self._texts[id(data)] = hit
        return hit[1], hit[2]

    def collate(self, data: VideoData, video_index: list[int], jpegs: list[bytes]) -> Inputs:
        ids, mask = self._encoded_texts(data)
        idx = torch.as_tensor(video_index)
        return {
            "input_ids": ids[idx],
            "attention_mask": mask[idx],
            "pixels": decode_frames(jpegs, self.image_size, self.interpolation),
        }

    def forward(self, module: nn.Module, inputs: Inputs) -> torch.Tensor:
        return module(inputs["input_ids"], inputs["attention_mask"], inputs["pixels"])
