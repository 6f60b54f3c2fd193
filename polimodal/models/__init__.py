"""Classifiers behind one interface (:mod:`polimodal.models.base`) and one registry.

:mod:`polimodal.models.registry` declares every model kind once (class, parameters, inputs,
GPU), :mod:`polimodal.models.build` builds one; ``classic/`` holds the scikit-learn models,
``torch/`` the fine-tuned torch classifiers, ``hf/`` the generative (Trainer/peft) models.
Importing this package imports no model code.
"""

from __future__ import annotations

from polimodal.models.build import build_model, model_class
from polimodal.models.registry import KINDS, ModelKind, check_model_config, get_kind

__all__ = ["KINDS", "ModelKind", "build_model", "check_model_config", "get_kind", "model_class"]
