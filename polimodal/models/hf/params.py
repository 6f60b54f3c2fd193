"""Parameters of the generative model kinds (``llm``, ``vlm``): one dataclass per kind.

Imports nothing heavy (no torch, no transformers): the workflow checks every model's parameters
at start-up (:func:`polimodal.models.registry.check_model_config`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

from polimodal.errors import ConfigError
from polimodal.models.params import Rule, TextParams, TrainingParams
from polimodal.options import choice

#: How answers' log-likelihoods become class scores (``answer_scoring``; :mod:`polimodal.models.hf.scoring`).
ANSWER_SCORING = ("sum", "mean", "calibrated")
#: Attention projections that get LoRA adapters (names of Llama/Mistral-family layers).
ATTENTION_PROJECTIONS = ("q_proj", "k_proj", "v_proj", "o_proj")


@dataclass(frozen=True)
class GenerativeParams(TrainingParams, TextParams):
    """Keys of every generative model (config keys of the same name): the shared training keys
    (:class:`~polimodal.models.params.TrainingParams`, LoRA's defaults below) and the model's own.

    ``finetune: none`` scores the pretrained model as is (zero-shot: no training); ``lora`` trains
    LoRA adapters on the language model's attention projections with transformers' ``Trainer``.
    """

    #: where the model runs (``device_map: auto``: one model spread over the node's GPUs) changes
    #: no prediction (:func:`polimodal.options.output_settings`)
    NOT_OUTPUT: ClassVar[frozenset[str]] = TrainingParams.NOT_OUTPUT | {"device_map"}

    model: str = "meta-llama/Meta-Llama-3-8B-Instruct"  # hub id, local directory, .gguf file or package: ref
    finetune: str = choice("none", ("none", "lora"))
    max_text_tokens: int = 800  # the video's text is cut to this many tokens (the study: 800)
    # answers' log-likelihoods: summed over tokens, their mean per token (length-normalised), or
    # calibrated: minus the answer's log-likelihood after an empty text (removes length and prior
    # bias; bench/bench_answer_scoring.py). Answers of one token each (YES/NO, letters) score alike.
    answer_scoring: str = choice("sum", ANSWER_SCORING)
    system: str | None = None  # a system message before the user turn (null: the template's default)
    prompt: Any = None  # {question, answers}: default tasks.<task>.prompt (set by the runner)
    # LoRA (finetune: lora)
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_targets: tuple[str, ...] = ATTENTION_PROJECTIONS  # module names inside the language model
    lora_vision: bool = False  # vlm: also adapt the vision tower's attention projections
    quantize: str = choice("none", ("none", "4bit"))  # 4bit: QLoRA with bitsandbytes (GPU only)
    batch_size: int = 4  # training examples per forward pass
    grad_accum: int = 4  # forward passes per optimiser step
    lr: float = 2e-4
    weight_decay: float = 0.0
    warmup_ratio: float = 0.03
    gradient_checkpointing: bool = True  # recompute activations in backward: memory for time
    eval_batch_size: int = 8  # prompts scored at once (each prompt's answers share its KV cache)
    device_map: str | None = None  # "auto": spread one model over every GPU of the node (e.g. 70B zero-shot)
    dtype: str = choice("auto", ("auto", "bfloat16", "float16", "float32"))  # auto: bf16 on GPU, fp32 on CPU
    log_every: int = 10  # log training loss every this many optimiser steps

    def rules(self) -> dict[str, Rule]:
        return {
            "max_text_tokens": (self.max_text_tokens >= 1, "max_text_tokens must be >= 1"),
            "lora_r": (self.lora_r >= 1 and self.lora_alpha > 0, "lora_r must be >= 1 and lora_alpha > 0"),
            "lora_dropout": (0 <= self.lora_dropout < 1, "lora_dropout must be in [0, 1)"),
            "lora_targets": (bool(self.lora_targets), "lora_targets must name at least one module"),
            **super().rules(),
            "eval_batch_size": (self.eval_batch_size >= 1, "eval_batch_size must be >= 1"),
            "device_map": (self.device_map in (None, "auto"), "device_map must be null or auto"),
        }

    def no_effect(self) -> dict[str, str]:
        """Keys that the other settings make moot: zero-shot (``finetune: none``) trains nothing."""
        if self.trains:
            return {}
        return dict.fromkeys(TRAINING_ONLY, "finetune: none")

    def check(self, where: str) -> None:
        super().check(where)
        if self.quantize != "none" and self.finetune != "lora":
            raise ConfigError(f"{where}: quantize: {self.quantize} is for finetune: lora (QLoRA)")
        if self.prompt is not None:
            from polimodal.models.hf.prompts import check_prompt_section

            check_prompt_section(self.prompt, f"{where}.prompt")

    @property
    def trains(self) -> bool:
        return self.finetune != "none"


@dataclass(frozen=True)
class LlmParams(GenerativeParams):
    """``kind: llm``: an instruction-tuned causal LM reading the video's text."""


@dataclass(frozen=True)
class VlmParams(GenerativeParams):
    """``kind: vlm``: a vision-language chat model reading kept frames, then the text."""

    model: str = "HuggingFaceM4/idefics2-8b"  # or meta-llama/Llama-3.2-11B-Vision-Instruct (quantize: 4bit)
    max_frames: int = 3  # evenly spaced kept frames per video (the study: 3); 0: text only
    # longest image side given to the processor (0: the frame as stored, at most frames.max_side, which
    # the processor resizes: Idefics2 to at most 980 px, a side under 378 stretched up to 378)
    image_size: int = 0
    batch_size: int = 2
    grad_accum: int = 8
    eval_batch_size: int = 1

    def check(self, where: str) -> None:
        super().check(where)
        if self.max_frames < 0 or self.image_size < 0:
            raise ConfigError(f"{where}: max_frames and image_size must be >= 0")


#: The keys only training reads (ignored by zero-shot scoring, ``finetune: none``): the shared
#: training keys but those of scoring, and LoRA's. ``quantize`` has its own error (``check``).
TRAINING_ONLY = tuple(
    [f.name for f in fields(TrainingParams) if f.name not in ("eval_batch_size", "device")]
    + ["lora_r", "lora_alpha", "lora_dropout", "lora_targets", "lora_vision", "gradient_checkpointing"]
)
