"""Building a model from its config section, the task's classes and prompt
(:func:`polimodal.models.build.build_model`): what the fold runner and corpus classification do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from polimodal.errors import ConfigError
from polimodal.models.base import Model
from polimodal.models.build import build_model
from polimodal.models.params import TextParams
from polimodal.models.registry import KINDS, ModelKind

PROMPT = {"question": "Political?", "answers": {"a": "YES", "b": "NO"}}


@dataclass(frozen=True)
class PromptParams(TextParams):
    prompt: dict[str, Any] | None = None
    alpha: float = 1.0


class Prompted(Model):
    kind = "test_prompted"

    def fit(self, train, validation, workdir):
        return {}

    def predict(self, data):
        raise NotImplementedError


class Plain(Prompted):
    kind = "test_plain"


@pytest.fixture
def kinds(monkeypatch):
    monkeypatch.setitem(
        KINDS,
        "test_prompted",
        ModelKind("test_prompted", f"{__name__}:Prompted", PromptParams, ("text",), family="llm"),
    )
    monkeypatch.setitem(
        KINDS, "test_plain", ModelKind("test_plain", f"{__name__}:Plain", PromptParams, ("text",))
    )


def test_a_generative_model_gets_the_task_prompt_unless_its_section_sets_one(kinds):
    model = build_model("m", {"kind": "test_prompted", "alpha": 2.0, "text_fields": ["title"]}, ["a", "b"],
                        seed=7, prompt=PROMPT)  # fmt: skip
    assert isinstance(model, Prompted) and model.classes == ["a", "b"] and model.seed == 7
    assert model.options == PromptParams(prompt=PROMPT, alpha=2.0, text_fields=("title",))
    own = {"question": "Mine?", "answers": {"a": "Y", "b": "N"}}
    assert (
        build_model("m", {"kind": "test_prompted", "prompt": own}, ["a", "b"], prompt=PROMPT).options.prompt
        == own
    )
    assert build_model("m", {"kind": "test_plain"}, ["a", "b"], prompt=PROMPT).options.prompt is None


def test_the_section_is_checked_first(kinds):
    with pytest.raises(
        ConfigError, match=r"models\.m \(kind test_plain\): unknown parameter\(s\) \['beta'\]"
    ):
        build_model("m", {"kind": "test_plain", "beta": 1}, ["a", "b"])
    with pytest.raises(ConfigError, match=r"models\.m: unknown model kind 'nope'"):
        build_model("m", {"kind": "nope"}, ["a", "b"])


def test_the_section_is_parsed_once_and_its_dataclass_handed_to_the_model(kinds, monkeypatch) -> None:
    """build_model reads the section into the kind's dataclass once; the model keeps that object."""
    parsed: list[Any] = []
    parse = ModelKind.parse_params

    def counted(self: ModelKind, params: Any, where: str) -> Any:
        parsed.append(parse(self, params, where))
        return parsed[-1]

    monkeypatch.setattr(ModelKind, "parse_params", counted)
    model = build_model("m", {"kind": "test_prompted", "alpha": 2.0}, ["a", "b"], prompt=PROMPT)
    assert len(parsed) == 1 and model.options is parsed[0]
    assert model.options == PromptParams(prompt=PROMPT, alpha=2.0)
    # a model built from the dataclass keeps it as it is; from a mapping, reads it into one
    options = PromptParams(alpha=3.0)
    assert Plain(["a", "b"], options).options is options
    assert Plain(["a", "b"], {"alpha": 3.0}).options == options


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_keeps_its_options_under_one_name(kind: str) -> None:
    """The parsed dataclass is the model's ``options``, as it is: no second attribute aliases it."""
    model = build_model("m", {"kind": kind}, ["a", "b"], prompt=PROMPT)
    assert isinstance(model.options, KINDS[kind].params)
    aliases = sorted(name for name, value in vars(model).items() if value is model.options)
    assert aliases == ["options"], f"model kind {kind}: {aliases}"
