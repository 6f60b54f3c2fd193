"""Classifiers behind one interface (:mod:`polimodal.models.base`) and one registry.

:mod:`polimodal.models.registry` declares every model kind once (class, parameters, inputs,
GPU); ``classic/`` holds the scikit-learn models, ``torch/`` the fine-tuned torch classifiers,
``hf/`` the generative (Trainer/peft) models. Importing this package imports no model code.
"""

from __future__ import annotations

from polimodal.models.registry import KINDS, ModelKind, check_model_config, get_kind, model_class

__all__ = ["KINDS", "ModelKind", "check_model_config", "get_kind", "model_class"]
