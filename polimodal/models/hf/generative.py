"""Generative model kinds: ``llm`` (instruction-tuned causal LMs: Llama-2/3 chat, SmolLM2 ...) and
``vlm`` (vision-language chat models: Idefics2/3, SmolVLM, Llama-3.2-Vision (Mllama: cross-attention
to the images) ...), zero-shot or LoRA-tuned.

Both classify by answer scoring (:mod:`polimodal.models.hf.scoring`): the chat of
:mod:`polimodal.models.hf.prompts` (frames for a VLM, then the video's text cut to
``max_text_tokens``, then the task's question) is scored against every allowed answer; the class
scores are the softmax over the answers' log-likelihoods, so every prediction is a task value.

- ``finetune: none`` (zero-shot): :meth:`GenerativeModel.fit` trains nothing; validation and test
  are scored with the pretrained model. The model folder holds ``generative.json`` only.
- ``finetune: lora``: :func:`polimodal.models.hf.lora.train_lora` (transformers ``Trainer`` + peft);
  the model folder holds the best epoch's adapter (``adapter/``), not the base weights. ``fit`` on
  a folder holding a finished training of the same model (:mod:`polimodal.models.reuse`: the
  fingerprint is written into ``generative.json`` last) loads its adapter instead of retraining.

Device and precision come from :func:`polimodal.nn.runtime.select_runtime` (weights in
:meth:`~polimodal.nn.runtime.Runtime.weights_dtype`; LoRA in bf16 where the GPU supports it).

Config (``models: {name: {kind: llm|vlm, ...}}``): see :mod:`polimodal.models.hf.params`.
The task's prompt (``tasks.<task>.prompt``) reaches the model as its ``prompt`` parameter
(set by the fold runner).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import torch

from polimodal.data.videodata import VideoData
from polimodal.errors import ConfigError, ModelLoadError
from polimodal.models.base import Params
from polimodal.models.hf.chat import ChatCodec, collate
from polimodal.models.hf.params import GenerativeParams
from polimodal.models.hf.prompts import TaskPrompt
from polimodal.models.hf.scoring import Prompt, answer_logliks, class_scores, normalise_logliks
from polimodal.models.reuse import ReusableModel
from polimodal.models.selection import macro_f1
from polimodal.nn.runtime import Runtime, seed_everything, select_runtime
from polimodal.resolve import resolve_pretrained

log = logging.getLogger(__name__)

META = "generative.json"
ADAPTER = "adapter"


def load_causal(opts: GenerativeParams, vision: bool, runtime: Runtime) -> tuple[Any, Any, Any]:
    """``(model, tokenizer, processor)`` of ``opts.model`` (processor None for a text-only LM), on
    ``runtime``'s device.

    dtype ``auto``: bf16 on a GPU, fp32 on CPU. ``device_map: auto`` spreads the layers over every
    visible GPU (accelerate); ``quantize: 4bit`` loads the weights in NF4 (bitsandbytes, GPU only).
    """
    from transformers import AutoModelForCausalLM, AutoModelForImageTextToText, AutoProcessor, AutoTokenizer

    device = runtime.device
    if opts.quantize == "4bit" and device.type != "cuda":
        raise ConfigError(f"quantize: 4bit (QLoRA with bitsandbytes) needs a CUDA GPU; this job has {device}")
    dtype = runtime.weights_dtype(opts.dtype)
    kwargs: dict[str, Any] = {"dtype": dtype}
    if opts.device_map:
        kwargs["device_map"] = opts.device_map
    if opts.quantize == "4bit":
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_compute_dtype=torch.bfloat16,
            bnb_4bit_use_double_quant=True,
        )
        kwargs.setdefault("device_map", {"": device.index or 0})
    path = resolve_pretrained(opts.model)
    try:
        if vision:
            processor = AutoProcessor.from_pretrained(path)
            tokenizer = processor.tokenizer
            model = AutoModelForImageTextToText.from_pretrained(path, **kwargs)
        else:
            processor = None
            tokenizer = AutoTokenizer.from_pretrained(path)
            model = AutoModelForCausalLM.from_pretrained(path, **kwargs)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot load {opts.model!r} ({path}): {exc}") from exc
    if "device_map" not in kwargs:
        model.to(device)
    model.eval()
    log.info(
        "%s (%s): %.1f M parameters, %s on %s",
        opts.model,
        type(model).__name__,
        sum(p.numel() for p in model.parameters()) / 1e6,
        dtype,
        kwargs.get("device_map", device),
    )
    return model, tokenizer, processor


class GenerativeModel(ReusableModel):
    """Answer-scoring classifier on a chat model; zero-shot or LoRA (see the module docstring)."""

    vision = False
    #: the parsed parameters (:class:`Model`'s ``options``, typed for this family)
    options: GenerativeParams

    def __init__(self, classes: list[str], params: Params = None, seed: int = 0) -> None:
        super().__init__(classes, params, seed)
        if self.options.prompt is None:
            raise ConfigError(
                f"model kind {self.kind}: no prompt (set tasks.<task>.prompt: a question and an "
                f"answer per value {self.classes})"
            )
        self.task_prompt = TaskPrompt.from_config(
            self.options.prompt, self.classes, f"model kind {self.kind} prompt"
        )
        self.model: Any = None
        self.tokenizer: Any = None
        self.codec: ChatCodec | None = None

    # ---- loading
    def _load_base(self) -> None:
        if self.model is not None:
            return
        self.model, self.tokenizer, processor = load_causal(self.options, self.vision, self.runtime)
        self.codec = ChatCodec(
            self.tokenizer,
            self.task_prompt,
            processor=processor,
            max_text_tokens=self.options.max_text_tokens,
            system=self.options.system,
            max_frames=getattr(self.options, "max_frames", 0),
            image_size=getattr(self.options, "image_size", 0),
        )
        log.info(
            "answers %s -> token ids %s",
            dict(zip(self.classes, self.task_prompt.answers, strict=True)),
            self.codec.answer_ids,
        )

    @cached_property
    def runtime(self) -> Runtime:
        """Device and precision (chosen when the model first loads: a missing GPU fails there)."""
        return select_runtime(self.options.device, where="device")

    def _frames(self, data: VideoData, i: int) -> list[bytes]:
        if not self.vision or not self.codec or not self.codec.max_frames or data.store is None:
            return []
        return data.frames(data.video_ids[i])

    def prompts(self, data: VideoData) -> Iterator[Prompt]:
        """Each video's scored prompt, in ``data`` order (frames read on demand)."""
        assert self.codec is not None
        for i in range(len(data)):
            yield self.codec.prompt(data.texts[i], self._frames(data, i))

    def logliks(self, data: VideoData) -> np.ndarray:
        """``(len(data), n_classes)`` log-likelihoods of the classes' answers."""
        self._load_base()
        assert self.codec is not None
        summed = answer_logliks(
            self.model, self.prompts(data), self.codec.answer_ids, batch_size=self.options.eval_batch_size
        )
        null = None
        if self.options.answer_scoring == "calibrated":  # the content-free prompt: no text, no frames
            null = answer_logliks(self.model, [self.codec.prompt("")], self.codec.answer_ids)
        return normalise_logliks(summed, self.codec.answer_ids, self.options.answer_scoring, null=null)

    def validate(self, data: VideoData) -> float:
        """Macro F1 of the current model on ``data`` (LoRA's epoch-selection criterion)."""
        return macro_f1(data.labels, self.labels_from_scores(self.logliks(data)), self.classes)

    # ---- the Model interface
    def finished_fingerprint(self, workdir: Path) -> Mapping[str, Any] | None:
        """A LoRA training's fingerprint, written into ``generative.json`` once it finished."""
        meta_path = workdir / META
        if not self.options.trains or not meta_path.exists() or self.read_summary(workdir) is None:
            return None
        return json.loads(meta_path.read_text()).get("fingerprint")

    def fit(self, train: VideoData, validation: VideoData, workdir: Path) -> dict[str, Any]:
        workdir = Path(workdir)
        reused = self.reuse(workdir)
        if reused is not None:
            return reused
        workdir.mkdir(parents=True, exist_ok=True)
        seed_everything(self.seed)
        self._load_base()
        meta = {"kind": self.kind, "model": self.options.model, "finetune": self.options.finetune}
        (workdir / META).write_text(json.dumps(meta, indent=2))
        if not self.options.trains:
            log.info(
                "zero-shot: no training; validation and test are scored with %s as is", self.options.model
            )
            self.summary = {"finetune": "none", "model": self.options.model}
            return self.summary
        from polimodal.models.hf.lora import ExampleSet, train_lora

        assert self.codec is not None
        codec, index = self.codec, {c: i for i, c in enumerate(self.classes)}

        def make(i: int) -> dict[str, torch.Tensor]:
            return codec.example(train.texts[i], index[train.labels[i]], self._frames(train, i))

        pad = self.tokenizer.pad_token_id
        pad = pad if pad is not None else (self.tokenizer.eos_token_id or 0)
        self.model, summary = train_lora(
            self.model,
            ExampleSet(len(train), make),
            lambda feats: collate(feats, pad),
            lambda: self.validate(validation),
            self.options,
            workdir,
            seed=self.seed,
            runtime=self.runtime,
        )
        self.summary = {**summary, "model": self.options.model}
        self.save_summary(workdir)
        (workdir / META).write_text(json.dumps({**meta, "fingerprint": self.fingerprint()}, indent=2))
        return self.summary

    def load(self, workdir: Path) -> None:
        workdir = Path(workdir)
        meta_path = workdir / META
        if not meta_path.exists():
            raise ModelLoadError(f"{workdir}: no {META} (not a {self.kind} model folder)")
        meta = json.loads(meta_path.read_text())
        if meta.get("model") != self.options.model or meta.get("finetune") != self.options.finetune:
            raise ModelLoadError(
                f"{workdir}: trained as {meta}, config says {self.options.model} / {self.options.finetune}"
            )
        self._load_base()
        if self.options.trains:
            from peft import PeftModel

            adapter = workdir / ADAPTER
            if not (adapter / "adapter_config.json").exists():
                raise ModelLoadError(f"{workdir}: no LoRA adapter in {adapter}")
            self.model = PeftModel.from_pretrained(self.model, str(adapter))
            self.model.eval()
            self.summary = self.read_summary(workdir) or {}

    def predict(self, data: VideoData) -> tuple[list[str], np.ndarray]:
        scores = class_scores(self.logliks(data)) if len(data) else np.zeros((0, len(self.classes)))
        return self.labels_from_scores(scores), scores


class LlmModel(GenerativeModel):
    """``kind: llm``: an instruction-tuned causal LM reading the video's text."""

    kind = "llm"


class VlmModel(GenerativeModel):
    """``kind: vlm``: a vision-language chat model reading kept frames, then the text."""

    kind = "vlm"
    vision = True
