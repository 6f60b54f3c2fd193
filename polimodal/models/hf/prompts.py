"""Prompts of the generative models: one question and one answer string per label, per task.

Config (``tasks:`` in ``config/config.yaml``), shared by every generative model (the study uses the
same prompts across models)::

    tasks:
      us_politics:
        values: ["0", "1"]
        prompt:
          question: "Is the previous text and images about or relevant to US politics? Answer YES or NO."
          answers: {"1": "YES", "0": "NO"}

Every value of the task needs exactly one answer string and the strings must be distinct; a
generative model on a task without a prompt is a start-up error naming the task (there is no
honest default question). A model's own ``prompt`` key overrides the task's.

The chat messages follow the study's shape: the user turn holds the frames (vision-language
models only: up to ``max_frames`` evenly spaced kept frames), then the video's text (cut to
``max_text_tokens`` tokens), then the question; the assistant turn is the answer. The model's own
chat template (tokenizer or processor) renders them, so any chat checkpoint works.

Light at import: no torch, no transformers (the start-up check imports :func:`check_prompt_section`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from polimodal.errors import ConfigError


@dataclass(frozen=True)
class TaskPrompt:
    """The question and, per class (in the task's class order), the answer string."""

    question: str
    answers: tuple[str, ...]

    @classmethod
    def from_config(cls, section: Any, classes: Sequence[str], where: str) -> TaskPrompt:
        """Check ``section`` ({question, answers}) against the task's ``classes``."""
        check_prompt_section(section, where)
        answers = {str(k).strip(): str(v) for k, v in section["answers"].items()}
        missing = [c for c in classes if c not in answers]
        extra = sorted(set(answers) - set(classes))
        if missing or extra:
            raise ConfigError(
                f"{where}.answers: needs exactly one answer per task value {list(classes)}"
                + (f"; missing {missing}" if missing else "")
                + (f"; not task values {extra}" if extra else "")
            )
        return cls(question=str(section["question"]).strip(), answers=tuple(answers[c] for c in classes))


def check_prompt_section(section: Any, where: str) -> None:
    """The shape of a prompt section: a non-empty question, distinct non-empty answer strings."""
    if not isinstance(section, Mapping) or set(section) != {"question", "answers"}:
        raise ConfigError(f"{where}: must be a mapping with keys question and answers, got {section!r}")
    if not isinstance(section["question"], str) or not section["question"].strip():
        raise ConfigError(f"{where}.question: must be a non-empty string")
    answers = section["answers"]
    if not isinstance(answers, Mapping) or len(answers) < 2:
        raise ConfigError(f"{where}.answers: must map each task value to an answer string, got {answers!r}")
    strings = [str(v).strip() for v in answers.values()]
    if not all(strings) or not all(isinstance(v, str | int | float) for v in answers.values()):
        raise ConfigError(f"{where}.answers: every answer must be a non-empty string, got {dict(answers)}")
    if len(set(strings)) != len(strings):
        raise ConfigError(f"{where}.answers: answer strings must be distinct, got {dict(answers)}")


def task_prompt(task: str, task_cfg: Mapping[str, Any], model: str | None = None) -> TaskPrompt:
    """The checked prompt of ``tasks.<task>``; ConfigError naming the task (and model) when absent."""
    classes = [str(v).strip() for v in task_cfg.get("values") or ()]
    section = task_cfg.get("prompt")
    if section is None:
        who = f"generative model {model!r}" if model else "a generative model"
        raise ConfigError(
            f"task {task!r} has no prompt, which {who} needs: add tasks.{task}.prompt with a "
            f"question and an answer string for each value {classes}"
        )
    return TaskPrompt.from_config(section, classes, f"tasks.{task}.prompt")


def user_content(text: str, question: str, n_images: int, structured: bool) -> Any:
    """The user turn's content: ``n_images`` image slots, the text, then the question.

    ``structured``: a list of typed parts (what processors' chat templates take); else one string
    (the text, a blank line, the question) for text-only tokenizers' templates.
    """
    if not structured:
        return f"{text}\n\n{question}" if text.strip() else question
    parts: list[dict[str, Any]] = [{"type": "image"} for _ in range(n_images)]
    if text.strip():
        parts.append({"type": "text", "text": text.rstrip() + "\n"})
    parts.append({"type": "text", "text": question})
    return parts


def messages(
    text: str,
    question: str,
    answer: str | None = None,
    *,
    n_images: int = 0,
    structured: bool = False,
    system: str | None = None,
) -> list[dict[str, Any]]:
    """The chat: [system], user (images, text, question) and, with ``answer``, the assistant turn."""
    out: list[dict[str, Any]] = []
    if system:
        out.append(
            {"role": "system", "content": [{"type": "text", "text": system}] if structured else system}
        )
    out.append({"role": "user", "content": user_content(text, question, n_images, structured)})
    if answer is not None:
        content: Any = [{"type": "text", "text": answer}] if structured else answer
        out.append({"role": "assistant", "content": content})
    return out
