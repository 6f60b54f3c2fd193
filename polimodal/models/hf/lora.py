"""LoRA fine-tuning of a generative model with transformers' ``Trainer`` and peft.

- adapters (peft ``LoraConfig``) on the **language model's** attention projections only: the
  target is a regex over module names that excludes the vision tower (``vision``/``visual``/
  ``image`` in the path) unless ``lora_vision`` is set; peft's plain ``["q_proj", "v_proj"]`` would
  also hit a VLM's vision encoder. Llama-3.2-Vision (Mllama) has cross-attention layers among its
  language model's layers (``language_model.layers.N.cross_attn``: queries from the text, keys and
  values from the image states): they are language-model layers and get adapters too, which is
  how the adapted model learns to read the images for the task; the vision tower does not;
- loss on the answer tokens only (:meth:`polimodal.models.hf.chat.ChatCodec.example` masks the
  prompt with -100; the model's own shifted cross-entropy ignores it);
- gradient checkpointing, bf16 mixed precision where the GPU supports it (the job's
  :class:`~polimodal.nn.runtime.Runtime`), optional 4-bit QLoRA (quantisation is done at load time,
  :func:`polimodal.models.hf.generative.load_causal`);
- reruns are identical: :func:`train_lora` seeds torch (and Python, NumPy) itself, right before
  peft draws the adapters' initial ``lora_A`` weights from torch's global generator, so they
  depend on ``seed`` only, not on what the job drew from that generator before (converting a GGUF
  file builds a randomly initialised model: the job that converts it, the first one in a fresh
  cache, would otherwise start from other adapters than a rerun); ``Trainer`` then reseeds for
  dropout and data order (``seed``, ``data_seed``). The thread count does not change the result
  on CPU (SmolLM2-135M forward + backward and the tiny LoRA training are bitwise identical with
  ``OMP_NUM_THREADS`` 1 and 2: ``tests/test_models_hf_lora.py``);
- after every epoch :class:`SelectBestEpoch` scores the validation split by answer scoring and
  keeps the adapter of the best validation macro F1 (adapter-only: a few MB, written to
  ``workdir/adapter``), stopping after ``patience`` epochs without improvement.

Why ``Trainer`` and not TRL's ``SFTTrainer``: the examples are already tokenised with the prompt
masked and images attached (the model's processor), which ``SFTTrainer`` would redo from text;
``Trainer`` with a data collator is the smaller surface and still brings accelerate (several GPUs:
``accelerate launch``), mixed precision and gradient accumulation.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from polimodal.models.hf.params import GenerativeParams
from polimodal.models.selection import BestEpoch
from polimodal.nn.runtime import Runtime, seed_everything

log = logging.getLogger(__name__)

#: Module paths of vision encoders / projectors in VLMs (Idefics2/3, SmolVLM, LLaVA, Qwen-VL ...).
VISION_PARTS = ("vision", "visual", "image", "connector", "multi_modal_projector", "perceiver")


def lora_target_regex(targets: Sequence[str], vision: bool = False) -> str:
    """A regex (peft matches it against the full module name) for ``targets`` outside the vision parts."""
    names = "|".join(re.escape(t) for t in targets)
    if vision:
        return rf".*\.({names})$"
    parts = "|".join(VISION_PARTS)
    return rf"^(?!.*({parts})).*\.({names})$"


def add_lora(model: Any, opts: GenerativeParams) -> Any:
    """Wrap ``model`` in peft LoRA adapters (see the module docstring); returns the peft model."""
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    if getattr(model, "is_loaded_in_4bit", False):
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=opts.gradient_checkpointing)
    config = LoraConfig(
        r=opts.lora_r,
        lora_alpha=opts.lora_alpha,
        lora_dropout=opts.lora_dropout,
        target_modules=lora_target_regex(opts.lora_targets, opts.lora_vision),
        bias="none",
        task_type="CAUSAL_LM",
    )
    peft_model = get_peft_model(model, config)
    n = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
    log.info("LoRA r=%d on %s: %.2f M trainable parameters", opts.lora_r, config.target_modules, n / 1e6)
    return peft_model


class ExampleSet(torch.utils.data.Dataset):
    """Training examples built on demand (frames decoded when the batch is made)."""

    def __init__(self, n: int, make: Callable[[int], dict[str, torch.Tensor]]) -> None:
        self.n, self.make = n, make

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return self.make(i)


def _callback_class() -> type:
    from transformers import TrainerCallback

    class SelectBestEpoch(TrainerCallback):
        """After each epoch: validation macro F1 by answer scoring; keep the best adapter."""

        def __init__(self, evaluate: Callable[[], float], adapter_dir: Path, patience: int) -> None:
            self.evaluate, self.adapter_dir = evaluate, adapter_dir
            self.best = BestEpoch(patience)
            self.history: list[dict[str, Any]] = []
            self.best_state: dict[str, torch.Tensor] | None = None

        def on_epoch_end(self, args: Any, state: Any, control: Any, model: Any = None, **kw: Any) -> Any:
            from peft import get_peft_model_state_dict

            epoch = round(state.epoch or 0)
            f1 = float(self.evaluate())
            self.history.append({"epoch": epoch, "val_macro_f1": round(f1, 4)})
            log.info("epoch %d: validation macro F1 %.4f (best %s)", epoch, f1, self.best.best_value)
            if self.best.update(epoch, f1):
                self.best_state = {
                    k: v.detach().cpu().clone() for k, v in get_peft_model_state_dict(model).items()
                }
                if state.is_world_process_zero:
                    model.save_pretrained(self.adapter_dir)
            elif self.best.should_stop:
                log.info("no better validation macro F1 for %d epochs: stopping", self.best.stale)
                control.should_training_stop = True
            return control

    return SelectBestEpoch


def _rounded(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(value, 4)


def train_lora(
    model: Any,
    train_set: torch.utils.data.Dataset,
    collate: Callable[[list[dict[str, torch.Tensor]]], dict[str, torch.Tensor]],
    val_macro_f1: Callable[[], float],
    opts: GenerativeParams,
    workdir: Path,
    *,
    seed: int = 0,
    runtime: Runtime,
) -> tuple[Any, dict[str, Any]]:
    """Train LoRA adapters on ``train_set`` with ``Trainer`` on ``runtime`` (the model's device and
    precision; ``device_map`` models run where accelerate put them); return the peft model holding
    the best epoch's adapter (also in ``workdir/adapter``) and a summary."""
    from peft import set_peft_model_state_dict
    from transformers import Trainer, TrainingArguments

    seed_everything(seed)  # the adapters' initial weights: from the seed, not from what drew before
    peft_model = add_lora(model, opts)
    if opts.gradient_checkpointing:
        peft_model.enable_input_require_grads()
    use_cpu = runtime.device.type == "cpu" and not opts.device_map
    steps = math.ceil(math.ceil(len(train_set) / opts.batch_size) / opts.grad_accum) * opts.epochs
    args = TrainingArguments(
        output_dir=str(workdir / "trainer"),
        num_train_epochs=opts.epochs,
        per_device_train_batch_size=opts.batch_size,
        gradient_accumulation_steps=opts.grad_accum,
        learning_rate=opts.lr,
        weight_decay=opts.weight_decay,
        warmup_steps=int(opts.warmup_ratio * steps),
        max_grad_norm=opts.max_grad_norm or 1e9,
        lr_scheduler_type="linear",
        logging_steps=opts.log_every,
        save_strategy="no",
        eval_strategy="no",
        report_to="none",
        seed=seed,
        data_seed=seed,
        bf16=runtime.bf16,
        use_cpu=use_cpu,
        gradient_checkpointing=opts.gradient_checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False} if opts.gradient_checkpointing else None,
        remove_unused_columns=False,
        dataloader_num_workers=0,
        disable_tqdm=True,
    )
    callback = _callback_class()(val_macro_f1, workdir / "adapter", opts.patience)
    trainer = Trainer(
        model=peft_model, args=args, train_dataset=train_set, data_collator=collate, callbacks=[callback]
    )
    result = trainer.train()
    if callback.best_state is not None:
        set_peft_model_state_dict(peft_model, callback.best_state)
    peft_model.eval()
    summary = {
        "finetune": "lora",
        "best_epoch": callback.best.best_epoch,
        "best_val_macro_f1": _rounded(callback.best.best_value),
        "epochs_run": len(callback.history),
        "history": callback.history,
        "train_loss": round(float(result.training_loss), 4) if np.isfinite(result.training_loss) else None,
        "train_seconds": round(float(result.metrics.get("train_runtime", 0.0)), 2),
    }
    return peft_model, summary
