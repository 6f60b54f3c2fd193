"""Reusing a finished training: ``fit`` on a model folder that already holds a finished training of
the same model — same kind, classes, parameters and seed, its :meth:`ReusableModel.fingerprint` —
loads it instead of training again (a rerun job costs no training).

The torch classifiers (:class:`polimodal.models.torch.base.TorchModel`: ``checkpoint.pt``) and the
LoRA-tuned generative models (:class:`polimodal.models.hf.generative.GenerativeModel`:
``adapter/``) share it; each says where its folder records the fingerprint of a finished training
(:meth:`ReusableModel.finished_fingerprint`). Both write the training summary last
(:data:`SUMMARY`), so a folder whose training stopped half-way is trained again.
"""

from __future__ import annotations

import json
import logging
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from polimodal.models.base import Model, Params

log = logging.getLogger(__name__)

#: The summary of a finished training, in the model folder (run_fold writes its own summary.json beside it).
SUMMARY = "train_summary.json"


class ReusableModel(Model):
    """A model whose ``fit`` trains into its folder and reuses a finished training of itself there.

    Subclasses call :meth:`reuse` first in ``fit`` (returning its summary when it is not None),
    write :data:`SUMMARY` with :meth:`save_summary` when training has finished, restore
    :attr:`summary` in ``load`` with :meth:`read_summary`, and say in
    :meth:`finished_fingerprint` which fingerprint their folder holds.
    """

    def __init__(self, classes: Sequence[str], params: Params = None, seed: int = 0) -> None:
        super().__init__(classes, params, seed)
        #: the summary of the training (``fit``), or of the training ``load`` restored
        self.summary: dict[str, Any] = {}

    def fingerprint(self) -> dict[str, Any]:
        """What identifies a trained model (JSON-normalised: plain types only)."""
        raw = {"kind": self.kind, "classes": self.classes, "params": self.params, "seed": self.seed}
        return json.loads(json.dumps(raw, default=str, sort_keys=True))

    @abstractmethod
    def finished_fingerprint(self, workdir: Path) -> Mapping[str, Any] | None:
        """The fingerprint of the finished training ``workdir`` holds (None: no finished training)."""

    def reuse(self, workdir: Path) -> dict[str, Any] | None:
        """Load ``workdir``'s finished training when it is this model's and return its summary
        (with ``reused_checkpoint: true``); None when there is none to reuse (then ``fit`` trains)."""
        workdir = Path(workdir)
        if self.finished_fingerprint(workdir) != self.fingerprint():
            return None
        log.info("%s: %s already holds a trained checkpoint of this model: loading it", self.kind, workdir)
        self.load(workdir)
        return {**self.summary, "reused_checkpoint": True}

    def save_summary(self, workdir: Path) -> None:
        """Write :attr:`summary` to ``workdir``/:data:`SUMMARY` (the last step of a training)."""
        (Path(workdir) / SUMMARY).write_text(json.dumps(self.summary, indent=2, default=str))

    @staticmethod
    def read_summary(workdir: Path) -> dict[str, Any] | None:
        """The summary :meth:`save_summary` wrote into ``workdir`` (None: none there)."""
        path = Path(workdir) / SUMMARY
        return json.loads(path.read_text()) if path.exists() else None
