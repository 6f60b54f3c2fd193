"""Shared machinery of the fine-tuned torch models (:mod:`bert`, :mod:`cnn`, :mod:`clip`).

What is here: device and precision choice, seeding, parameter parsing, class weights, a compact
training loop with early stopping on *video-level* validation macro F1, checkpoints, frame
streaming (shuffle buffer over :meth:`VideoData.iter_video_frames`), JPEG decoding, and
:class:`TorchModel`, the base class that turns these into ``fit``/``predict``.

Why a compact loop and not ``transformers.Trainer``:

- two of the three models are not Hugging Face models with standard inputs (a torchvision
  CNN; CLIP with a fusion head), and the frame models read an *iterable* stream of frames of
  unknown length, where Trainer wants a sized dataset or ``max_steps``;
- the selection criterion is macro F1 **per video** after frame→video aggregation, computed by
  the model's own ``predict``; Trainer's ``compute_metrics`` sees per-sample logits only;
- Trainer needs ``accelerate`` (not a dependency) and writes its own checkpoint layout, while
  the workflow wants one checkpoint file in the job's folder;
- the loop is short (one function, :func:`train_loop`) and uses the torch facilities that
  matter: ``torch.autocast`` (bf16 where the GPU supports it, else fp16 with
  ``torch.amp.GradScaler``), AdamW, a linear warm-up/decay schedule
  (``transformers.get_linear_schedule_with_warmup`` semantics), gradient accumulation and
  gradient-norm clipping.

Precision: CUDA → bf16 autocast when ``torch.cuda.is_bf16_supported()`` (A100/H100), else
fp16 autocast with a GradScaler; CPU → fp32 (CPU autocast is slower than fp32 for training
on most CPUs). Weights stay fp32 (mixed precision, not half-precision training).

Seeding: Python, NumPy and torch (all devices) from the fold's seed; frame sampling and
shuffling use a NumPy generator of the same seed. cuDNN autotuning is left on: GPU runs are
repeatable to within floating-point noise, CPU runs are bit-identical.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import random
import time
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np
import torch
import torchvision.transforms.functional as TF
from torch import nn
from torchvision.io import ImageReadMode, decode_jpeg

from polimodal.errors import ConfigError, LabelError, ModelLoadError
from polimodal.models.base import Model

log = logging.getLogger(__name__)

T = TypeVar("T")
#: A model input batch: tensors by name (moved to the device by the loop).
Inputs = dict[str, torch.Tensor]

#: The issue caps training at 10 epochs (best epoch chosen on validation).
MAX_EPOCHS = 10
CHECKPOINT = "checkpoint.pt"
SUMMARY = "train_summary.json"  # run_fold writes its own summary.json beside it


# ----------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class TrainParams:
    """Training hyper-parameters common to every torch model (config keys of the same name)."""

    epochs: int = 3  # at most MAX_EPOCHS; the best epoch on validation is kept
    batch_size: int = 16  # samples per forward pass (videos for BERT, frames for CNN/CLIP)
    eval_batch_size: int = 0  # 0: 2 × batch_size
    grad_accum: int = 1  # forward passes per optimiser step (effective batch = batch_size × grad_accum)
    lr: float = 2e-5
    head_lr: float = 0.0  # learning rate of the new head (parameters named head.*); 0: lr
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1  # fraction of all optimiser steps with a linear warm-up
    weighted_loss: bool = False  # class-weighted cross-entropy (weights n / (k · n_class))
    patience: int = 2  # stop after this many epochs without a better validation macro F1
    max_grad_norm: float = 1.0  # 0: no clipping
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    log_every: int = 20  # log progress every this many optimiser steps

    @classmethod
    def from_params(cls, params: Mapping[str, Any], where: str = "model") -> TrainParams:
        """Pick this class's keys from ``params`` and check their values."""
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in params.items() if k in names and v is not None}
        try:
            tp = cls(**values)
        except TypeError as exc:  # pragma: no cover - dataclass keyword errors
            raise ConfigError(f"{where}: {exc}") from exc
        checks = [
            (1 <= tp.epochs <= MAX_EPOCHS, f"epochs must be 1..{MAX_EPOCHS}"),
            (tp.batch_size >= 1 and tp.grad_accum >= 1, "batch_size and grad_accum must be >= 1"),
            (tp.eval_batch_size >= 0, "eval_batch_size must be >= 0"),
            (tp.lr > 0 and tp.head_lr >= 0, "lr must be > 0, head_lr >= 0"),
            (0 <= tp.warmup_ratio < 1, "warmup_ratio must be in [0, 1)"),
            (tp.patience >= 1, "patience must be >= 1"),
            (tp.log_every >= 1, "log_every must be >= 1"),
        ]
        for ok, msg in checks:
            if not ok:
                raise ConfigError(f"{where}: {msg} (got {values})")
        return tp

    @property
    def predict_batch_size(self) -> int:
        return self.eval_batch_size or 2 * self.batch_size


