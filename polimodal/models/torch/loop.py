"""The compact training loop of the torch classifiers, their checkpoints and batched inference.

Why a compact loop and not ``transformers.Trainer`` for these classifiers:

- two of the three are not Hugging Face models with standard inputs (a torchvision CNN; CLIP
  with a fusion head), and the frame models read an *iterable* stream of frames of unknown
  length, where Trainer wants a sized dataset or ``max_steps``;
- the selection criterion is macro F1 **per video** after frame→video aggregation, computed by
  the model's own ``predict``; Trainer's ``compute_metrics`` sees per-sample logits only;
- the workflow wants one checkpoint file in the job's folder.

The loop uses the torch facilities that matter: autocast (:class:`~polimodal.nn.runtime.Runtime`:
bf16 where the GPU supports it, else fp16 with ``torch.amp.GradScaler``), AdamW, a linear
warm-up/decay schedule (``transformers.get_linear_schedule_with_warmup`` semantics), gradient
accumulation and gradient-norm clipping. The objective is a hook (``loss``,
:mod:`polimodal.nn.losses`). Generative models (``models/hf/``) use the ecosystem's trainer.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from polimodal.errors import ModelLoadError
from polimodal.models.selection import BestEpoch
from polimodal.models.torch.params import TrainParams
from polimodal.nn.losses import Loss, Output, logits_of
from polimodal.nn.runtime import Runtime, to_device

log = logging.getLogger(__name__)

#: A model input batch: tensors by name (moved to the device by the loop).
Inputs = dict[str, torch.Tensor]
Forward = Callable[[nn.Module, Inputs], Output]


CHECKPOINT = "checkpoint.pt"


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
    forward: Forward,
    batches: Callable[[int], Iterable[tuple[Inputs, torch.Tensor]]],
    evaluate: Callable[[], float | None],
    *,
    params: TrainParams,
    runtime: Runtime,
    checkpoint: Path,
    loss: Loss,
    steps_per_epoch: int | None = None,
    meta: Mapping[str, Any] | None = None,
    name: str = "model",
) -> TrainResult:
    """Fine-tune ``module``; keep (and reload) the epoch with the best validation macro F1.

    ``batches(epoch)`` yields ``(inputs, targets)`` micro-batches; ``forward(module, inputs)``
    returns logits (or a mapping holding them), which ``loss(output, targets)`` scores;
    ``evaluate()`` returns the validation macro F1 of the module as it is now (None when there
    is no validation data: then the last epoch is kept). Each better epoch is saved to
    ``checkpoint`` (state dict + ``meta`` + epoch); training stops after ``params.patience``
    epochs without improvement. ``steps_per_epoch`` (optimiser steps) sizes the warm-up/decay
    schedule; when unknown it is counted during the first epoch (which then runs at the full
    learning rate).
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
    if isinstance(loss, nn.Module):
        loss.to(runtime.device)
    log.info(
        "%s: training on %s, up to %d epochs, batch %d × accum %d, lr %g, loss %s",
        name,
        runtime.describe(),
        params.epochs,
        params.batch_size,
        params.grad_accum,
        params.lr,
        loss,
    )
    result = TrainResult(best_epoch=0, best_val_macro_f1=None, epochs_run=0, stopped_early=False)
    best = BestEpoch(params.patience)
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
                output = forward(module, inputs)
            value = loss(output, targets)
            scaler.scale(value / params.grad_accum).backward()
            pending += 1
            n_micro += 1
            n_samples += len(targets)
            loss_sum += float(value.detach())
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
        if best.update(epoch, val):
            result.best_epoch, result.best_val_macro_f1 = best.best_epoch, best.best_value
            save_checkpoint(checkpoint, module, {**(meta or {}), "epoch": epoch, "val_macro_f1": val})
        elif best.should_stop and epoch < params.epochs:
            result.stopped_early = True
            log.info("%s: early stop after epoch %d (no improvement for %d epochs)", name, epoch, best.stale)
            break
    if result.best_epoch != result.epochs_run:
        state, _ = load_checkpoint(checkpoint)
        module.load_state_dict(state)
    log.info("%s: kept epoch %d (validation macro F1 %s)", name, result.best_epoch, result.best_val_macro_f1)
    return result


@torch.no_grad()
def predict_proba(
    module: nn.Module,
    forward: Forward,
    batches: Iterable[Inputs],
    runtime: Runtime,
    n_classes: int,
) -> np.ndarray:
    """Softmax probabilities ``(n, n_classes)`` (float64) of every batch, in order."""
    module.eval()
    out = []
    for inputs in batches:
        with runtime.autocast():
            logits = logits_of(forward(module, to_device(inputs, runtime.device)))
        out.append(torch.softmax(logits.float(), dim=-1).cpu().numpy().astype(np.float64))
    return np.concatenate(out) if out else np.zeros((0, n_classes))
