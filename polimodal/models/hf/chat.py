"""From a video (text, kept frames) to a generative model's token ids, with its own chat template.

:class:`ChatCodec` renders the chat of :func:`polimodal.models.hf.prompts.messages` with the
tokenizer's (LLM) or processor's (VLM) chat template and gives

- :meth:`ChatCodec.prompt`: the prompt's inputs (``input_ids`` up to and including the assistant
  header; ``pixel_values`` ... for a VLM), what :mod:`polimodal.models.hf.scoring` scores;
- :attr:`ChatCodec.answer_ids`: per class, the answer's token ids as the template writes them after
  the assistant header, cut after the first special token (the end of turn: ``<|im_end|>``,
  ``<|eot_id|>``, ``</s>``, ``<end_of_utterance>``);
- :meth:`ChatCodec.example`: prompt + answer with labels on the answer tokens only (training).

The prompt and the answer are tokenised apart and concatenated, in scoring and in training alike,
so the model is trained on exactly the sequences it is scored on.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import torch

from polimodal.errors import ModelLoadError
from polimodal.models.hf.prompts import TaskPrompt, messages
from polimodal.models.hf.scoring import TOKEN_ROW_INPUTS, Prompt, extend_token_rows
from polimodal.nn.sampling import even_indices

IGNORE_INDEX = -100


class ChatCodec:
    """Chat rendering and tokenisation of one task's prompt for one model."""

    def __init__(
        self,
        tokenizer: Any,
        prompt: TaskPrompt,
        *,
        processor: Any = None,
        max_text_tokens: int = 800,
        system: str | None = None,
        max_frames: int = 0,
        image_size: int = 0,
    ) -> None:
        self.tokenizer = tokenizer
        self.processor = processor
        self.task_prompt = prompt
        self.max_text_tokens = int(max_text_tokens)
        self.system = system
        self.max_frames = int(max_frames) if processor is not None else 0
        self.image_size = int(image_size)
        owner = processor if processor is not None else tokenizer
        if not getattr(owner, "chat_template", None):
            raise ModelLoadError(
                f"{type(owner).__name__} has no chat template: an instruction-tuned model is needed"
            )
        self.answer_ids: list[list[int]] = [self._answer_ids(a) for a in prompt.answers]
        if len({tuple(a) for a in self.answer_ids}) != len(self.answer_ids):
            raise ModelLoadError(f"answers {list(prompt.answers)} tokenise to the same ids {self.answer_ids}")

    # ---- rendering
    def _messages(self, text: str, n_images: int, answer: str | None = None) -> list[dict[str, Any]]:
        return messages(
            text,
            self.task_prompt.question,
            answer,
            n_images=n_images,
            structured=self.processor is not None,
            system=self.system,
        )

    def render(self, msgs: list[dict[str, Any]], generation: bool) -> str:
        owner = self.processor if self.processor is not None else self.tokenizer
        return owner.apply_chat_template(msgs, tokenize=False, add_generation_prompt=generation)

    def _answer_ids(self, answer: str) -> list[int]:
        head = self.render(self._messages("text", 0), True)
        full = self.render(self._messages("text", 0, answer), False)
        if not full.startswith(head):
            raise ModelLoadError(
                f"chat template: the chat with answer {answer!r} does not extend the prompt "
                f"({full[len(head) - 20 : len(head) + 20]!r} vs {head[-20:]!r})"
            )
        ids = list(self.tokenizer(full[len(head) :], add_special_tokens=False)["input_ids"])
        special = set(self.tokenizer.all_special_ids)
        for i, t in enumerate(ids):
            if t in special:
                return ids[: i + 1]
        return ids

    def cut_text(self, text: str) -> str:
        """The first ``max_text_tokens`` tokens of ``text`` (unchanged when shorter)."""
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        if len(ids) <= self.max_text_tokens:
            return text
        return self.tokenizer.decode(ids[: self.max_text_tokens])

    def images(self, jpegs: Sequence[bytes]) -> list[Any]:
        """Up to ``max_frames`` evenly spaced frames as RGB PIL images."""
        from PIL import Image

        out = []
        for i in even_indices(len(jpegs), self.max_frames):
            img = Image.open(io.BytesIO(jpegs[i])).convert("RGB")
            if self.image_size:
                img.thumbnail((self.image_size, self.image_size))
            out.append(img)
        return out

    # ---- tokenisation
    def prompt(self, text: str, jpegs: Sequence[bytes] = ()) -> Prompt:
        """The scored prompt of one video: chat up to the assistant header, tokenised."""
        text = self.cut_text(text)
        if self.processor is None:
            s = self.render(self._messages(text, 0), True)
            ids = self.tokenizer(s, add_special_tokens=False)["input_ids"]
            return {"input_ids": torch.as_tensor(ids, dtype=torch.long)}
        images = self.images(jpegs)
        s = self.render(self._messages(text, len(images)), True)
        enc = self.processor(
            text=[s], images=[images] if images else None, return_tensors="pt", add_special_tokens=False
        )
        out = {k: v for k, v in enc.items() if isinstance(v, torch.Tensor) and k != "attention_mask"}
        out["input_ids"] = out["input_ids"].reshape(-1)
        return out

    def example(self, text: str, label: int, jpegs: Sequence[bytes] = ()) -> dict[str, torch.Tensor]:
        """A training example: prompt + answer ``label``; ``labels`` = -100 on the prompt."""
        p = self.prompt(text, jpegs)
        ans = torch.as_tensor(self.answer_ids[label], dtype=torch.long)
        p["labels"] = torch.cat([torch.full_like(p["input_ids"], IGNORE_INDEX), ans])
        p["input_ids"] = torch.cat([p["input_ids"], ans])
        for key in TOKEN_ROW_INPUTS:  # Mllama: the answer reads the images the prompt's end reads
            if key in p:
                p[key] = extend_token_rows(p[key], len(ans))
        return p


def collate(features: Sequence[dict[str, torch.Tensor]], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-pad training examples into a batch. The model's other inputs (leading dimension 1) are
    zero-padded to the batch's largest shape: images to all-zero frames that the masks that come
    with them mark as absent (Idefics' ``pixel_attention_mask``; Mllama's ``aspect_ratio_mask``,
    ``aspect_ratio_ids`` 0 and ``cross_attention_mask``, whose token rows are padded to the batch's
    width: padding tokens read no image)."""
    width = max(len(f["input_ids"]) for f in features)
    n = len(features)
    ids = torch.full((n, width), pad_id, dtype=torch.long)
    labels = torch.full((n, width), IGNORE_INDEX, dtype=torch.long)
    mask = torch.zeros((n, width), dtype=torch.long)
    for i, f in enumerate(features):
        k = len(f["input_ids"])
        ids[i, :k] = f["input_ids"]
        labels[i, :k] = f["labels"]
        mask[i, :k] = 1
    batch = {"input_ids": ids, "attention_mask": mask, "labels": labels}
    extra = {k for f in features for k, v in f.items() if isinstance(v, torch.Tensor)}
    for key in sorted(extra - {"input_ids", "labels", "attention_mask"}):
        have = [f[key] for f in features if key in f]
        shape = [max(t.shape[d] for t in have) for d in range(have[0].dim())]
        shape[0] = 1
        if key in TOKEN_ROW_INPUTS:
            shape[1] = width
        padded = torch.zeros((n, *shape[1:]), dtype=have[0].dtype)
        for i, f in enumerate(features):
            if key in f:
                t = f[key]
                padded[(slice(i, i + 1), *(slice(0, s) for s in t.shape[1:]))] = t
        batch[key] = padded
    return batch
