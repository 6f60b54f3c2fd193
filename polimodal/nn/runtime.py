"""Where and in which precision a network runs (the one device/precision choice of the package),
and how its input is prepared beside it (:func:`prefetched`).

Every stage and model that runs a network (frame embeddings, transcription, fine-tuning,
generative models) asks :func:`resolve_device` (the device string, for libraries that take one,
such as CTranslate2) or :func:`select_runtime` (a torch device + autocast dtype).

Precision: CUDA → bf16 autocast when the GPU supports it (A100/H100), else fp16 autocast
(with a ``GradScaler`` when training); CPU → fp32 (CPU autocast is slower than fp32 on most
CPUs). Weights stay fp32 (mixed precision, not half-precision training), except the generative
models', which load in :meth:`Runtime.weights_dtype` (``auto``: bf16 on a GPU) and train LoRA
adapters with bf16 mixed precision where the GPU supports it (:attr:`Runtime.bf16`).

Seeding (:func:`seed_everything`): Python, NumPy and torch (all devices) from one seed; a
NumPy generator of the same seed is returned for sampling and shuffling. cuDNN autotuning is
left on: GPU runs are repeatable to within floating-point noise, CPU runs are bit-identical.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import torch

from polimodal.nn.devices import DEVICES, check_device, resolve_device

T = TypeVar("T")
R = TypeVar("R")
__all__ = [
    "DEVICES",
    "WEIGHT_DTYPES",
    "Runtime",
    "check_device",
    "prefetched",
    "resolve_device",
    "seed_everything",
    "select_runtime",
]


#: The dtypes a model's ``dtype`` setting names (``auto``: :meth:`Runtime.weights_dtype` chooses).
WEIGHT_DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}


@dataclass(frozen=True)
class Runtime:
    """A torch device and the autocast dtype used on it (None: fp32)."""

    device: torch.device
    amp_dtype: torch.dtype | None = None

    @property
    def uses_scaler(self) -> bool:
        """fp16 training needs loss scaling; bf16 and fp32 do not."""
        return self.amp_dtype == torch.float16

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.amp_dtype)

    @property
    def bf16(self) -> bool:
        """bf16 mixed precision (a GPU that supports it): what ``transformers.Trainer``'s ``bf16`` asks."""
        return self.amp_dtype == torch.bfloat16

    def weights_dtype(self, dtype: str = "auto") -> torch.dtype:
        """The dtype to load pretrained weights in (``from_pretrained(dtype=...)``): the one named
        (:data:`WEIGHT_DTYPES`), or for ``auto`` bf16 on a GPU and fp32 on the CPU."""
        if dtype != "auto":
            return WEIGHT_DTYPES[dtype]
        return torch.bfloat16 if self.device.type == "cuda" else torch.float32

    def describe(self) -> str:
        precision = {None: "fp32", torch.bfloat16: "bf16 autocast", torch.float16: "fp16 autocast"}
        name = torch.cuda.get_device_name(self.device) if self.device.type == "cuda" else "CPU"
        return f"{self.device} ({name}), {precision.get(self.amp_dtype, str(self.amp_dtype))}"


def select_runtime(device: str = "auto", where: str = "device") -> Runtime:
    """``auto``: CUDA when available (bf16 if supported, else fp16 autocast), else CPU in fp32."""
    dev = torch.device(resolve_device(device, where=where))
    if dev.type == "cuda":
        return Runtime(dev, torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16)
    return Runtime(dev, None)


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, NumPy and torch; return a NumPy generator for sampling and shuffling."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    return np.random.default_rng(seed)


def to_device(inputs: dict[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    """Move every tensor of a batch to ``device``."""
    return {k: v.to(device, non_blocking=True) for k, v in inputs.items()}


def prefetched(items: Iterable[T], fn: Callable[[T], R], *, enabled: bool = True) -> Iterator[R]:
    """``fn(item)`` for each item, in order, computing the next one in a background thread.

    The items are drawn in the caller's thread (so random draws keep their order and the result
    is the same as without prefetching); only ``fn`` (JPEG decoding, which releases the GIL)
    runs beside the step that consumes the previous result (a forward pass, a training step).
    Frame embedding uses it everywhere; training uses it on a GPU only: on the CPU the decoding
    thread competes with torch's own threads during backward passes (measured on 2 cores: 0.58x
    instead of 1.03x a bare loop), so the frame models pass ``enabled=False`` there.
    """
    if not enabled:
        yield from (fn(item) for item in items)
        return
    iterator = iter(items)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefetch") as pool:
        first = next(iterator, None)
        if first is None:
            return
        pending = pool.submit(fn, first)
        for item in iterator:
            ready = pending.result()
            pending = pool.submit(fn, item)
            yield ready
        yield pending.result()