def check_param_names(params: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    """Raise ConfigError naming any key of ``params`` that is neither allowed nor a TrainParams field."""
    known = set(allowed) | {f.name for f in fields(TrainParams)}
    unknown = sorted(set(params) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown parameter(s) {unknown}; known: {sorted(known)}")


# ----------------------------------------------------------------------------- device
@dataclass(frozen=True)
class Runtime:
    """Where and in which precision a model runs."""

    device: torch.device
    amp_dtype: torch.dtype | None = None  # autocast dtype; None = fp32

    @property
    def uses_scaler(self) -> bool:
        return self.amp_dtype == torch.float16

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.amp_dtype)

    def describe(self) -> str:
        precision = {None: "fp32", torch.bfloat16: "bf16 autocast", torch.float16: "fp16 autocast"}
        name = torch.cuda.get_device_name(self.device) if self.device.type == "cuda" else "CPU"
        return f"{self.device} ({name}), {precision.get(self.amp_dtype, str(self.amp_dtype))}"


def select_runtime(device: str = "auto") -> Runtime:
    """``auto``: CUDA when available (bf16 if supported, else fp16), else CPU in fp32."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ModelLoadError(f"device {device!r} requested but CUDA is not available")
        dev = torch.device(device)
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return Runtime(dev, dtype)
    if device != "cpu":
        raise ConfigError(f"device must be auto, cpu, cuda or cuda:N, got {device!r}")
    return Runtime(torch.device("cpu"), None)


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, NumPy and torch; return a NumPy generator for sampling and shuffling."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    return np.random.default_rng(seed)


# ----------------------------------------------------------------------------- labels, metrics
def encode_labels(labels: Sequence[str], classes: Sequence[str], where: str = "labels") -> np.ndarray:
    """Class indices of ``labels`` (LabelError naming the first unknown label)."""
    index = {c: i for i, c in enumerate(classes)}
    out = np.empty(len(labels), dtype=np.int64)
    for i, label in enumerate(labels):
        if label not in index:
            raise LabelError(f"{where}: row {i} has label {label!r}, not one of {list(classes)}")
        out[i] = index[label]
    return out


def class_weights(y: np.ndarray, n_classes: int) -> torch.Tensor:
    """Balanced class weights ``n / (k · n_c)`` (sklearn's "balanced"); 0 for absent classes."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    present = counts > 0
    w = np.zeros(n_classes)
    w[present] = counts.sum() / (present.sum() * counts[present])
    return torch.tensor(w, dtype=torch.float32)


def macro_f1(true: Sequence[str], pred: Sequence[str], classes: Sequence[str]) -> float:
    """Macro-averaged F1 over ``classes`` (a class never true nor predicted scores 0)."""
    from sklearn.metrics import f1_score

    if not len(true):
        return float("nan")
    return float(f1_score(list(true), list(pred), labels=list(classes), average="macro", zero_division=0))


# ----------------------------------------------------------------------------- iteration
def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter)."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def shuffle_buffer(items: Iterable[T], size: int, rng: np.random.Generator) -> Iterator[T]:
    """Approximately shuffle a stream holding at most ``size`` items in memory.

    The buffer is filled, then each new item replaces a random one, which is yielded; the rest
    is yielded in random order at the end. ``size`` ≥ the stream's length is a full shuffle.
    """
    buf: list[T] = []
    for item in items:
        if len(buf) < size:
            buf.append(item)
            continue
        j = int(rng.integers(size))
        buf[j], item = item, buf[j]
        yield item
    for j in rng.permutation(len(buf)):
        yield buf[j]


def cap_frames(frames: list[bytes], cap: int, rng: np.random.Generator | None = None) -> list[bytes]:
    """At most ``cap`` frames (0: all), in time order: a random subset, or evenly spaced if no ``rng``."""
    n = len(frames)
    if cap <= 0 or n <= cap:
        return frames
    if rng is None:
        idx = np.unique(np.linspace(0, n - 1, cap).round().astype(int))
    else:
        idx = np.sort(rng.choice(n, size=cap, replace=False))
    return [frames[i] for i in idx]


def decode_frames(
    jpegs: Sequence[bytes], size: int, interpolation: TF.InterpolationMode = TF.InterpolationMode.BILINEAR
) -> torch.Tensor:
    """Decode JPEGs to RGB, resize the shorter side to ``size``, centre-crop: (n, 3, size, size) uint8."""
    out = torch.empty((len(jpegs), 3, size, size), dtype=torch.uint8)
    for i, jpeg in enumerate(jpegs):
        try:
            img = decode_jpeg(torch.frombuffer(bytearray(jpeg), dtype=torch.uint8), mode=ImageReadMode.RGB)
        except RuntimeError as exc:
            raise ValueError(f"frame {i} of the batch is not a decodable JPEG: {exc}") from exc
        img = TF.resize(img, [size], interpolation=interpolation, antialias=True)
        out[i] = TF.center_crop(img, [size, size])
    return out


def to_device(inputs: Inputs, device: torch.device) -> Inputs:
    return {k: v.to(device, non_blocking=True) for k, v in inputs.items()}


# ----------------------------------------------------------------------------- training loop
@dataclass
class EpochLog:
    epoch: int
    train_loss: float
    val_macro_f1: float | None
    seconds: float
    samples: int
    samples_per_s: float


@dataclass
class TrainResult:
    best_epoch: int
    best_val_macro_f1: float | None
    epochs_run: int
    stopped_early: bool
    history: list[EpochLog] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "best_epoch": self.best_epoch,
            "best_val_macro_f1": self.best_val_macro_f1,
            "epochs_run": self.epochs_run,
            "stopped_early": self.stopped_early,
            "seconds_per_epoch": float(np.mean([h.seconds for h in self.history])) if self.history else None,
            "train_samples_per_s": float(np.mean([h.samples_per_s for h in self.history]))
            if self.history
            else None,
            "history": [asdict(h) for h in self.history],
        }


