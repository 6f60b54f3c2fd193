"""Generative models (instruction-tuned LLMs, vision-language models) trained with the ecosystem's
trainer (transformers ``Trainer`` / TRL + peft). Empty until those kinds land."""
