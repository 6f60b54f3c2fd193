"""Image preprocessing, once for the package: JPEG → RGB → resize shorter side → centre crop → normalise.

:func:`decode_frames` turns JPEG bytes into a ``(n, 3, size, size)`` uint8 batch (cheap to
move to a GPU); :class:`PixelNormalize` (the first layer of every image network here) scales
it to [0, 1] and normalises with the weights' mean/std on the device. For 16:9 video frames
the centre crop keeps the middle 56 % of the width at full height, the usual ImageNet
evaluation framing, without the aspect distortion of a direct resize.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torchvision.io import ImageReadMode, decode_image
from torchvision.transforms.v2 import InterpolationMode
from torchvision.transforms.v2 import functional as TF

#: ImageNet statistics (torchvision's classification weights).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: CLIP's image statistics (used when a CLIP folder has no image processor config).
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
#: Side of the square input of the ImageNet networks.
INPUT_SIZE = 224

BILINEAR = InterpolationMode.BILINEAR
BICUBIC = InterpolationMode.BICUBIC


def decode_frames(
    jpegs: Sequence[bytes], size: int = INPUT_SIZE, interpolation: InterpolationMode = BILINEAR
) -> torch.Tensor:
    """Decode JPEGs (or WebP frames: ``frames.image_format``) to RGB, resize the shorter side to
    ``size`` (antialiased), centre-crop.

    Returns ``(n, 3, size, size)`` uint8. A byte string that is not a decodable image is a
    ValueError naming its position in the batch.
    """
    out = torch.empty((len(jpegs), 3, size, size), dtype=torch.uint8)
    for i, jpeg in enumerate(jpegs):
        try:
            img = decode_image(torch.frombuffer(bytearray(jpeg), dtype=torch.uint8), mode=ImageReadMode.RGB)
        except RuntimeError as exc:
            raise ValueError(f"image {i} of the batch is not a decodable JPEG or WebP: {exc}") from exc
        img = TF.resize(img, [size], interpolation=interpolation, antialias=True)
        out[i] = TF.center_crop(img, [size, size])
    return out


class PixelNormalize(nn.Module):
    """uint8 ``(n, 3, h, w)`` → float, scaled to [0, 1], normalised with ``mean``/``std``."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(tuple(mean)).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(tuple(std)).view(1, 3, 1, 1), persistent=False)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return (pixels.float() / 255.0 - self.mean) / self.std
