"""Reusing a finished training (:mod:`polimodal.models.reuse`), on a toy model that "trains" by
writing its fingerprint; the torch and LoRA models' own reuse is tested beside them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from polimodal.models.reuse import SUMMARY, ReusableModel


@dataclass(frozen=True)
class ToyParams:
    size: int = 1
    extra: Any = None


class ToyReusable(ReusableModel):
    kind = "test_toy_reusable"

    def finished_fingerprint(self, workdir: Path):
        path = workdir / "fingerprint.json"
        if not path.exists() or self.read_summary(workdir) is None:
            return None
        return json.loads(path.read_text())

    def fit(self, train, validation, workdir: Path):
        reused = self.reuse(workdir)
        if reused is not None:
            return reused
        self.trained = True
        (workdir / "fingerprint.json").write_text(json.dumps(self.fingerprint()))
        self.summary = {"size": self.options.size}
        self.save_summary(workdir)
        return self.summary

    def load(self, workdir: Path) -> None:
        self.summary = self.read_summary(workdir) or {}

    def predict(self, data):
        return [], np.zeros((0, 2))


@pytest.fixture
def toy_kind(add_model_kind):
    return add_model_kind("test_toy_reusable", f"{__name__}:ToyReusable", ("text",), ToyParams)


def test_the_same_model_reuses_another_retrains(toy_kind, tmp_path: Path) -> None:
    first = ToyReusable(["a", "b"], {"size": 2}, seed=1)
    assert first.fit(None, None, tmp_path) == {"size": 2} and first.trained
    again = ToyReusable(["a", "b"], {"size": 2}, seed=1)
    assert again.fit(None, None, tmp_path) == {"size": 2, "reused_checkpoint": True}
    assert not hasattr(again, "trained") and again.summary == {"size": 2}
    for other in (
        ToyReusable(["a", "b"], {"size": 3}, seed=1),  # another parameter
        ToyReusable(["a", "b"], {"size": 2}, seed=2),  # another seed
        ToyReusable(["b", "a"], {"size": 2}, seed=1),  # another class order
    ):
        assert "reused_checkpoint" not in other.fit(None, None, tmp_path) and other.trained


def test_a_training_that_did_not_finish_is_not_reused(toy_kind, tmp_path: Path) -> None:
    ToyReusable(["a", "b"], {"size": 2}).fit(None, None, tmp_path)
    (tmp_path / SUMMARY).unlink()  # the summary is written last
    assert ToyReusable(["a", "b"], {"size": 2}).fit(None, None, tmp_path) == {"size": 2}


def test_the_fingerprint_is_plain_json(toy_kind) -> None:
    model = ToyReusable(["a", "b"], {"size": 2, "extra": (Path("x"), 1.0)}, seed=3)
    assert model.fingerprint() == {
        "classes": ["a", "b"],
        "kind": "test_toy_reusable",
        "params": {"extra": ["x", 1.0], "size": 2},
        "seed": 3,
    }


def test_a_default_written_out_keeps_the_fingerprint(toy_kind) -> None:
    """The fingerprint is read from the parsed dataclass: a written default is no new model."""
    plain = ToyReusable(["a", "b"], {}, seed=1).fingerprint()
    assert ToyReusable(["a", "b"], {"size": 1, "extra": None}, seed=1).fingerprint() == plain
    assert ToyReusable(["a", "b"], ToyParams(), seed=1).fingerprint() == plain
    assert ToyReusable(["a", "b"], {"size": 2}, seed=1).fingerprint() != plain
