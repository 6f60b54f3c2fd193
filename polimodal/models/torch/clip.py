"""CLIP (text + frame): CLIP's two encoders fused per frame, fine-tuned; frames → video scores.

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
``openai/clip-vit-base-patch32``; any CLIP-like dual encoder loaded by its config, see
:func:`polimodal.nn.clip.load_clip`: for multilingual corpora ``BAAI/AltCLIP-m18`` or
``google/siglip-base-patch16-256-multilingual``; offline, a directory from
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
from polimodal.models.base import Params
from polimodal.models.torch.frames import FrameTorchModel
from polimodal.models.torch.loop import Inputs
from polimodal.models.torch.tokens import TokenCache
from polimodal.nn.clip import clip_tokens, embed_dim, image_features, load_clip, text_features
from polimodal.nn.heads import classification_head, concat_normalised
from polimodal.nn.images import BICUBIC, PixelNormalize, decode_frames

log = logging.getLogger(__name__)


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
        frozen: bool = False,
    ) -> None:
        super().__init__()
        self.clip = clip
        self.frozen = frozen
        dim = 2 * embed_dim(clip)
        self.head = classification_head(head, dim, n_classes, hidden=hidden, dropout=dropout)
        self.normalize = PixelNormalize(mean, std)

    def train(self, mode: bool = True) -> ClipClassifier:
        """A frozen CLIP stays in eval mode while the head trains (its dropout off), as FND-CLIP's
        frozen encoders do."""
        super().train(mode)
        if self.frozen:
            self.clip.eval()
        return self

    def embed(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, pixels: torch.Tensor
    ) -> torch.Tensor:
        """The fused ``(n, 2 × embedding width)`` vector ``√d · [t ; v]`` of text/frame pairs."""
        t = text_features(self.clip, input_ids, attention_mask)
        v = image_features(self.clip, self.normalize(pixels))
        return concat_normalised(t, v)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, pixels: torch.Tensor
    ) -> torch.Tensor:
        return self.head(self.embed(input_ids, attention_mask, pixels))


class ClipModel(FrameTorchModel):
    """Fine-tuned CLIP, text + frame fused by concatenation, per frame; videos by their frames'
    mean class probabilities (or frame votes: ``video_score``)."""

    kind = "clip"

    def __init__(self, classes: list[str], params: Params = None, seed: int = 0) -> None:
        super().__init__(classes, params, seed)
        p = self.options
        self.max_length = int(p.max_length or 77)
        self.tokenizer: Any = None
        self.image_size = 224
        self.interpolation = BICUBIC
        self._tokens: TokenCache[tuple[torch.Tensor, torch.Tensor]] = TokenCache()

    def build(self) -> nn.Module:
        loaded = load_clip(self.options.model, who="clip")
        clip, self.tokenizer = loaded.model, loaded.tokenizer
        self.max_length = min(self.max_length, loaded.text_positions)
        self.image_size = int(self.options.image_size or loaded.image_size)
        mean, std = loaded.mean, loaded.std
        if self.options.freeze_encoders:
            clip.requires_grad_(False)
        net = ClipClassifier(
            clip,
            len(self.classes),
            head=self.options.head,
            hidden=(self.options.head_hidden or 512),
            dropout=self.options.dropout,
            mean=mean,
            std=std,
            frozen=self.options.freeze_encoders,
        )
        self._tokens.clear()
        log.info(
            "clip: %s (%s), embeddings %d, image %d px, text %d tokens, head %s, %.1f M parameters%s",
            self.options.model,
            type(clip).__name__,
            loaded.embed_dim,
            self.image_size,
            self.max_length,
            self.options.head,
            sum(p.numel() for p in net.parameters()) / 1e6,
            " (encoders frozen)" if self.options.freeze_encoders else "",
        )
        return net

    def _encode(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids and attention masks of ``texts`` (once per split: :attr:`_tokens`)."""
        return clip_tokens(self.tokenizer, texts, self.max_length)

    def collate(self, data: VideoData, video_index: list[int], jpegs: list[bytes]) -> Inputs:
        ids, mask = self._tokens.get(data.texts, self._encode)
        idx = torch.as_tensor(video_index)
        return {
            "input_ids": ids[idx],
            "attention_mask": mask[idx],
            "pixels": decode_frames(jpegs, self.image_size, self.interpolation),
        }

    def forward(self, module: nn.Module, inputs: Inputs) -> torch.Tensor:
        return module(inputs["input_ids"], inputs["attention_mask"], inputs["pixels"])
