"""The training keys every trained model kind shares: the torch classifiers
(:mod:`polimodal.models.torch.params`) and the generative models (:mod:`polimodal.models.hf.params`)
extend :class:`TrainingParams`, which holds each key, its check and its error message once.

Imports nothing heavy (no torch): the workflow checks every model's parameters at start-up
(:func:`polimodal.models.registry.check_model_config`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from polimodal.data.texts import DEFAULT_TEXT_FIELDS
from polimodal.errors import ConfigError
from polimodal.options import device_field

#: Training runs at most this many epochs; the best epoch on validation macro F1 is kept.
MAX_EPOCHS = 10

#: A named rule of a parameter dataclass: (holds, the message when it does not).
Rule = tuple[bool, str]


@dataclass(frozen=True)
class TrainingParams:
    """Training hyper-parameters of every trained model (config keys of the same name).

    The defaults are the torch classifiers'; a kind overrides its own. :meth:`rules` names each
    rule so that a kind can replace one (the generative kinds want ``eval_batch_size >= 1``).

    ``NOT_OUTPUT`` (:func:`polimodal.options.output_settings`): the keys that change how a job
    runs, not what it predicts; the train and classify rules leave them out of their params, so
    changing them retrains nothing.
    """

    NOT_OUTPUT: ClassVar[frozenset[str]] = frozenset({"device", "eval_batch_size", "log_every"})

    epochs: int = 3  # at most MAX_EPOCHS; the best epoch on validation macro F1 is kept
    batch_size: int = 16  # samples per forward pass (videos for BERT, frames for CNN/CLIP)
    eval_batch_size: int = 0  # 0: 2 × batch_size
    grad_accum: int = 1  # forward passes per optimiser step (effective batch = batch_size × grad_accum)
    lr: float = 2e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1  # fraction of all optimiser steps with a linear warm-up
    patience: int = 2  # stop after this many epochs without a better validation macro F1
    max_grad_norm: float = 1.0  # 0: no clipping
    device: str = device_field()  # auto | cpu | cuda | cuda:N
    log_every: int = 20  # log progress every this many optimiser steps

    def rules(self) -> dict[str, Rule]:
        """The rules on the keys, by name, in the order they are checked (a subclass adds or replaces)."""
        return {
            "epochs": (1 <= self.epochs <= MAX_EPOCHS, f"epochs must be 1..{MAX_EPOCHS}"),
            "batch_size": (
                self.batch_size >= 1 and self.grad_accum >= 1,
                "batch_size and grad_accum must be >= 1",
            ),
            "eval_batch_size": (self.eval_batch_size >= 0, "eval_batch_size must be >= 0"),
            "lr": (self.lr > 0, "lr must be > 0"),
            "warmup_ratio": (0 <= self.warmup_ratio < 1, "warmup_ratio must be in [0, 1)"),
            "patience": (self.patience >= 1, "patience must be >= 1"),
            "log_every": (self.log_every >= 1, "log_every must be >= 1"),
        }

    def broken_rule(self) -> str | None:
        """The message of the first rule that does not hold (None: all hold)."""
        return next((msg for ok, msg in self.rules().values() if not ok), None)

    def check(self, where: str) -> None:
        msg = self.broken_rule()
        if msg is not None:
            raise ConfigError(f"{where}: {msg}")


@dataclass(frozen=True)
class TextParams:
    """The key of every kind that reads the video's text: which of its texts it reads, joined in
    this order (videos: ``title``, ``description``, ``transcript``; posts: ``transcript`` or
    columns of ``posts.text_columns``; the names are checked against the corpus at start-up,
    :func:`polimodal.models.registry.check_model_config`)."""

    text_fields: tuple[str, ...] = DEFAULT_TEXT_FIELDS

    def __post_init__(self) -> None:
        object.__setattr__(self, "text_fields", tuple(self.text_fields))  # a YAML list, as the default
