"""The package's one image pipeline (:mod:`polimodal.nn.images`): decode, resize, crop, normalise."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from polimodal.nn.images import (
    BICUBIC,
    CLIP_MEAN,
    CLIP_STD,
    IMAGENET_MEAN,
    IMAGENET_STD,
    INPUT_SIZE,
    PixelNormalize,
    decode_frames,
)
from polimodal.synthetic.xor import solid_jpeg


def jpeg(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array.astype(np.uint8)).save(buf, format="JPEG", quality=95)
    return buf.getvalue()


def test_decode_shape_and_dtype() -> None:
    x = decode_frames([solid_jpeg((200, 30, 30), size=80)], 64)
    assert x.shape == (1, 3, 64, 64) and x.dtype == torch.uint8
    assert decode_frames([]).shape == (0, 3, INPUT_SIZE, INPUT_SIZE)
    assert decode_frames([solid_jpeg((0, 0, 0))], 32, BICUBIC).shape == (1, 3, 32, 32)


def test_shorter_side_resized_then_centre_cropped() -> None:
    """A 16:9 frame keeps its middle at full height: the outer quarters (left/right) are cut."""
    frame = np.zeros((90, 160, 3))
    frame[:, :30] = (255, 0, 0)  # left edge red
    frame[:, 130:] = (0, 0, 255)  # right edge blue
    frame[:, 30:130] = (0, 255, 0)  # middle green
    x = decode_frames([jpeg(frame)], 45)[0].float()
    assert x.shape == (3, 45, 45)
    # the crop spans columns 40..120 of the original: all green
    assert x[1].mean() > 200 and x[0].mean() < 30 and x[2].mean() < 30
    # the colours are RGB, not BGR
    red = decode_frames([solid_jpeg((220, 20, 20), noise=0)], 16)[0].float().mean(dim=(1, 2))
    assert red[0] > 180 and red[2] < 60


def test_not_a_jpeg_names_its_position() -> None:
    with pytest.raises(ValueError, match="image 1 of the batch"):
        decode_frames([solid_jpeg((1, 2, 3)), b"\xff\xd8garbage"])


def test_pixel_normalize() -> None:
    pixels = torch.tensor([0, 255], dtype=torch.uint8).repeat_interleave(3).view(2, 3, 1, 1)
    out = PixelNormalize(IMAGENET_MEAN, IMAGENET_STD)(pixels)
    mean, std = torch.tensor(IMAGENET_MEAN).view(3, 1, 1), torch.tensor(IMAGENET_STD).view(3, 1, 1)
    torch.testing.assert_close(out[0], -mean / std)
    torch.testing.assert_close(out[1], (1 - mean) / std)
    assert out.dtype == torch.float32
    # statistics are buffers that follow .to() but are not saved in a state dict
    assert PixelNormalize(CLIP_MEAN, CLIP_STD).state_dict() == {}