def save_checkpoint(path: Path, module: nn.Module, meta: Mapping[str, Any]) -> None:
    """Write ``module``'s state dict and ``meta`` atomically (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    state = {k: v.detach().to("cpu") for k, v in module.state_dict().items()}
    torch.save({"state_dict": state, "meta": dict(meta)}, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """``(state_dict, meta)`` of a checkpoint written by :func:`save_checkpoint`."""
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ModelLoadError(f"cannot read checkpoint {path}: {exc}") from exc
    return obj["state_dict"], obj["meta"]


def train_loop(
    module: nn.Module,
    forward: Callable[[nn.Module, Inputs], torch.Tensor],
    batches: Callable[[int], Iterable[tuple[Inputs, torch.Tensor]]],
    evaluate: Callable[[], float | None],
    *,
    params: TrainParams,
    runtime: Runtime,
    checkpoint: Path,
    weights: torch.Tensor | None = None,
    steps_per_epoch: int | None = None,
    meta: Mapping[str, Any] | None = None,
    name: str = "model",
) -> TrainResult:
    """Fine-tune ``module``; keep (and reload) the epoch with the best validation macro F1.

    ``batches(epoch)`` yields ``(inputs, targets)`` micro-batches; ``forward(module, inputs)``
    returns logits; ``evaluate()`` returns the validation macro F1 of the module as it is now
    (None when there is no validation data: then the last epoch is kept). Each better epoch
    is saved to ``checkpoint`` (state dict + ``meta`` + epoch); training stops after
    ``params.patience`` epochs without improvement. ``steps_per_epoch`` (optimiser steps)
    sizes the warm-up/decay schedule; when unknown it is counted during the first epoch
    (which then runs at the full learning rate).
    """
    module.to(runtime.device)
    groups: dict[tuple[float, float], list[nn.Parameter]] = {}
    for pname, p in module.named_parameters():
        if p.requires_grad:
            lr = params.head_lr if params.head_lr and pname.startswith("head.") else params.lr
            no_decay = p.ndim < 2 or "norm" in pname.lower() or pname.endswith(".bias")
            groups.setdefault((lr, 0.0 if no_decay else params.weight_decay), []).append(p)
    optimizer = torch.optim.AdamW(
        [{"params": ps, "lr": lr, "weight_decay": wd} for (lr, wd), ps in groups.items()], lr=params.lr
    )
    sched_state = {"total": steps_per_epoch * params.epochs if steps_per_epoch else None}

    def lr_factor(step: int) -> float:
        total = sched_state["total"]
        if total is None:
            return 1.0
        warmup = int(params.warmup_ratio * total)
        if step < warmup:
            return (step + 1) / (warmup + 1)
        return max(0.0, (total - step) / max(1, total - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
    scaler = torch.amp.GradScaler(runtime.device.type, enabled=runtime.uses_scaler)
    loss_fn = nn.CrossEntropyLoss(weight=weights.to(runtime.device) if weights is not None else None)
    log.info(
        "%s: training on %s, up to %d epochs, batch %d × accum %d, lr %g, weighted loss %s",
        name,
        runtime.describe(),
        params.epochs,
        params.batch_size,
        params.grad_accum,
        params.lr,
        weights is not None,
    )
    result = TrainResult(best_epoch=0, best_val_macro_f1=None, epochs_run=0, stopped_early=False)
    best = -math.inf
    bad_epochs = 0
    for epoch in range(1, params.epochs + 1):
        module.train()
        t0 = time.monotonic()
        n_samples = 0
        step = 0
        loss_sum = 0.0
        n_micro = 0
        optimizer.zero_grad(set_to_none=True)

        def optimiser_step() -> None:
            if params.max_grad_norm > 0:
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(module.parameters(), params.max_grad_norm)
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)

        pending = 0
        for inputs, targets in batches(epoch):
            inputs = to_device(inputs, runtime.device)
            targets = targets.to(runtime.device)
            with runtime.autocast():
                logits = forward(module, inputs)
            loss = loss_fn(logits.float(), targets)
            scaler.scale(loss / params.grad_accum).backward()
            pending += 1
            n_micro += 1
            n_samples += len(targets)
            loss_sum += float(loss.detach())
            if pending == params.grad_accum:
                optimiser_step()
                pending = 0
                step += 1
                if step % params.log_every == 0:
                    total = sched_state["total"] // params.epochs if sched_state["total"] else "?"
                    log.info(
                        "%s: epoch %d step %d/%s loss %.4f, %.1f samples/s",
                        name,
                        epoch,
                        step,
                        total,
                        loss_sum / n_micro,
                        n_samples / max(time.monotonic() - t0, 1e-9),
                    )
        if pending:
            optimiser_step()
            step += 1
        if sched_state["total"] is None and step:
            # Unknown epoch length: now counted; decay linearly over the remaining epochs.
            sched_state["total"] = step * params.epochs
        train_seconds = time.monotonic() - t0
        val = evaluate()
        entry = EpochLog(
            epoch=epoch,
            train_loss=loss_sum / max(n_micro, 1),
            val_macro_f1=val,
            seconds=train_seconds,
            samples=n_samples,
            samples_per_s=n_samples / max(train_seconds, 1e-9),
        )
        result.history.append(entry)
        result.epochs_run = epoch
        log.info(
            "%s: epoch %d/%d done: loss %.4f, validation macro F1 %s, %.1f s (%.1f samples/s)",
            name,
            epoch,
            params.epochs,
            entry.train_loss,
            "n/a" if val is None else f"{val:.4f}",
            train_seconds,
            entry.samples_per_s,
        )
        score = -math.inf if val is None or math.isnan(val) else val
        if val is None or score > best or result.best_epoch == 0:
            best = score
            bad_epochs = 0
            result.best_epoch = epoch
            result.best_val_macro_f1 = val
            save_checkpoint(checkpoint, module, {**(meta or {}), "epoch": epoch, "val_macro_f1": val})
        else:
            bad_epochs += 1
            if bad_epochs >= params.patience and epoch < params.epochs:
                result.stopped_early = True
                log.info(
                    "%s: early stop after epoch %d (no improvement for %d epochs)", name, epoch, bad_epochs
                )
                break
    if result.best_epoch != result.epochs_run:
        state, _ = load_checkpoint(checkpoint)
        module.load_state_dict(state)
    log.info("%s: kept epoch %d (validation macro F1 %s)", name, result.best_epoch, result.best_val_macro_f1)
    return result


@torch.no_grad()
def predict_proba(
    module: nn.Module,
    forward: Callable[[nn.Module, Inputs], torch.Tensor],
    batches: Iterable[Inputs],
    runtime: Runtime,
    n_classes: int,
) -> np.ndarray:
    """Softmax probabilities ``(n, n_classes)`` (float64) of every batch, in order."""
    module.eval()
    out = []
    for inputs in batches:
        with runtime.autocast():
            logits = forward(module, to_device(inputs, runtime.device))
        out.append(torch.softmax(logits.float(), dim=-1).cpu().numpy().astype(np.float64))
    return np.concatenate(out) if out else np.zeros((0, n_classes))


# ----------------------------------------------------------------------------- base class
class TorchModel(Model):
    """A fine-tuned torch classifier: subclasses say how to build, feed and run the network.

    Subclass hooks: :meth:`build` (network with a new ``len(classes)``-way head),
    :meth:`train_batches` (micro-batches of an epoch), :meth:`forward` (logits) and
    :meth:`predict_scores` (video-level scores). ``fit`` trains with :func:`train_loop` and
    writes ``workdir/checkpoint.pt`` (state dict of the best epoch + classes, params, seed)
    and ``workdir/summary.json``; :meth:`load` restores a trained model from that folder
    so scoring can rerun without training. ``fit`` on a folder that already holds a finished
    checkpoint of the same kind, classes, params and seed loads it instead of retraining.
    """

    #: parameter names the subclass accepts besides :class:`TrainParams`'s.
    param_names: ClassVar[tuple[str, ...]] = ()
    #: defaults of TrainParams fields that differ for this model kind.
    train_defaults: ClassVar[Mapping[str, Any]] = {}

    def __init__(self, classes: Sequence[str], params: dict[str, Any] | None = None, seed: int = 0) -> None:
        super().__init__(classes, params, seed)
        where = f"model kind {self.kind or type(self).__name__}"
        check_param_names(self.params, self.param_names, where)
        self.train_params = TrainParams.from_params({**self.train_defaults, **self.params}, where)
        self.runtime = select_runtime(self.train_params.device)
        self.module: nn.Module | None = None
        self.summary: dict[str, Any] = {}

    # -- hooks
    @abstractmethod
    def build(self) -> nn.Module:
        """Load the pretrained network and give it a new head of ``len(self.classes)`` outputs."""

    @abstractmethod
    def train_batches(
        self, data: Any, y: np.ndarray, rng: np.random.Generator
    ) -> Iterable[tuple[Inputs, torch.Tensor]]:
        """Training micro-batches ``(inputs, targets)`` of one epoch over ``data``."""

    @abstractmethod
    def forward(self, module: nn.Module, inputs: Inputs) -> torch.Tensor:
        """Logits ``(batch, n_classes)``."""

    @abstractmethod
    def predict_scores(self, data: Any) -> tuple[list[str], np.ndarray]:
        """Video-level labels and scores of ``data`` with the current network."""

    def validate(self, validation: Any) -> float:
        """Validation macro F1 of the current network (the early-stopping criterion)."""
        labels, _ = self.predict(validation)
        return macro_f1(validation.labels, labels, self.classes)

    def finalize(self, validation: Any) -> dict[str, Any]:
        """After training (best epoch kept): fix selection state on validation; saved in the checkpoint."""
        return {}

    def restore(self, meta: Mapping[str, Any]) -> None:
        """Restore the selection state that :meth:`finalize` returned, from checkpoint ``meta``."""

    def steps_per_epoch(self, data: Any) -> int | None:
        """Optimiser steps per epoch when known in advance (None: counted in epoch 1)."""
        return None

    # -- Model interface
    def fingerprint(self) -> dict[str, Any]:
        """What identifies a trained checkpoint (JSON-normalised: plain types only)."""
        raw = {"kind": self.kind, "classes": self.classes, "params": self.params, "seed": self.seed}
        return json.loads(json.dumps(raw, default=str, sort_keys=True))

    def fit(self, train: Any, validation: Any, workdir: Path) -> dict[str, Any]:
        workdir = Path(workdir)
        ckpt = workdir / CHECKPOINT
        if ckpt.exists() and (workdir / SUMMARY).exists():
            _, meta = load_checkpoint(ckpt)
            if meta.get("fingerprint") == self.fingerprint():
                log.info(
                    "%s: %s already holds a trained checkpoint of this model: loading it", self.kind, workdir
                )
                self.load(workdir)
                return {**self.summary, "reused_checkpoint": True}
        rng = seed_everything(self.seed)
        y = encode_labels(train.labels, self.classes, where="training labels")
        if len(y) == 0:
            raise LabelError(f"{self.kind}: the training split is empty")
        self.prior = np.bincount(y, minlength=len(self.classes)) / len(y)
        self.module = self.build()
        weights = class_weights(y, len(self.classes)) if self.train_params.weighted_loss else None
        if weights is not None:
            log.info(
                "%s: class weights %s", self.kind, dict(zip(self.classes, weights.tolist(), strict=True))
            )
        has_val = len(validation) > 0

        def evaluate() -> float | None:
            return self.validate(validation) if has_val else None

        meta = {"fingerprint": self.fingerprint(), "prior": self.prior.tolist()}
        result = train_loop(
            self.module,
            self.forward,
            lambda epoch: self.train_batches(train, y, rng),
            evaluate,
            params=self.train_params,
            runtime=self.runtime,
            checkpoint=ckpt,
            weights=weights,
            steps_per_epoch=self.steps_per_epoch(train),
            meta=meta,
            name=self.kind,
        )
        extra = self.finalize(validation) if has_val else {}
        if extra:  # selection state (e.g. a vote threshold) of the kept epoch, needed by load()
            save_checkpoint(ckpt, self.module, {**meta, "epoch": result.best_epoch, **extra})
        self.summary = {
            "kind": self.kind,
            "device": self.runtime.describe(),
            "n_train": len(train),
            "n_validation": len(validation),
            "checkpoint": str(ckpt),
            **extra,
            **result.summary(),
        }
        (workdir / SUMMARY).write_text(json.dumps(self.summary, indent=2, default=str))
        return self.summary

    def load(self, workdir: Path) -> None:
        """Restore the trained network from ``workdir/checkpoint.pt`` (written by :meth:`fit`)."""
        workdir = Path(workdir)
        state, meta = load_checkpoint(workdir / CHECKPOINT)
        fp = meta.get("fingerprint", {})
        if fp.get("kind") != self.kind or fp.get("classes") != self.classes:
            raise ModelLoadError(
                f"{workdir / CHECKPOINT}: checkpoint of kind {fp.get('kind')!r} with classes "
                f"{fp.get('classes')}, expected {self.kind!r} with {self.classes}"
            )
        self.prior = np.asarray(meta.get("prior") or np.full(len(self.classes), 1 / len(self.classes)))
        self.restore(meta)
        module = self.build()
        module.load_state_dict(state)
        self.module = module.to(self.runtime.device)
        summary = workdir / SUMMARY
        self.summary = (
            json.loads(summary.read_text()) if summary.exists() else {"best_epoch": meta.get("epoch")}
        )

    def predict(self, data: Any) -> tuple[list[str], np.ndarray]:
        if self.module is None:
            raise ModelLoadError(f"{self.kind}: predict before fit or load")
        if len(data) == 0:
            return [], np.zeros((0, len(self.classes)))
        return self.predict_scores(data)


# ----------------------------------------------------------------------------- frame-level models
class FrameTorchModel(TorchModel):
    """A per-frame classifier whose frame labels are voted into video labels (CNN, CLIP).

    Training: every kept frame of a training video (at most ``frames_per_video`` of them, a
    fresh random subset each epoch) is a sample labelled with its video's label. Frames are
    streamed one video at a time (:meth:`VideoData.iter_video_frames`) through a shuffle buffer
    of ``shuffle_buffer`` frames, so memory holds at most that many JPEGs. Class weights (when
    ``weighted_loss``) come from the video labels.

    Prediction: each kept frame (at most ``predict_frames_per_video``, evenly spaced; 0 = all)
    gets the arg-max label of the network; :func:`polimodal.aggregate.aggregate` turns them into
    video labels — binary tasks: positive iff the number of positive frames (``vote: count``) or
    their share (``vote: fraction``) is ``> threshold``; ``threshold: auto`` picks it on the
    validation split (best macro F1) after training; multiclass: the mode of the frame labels.
    The positive class of a binary task is ``positive`` (default: the second of the task's
    values). Scores are the vote fractions (share of frames per class). A video without a kept
    frame is negative (binary) or gets the training majority class (multiclass).
    """

    frame_param_names: ClassVar[tuple[str, ...]] = (
        "frames_per_video",
        "predict_frames_per_video",
        "shuffle_buffer",
        "threshold",
        "vote",
        "positive",
        "image_size",
    )

    def __init__(self, classes: Sequence[str], params: dict[str, Any] | None = None, seed: int = 0) -> None:
        super().__init__(classes, params, seed)
        p = self.params
        self.frames_per_video = int(p.get("frames_per_video", 16) or 0)
        self.predict_frames_per_video = int(p.get("predict_frames_per_video", 0) or 0)
        self.shuffle_size = int(p.get("shuffle_buffer", 1024) or 1)
        self.vote = str(p.get("vote", "count"))
        if self.vote not in ("count", "fraction"):
            raise ConfigError(f"model kind {self.kind}: vote must be count or fraction, got {self.vote!r}")
        threshold = p.get("threshold", "auto")
        self.auto_threshold = threshold in (None, "auto")
        self.threshold = 0.0 if self.auto_threshold else float(threshold)
        self.positive: str | None = None
        if len(self.classes) == 2:
            self.positive = str(p.get("positive") or self.classes[1])
            if self.positive not in self.classes:
                raise ConfigError(f"model kind {self.kind}: positive {self.positive!r} not in {self.classes}")

    @abstractmethod
    def collate(self, data: Any, video_index: list[int], jpegs: list[bytes]) -> Inputs:
        """Network inputs for frames ``jpegs`` of the videos at ``video_index`` of ``data``."""

    # -- streams
    def _training_frames(self, data: Any, rng: np.random.Generator) -> Iterator[tuple[int, bytes]]:
        pos = {v: i for i, v in enumerate(data.video_ids)}
        for vid, jpegs in data.iter_video_frames():
            for jpeg in cap_frames(jpegs, self.frames_per_video, rng):
                yield pos[vid], jpeg

    def train_batches(
        self, data: Any, y: np.ndarray, rng: np.random.Generator
    ) -> Iterator[tuple[Inputs, torch.Tensor]]:
        stream = shuffle_buffer(self._training_frames(data, rng), self.shuffle_size, rng)
        for chunk in batched(stream, self.train_params.batch_size):
            idx = [i for i, _ in chunk]
            yield self.collate(data, idx, [j for _, j in chunk]), torch.as_tensor(y[idx])

    def frame_predictions(self, data: Any) -> tuple[list[str], list[str], np.ndarray]:
        """``(frame video ids, frame labels, frame probabilities)`` of the kept frames of ``data``."""
        assert self.module is not None
        pos = {v: i for i, v in enumerate(data.video_ids)}
        owners: list[str] = []

        def frames() -> Iterator[tuple[int, bytes]]:
            for vid, jpegs in data.iter_video_frames():
                for jpeg in cap_frames(jpegs, self.predict_frames_per_video):
                    owners.append(vid)
                    yield pos[vid], jpeg

        batches = (
            self.collate(data, [i for i, _ in chunk], [j for _, j in chunk])
            for chunk in batched(frames(), self.train_params.predict_batch_size)
        )
        probs = predict_proba(self.module, self.forward, batches, self.runtime, len(self.classes))
        labels = [self.classes[i] for i in np.argmax(probs, axis=1)] if len(probs) else []
        return owners, labels, probs

    # -- aggregation
    def _aggregate(self, data: Any, owners: list[str], labels: list[str]) -> tuple[list[str], np.ndarray]:
        from polimodal.aggregate import aggregate

        default = (
            self.classes[int(np.argmax(self.prior))] if getattr(self, "prior", None) is not None else None
        )
        return aggregate(
            owners,
            labels,
            data.video_ids,
            self.classes,
            positive=self.positive,
            threshold=self.threshold,
            normalize=self.vote == "fraction",
            default=default,
        )

    def _choose_threshold(self, data: Any, owners: list[str], labels: list[str]) -> None:
        from polimodal.aggregate import choose_threshold, positive_counts

        if self.positive is None or not self.auto_threshold:
            return
        values = positive_counts(
            owners, labels, data.video_ids, self.positive, normalize=self.vote == "fraction"
        )
        self.threshold = choose_threshold(values, [lab == self.positive for lab in data.labels])

    def validate(self, validation: Any) -> float:
        owners, labels, _ = self.frame_predictions(validation)
        self._choose_threshold(validation, owners, labels)
        video_labels, _ = self._aggregate(validation, owners, labels)
        return macro_f1(validation.labels, video_labels, self.classes)

    def finalize(self, validation: Any) -> dict[str, Any]:
        owners, labels, _ = self.frame_predictions(validation)
        self._choose_threshold(validation, owners, labels)
        return {"threshold": self.threshold, "positive": self.positive, "vote": self.vote}

    def restore(self, meta: Mapping[str, Any]) -> None:
        if meta.get("threshold") is not None:
            self.threshold = float(meta["threshold"])

    def predict_scores(self, data: Any) -> tuple[list[str], np.ndarray]:
        owners, labels, _ = self.frame_predictions(data)
        n_empty = len(set(data.video_ids) - set(owners))
        if n_empty:
            log.info("%s: %d of %d videos have no kept frame", self.kind, n_empty, len(data))
        return self._aggregate(data, owners, labels)
