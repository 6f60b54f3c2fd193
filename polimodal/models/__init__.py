"""Classifiers behind one interface (:mod:`polimodal.models.base`).

``KINDS`` lists every model kind with its module and modality, so the workflow can tell which
inputs a model needs (frames or not) and colour plots by modality without importing torch.
Importing this package imports no model module; :func:`get_model_class` does, on demand.
"""

from __future__ import annotations

from dataclasses import dataclass

from polimodal.models.base import MODALITIES, REGISTRY, Model, get_model_class, register


@dataclass(frozen=True)
class KindInfo:
    module: str
    modality: str  # text | image | multimodal
    gpu: bool = False  # the train job asks the scheduler for a GPU


#: kind → where it lives and what it reads. Add a line when you add a model.
KINDS: dict[str, KindInfo] = {
    "svm": KindInfo("polimodal.models.svm", "text"),
    "bert": KindInfo("polimodal.models.bert", "text", gpu=True),
    "cnn": KindInfo("polimodal.models.cnn", "image", gpu=True),
    "clip": KindInfo("polimodal.models.clip", "multimodal", gpu=True),
}


def modality_of(kind: str) -> str:
    """The modality of a model kind, without importing it when it is listed in KINDS."""
    if kind in KINDS:
        return KINDS[kind].modality
    return get_model_class(kind).modality


__all__ = [
    "KINDS",
    "MODALITIES",
    "REGISTRY",
    "KindInfo",
    "Model",
    "get_model_class",
    "modality_of",
    "register",
]
