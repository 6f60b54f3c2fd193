"""Prompts of the generative models (:mod:`polimodal.models.hf.prompts`): config checks and the
study's message shape."""

from __future__ import annotations

import pytest

from polimodal.errors import ConfigError
from polimodal.models.hf.prompts import TaskPrompt, messages, task_prompt

CFG = {
    "values": ["0", "1"],
    "prompt": {"question": "US politics? Answer YES or NO.", "answers": {"1": "YES", 0: "NO"}},
}


def test_answers_follow_the_class_order() -> None:
    p = task_prompt("us_politics", CFG)
    assert p == TaskPrompt("US politics? Answer YES or NO.", ("NO", "YES"))


def test_missing_prompt_names_task_and_model() -> None:
    with pytest.raises(ConfigError, match=r"task 't' has no prompt, which generative model 'llama3'"):
        task_prompt("t", {"values": ["a", "b"]}, "llama3")


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"question": "", "answers": {"0": "N", "1": "Y"}}, "question: must be a non-empty string"),
        ({"question": "q", "answers": {"0": "Y", "1": "Y"}}, "must be distinct"),
        ({"question": "q", "answers": {"0": "N", "1": "Y", "2": "M"}}, r"not task values \['2'\]"),
        ({"question": "q"}, "keys question and answers"),
    ],
)
def test_bad_prompt_sections(section: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        task_prompt("t", {"values": ["0", "1"], "prompt": section})


def test_message_shape_of_the_study() -> None:
    vlm = messages("transcript", "Question?", "YES", n_images=3, structured=True)
    assert [m["role"] for m in vlm] == ["user", "assistant"]
    assert [part["type"] for part in vlm[0]["content"]] == ["image", "image", "image", "text", "text"]
    assert vlm[0]["content"][-1]["text"] == "Question?"
    assert vlm[1]["content"] == [{"type": "text", "text": "YES"}]
    llm = messages("transcript", "Question?", system="Be brief.")
    assert llm == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "transcript\n\nQuestion?"},
    ]
    assert messages("", "Question?")[0]["content"] == "Question?"  # a silent video: the question only
