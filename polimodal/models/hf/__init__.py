"""Generative models (instruction-tuned LLMs, vision-language models) as classifiers: kinds ``llm``
and ``vlm`` (:mod:`~polimodal.models.hf.generative`), zero-shot or LoRA-tuned with transformers'
``Trainer`` + peft (:mod:`~polimodal.models.hf.lora`), predicting by answer scoring
(:mod:`~polimodal.models.hf.scoring`) on the task's prompt (:mod:`~polimodal.models.hf.prompts`,
rendered by :mod:`~polimodal.models.hf.chat`). Parameters: :mod:`~polimodal.models.hf.params`."""
