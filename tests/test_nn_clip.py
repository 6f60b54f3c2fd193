"""Loading a CLIP (:mod:`polimodal.nn.clip`): the tiny *untrained* CLIP, AltCLIP and SigLIP of conftest.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from polimodal.errors import ModelLoadError
from polimodal.nn.clip import clip_tokens, image_features, load_clip, text_features
from polimodal.nn.images import CLIP_MEAN, CLIP_STD


def test_load_clip_and_its_image_statistics(tiny_clip: Path, tmp_path: Path) -> None:
    loaded = load_clip(str(tiny_clip), who="clip")
    assert loaded.image_size == 32 and loaded.text_positions == 77
    assert len(loaded.mean) == len(loaded.std) == 3
    assert loaded.tokenizer(["a text"])["input_ids"]
    # a folder without an image processor: CLIP's own mean/std
    bare = shutil.copytree(tiny_clip, tmp_path / "bare")
    (bare / "preprocessor_config.json").unlink()
    plain = load_clip(str(bare), who="clip")
    assert (plain.mean, plain.std) == (CLIP_MEAN, CLIP_STD)


def test_an_unloadable_clip_names_the_model_kind(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelLoadError, match=r"fndclip: cannot load CLIP '.*empty'"):
        load_clip(str(tmp_path / "empty"), who="fndclip")


@pytest.mark.parametrize(
    ("fixture", "cls", "positions", "mask"),
    [
        ("tiny_clip", "CLIPModel", 77, True),
        ("tiny_altclip", "AltCLIPModel", 512, True),  # XLM-R text tower: 514 positions, 512 tokens
        ("tiny_siglip", "SiglipModel", 64, False),  # SigLIP's text tower reads no mask
    ],
)
def test_multilingual_clips_load_by_their_config(
    fixture: str, cls: str, positions: int, mask: bool, request: pytest.FixtureRequest
) -> None:
    """AltCLIP (stand-in for BAAI/AltCLIP-m18) and SigLIP (for the multilingual SigLIP) load
    through the Auto classes, with their own tokenizer, image statistics and embeddings."""
    loaded = load_clip(str(request.getfixturevalue(fixture)), who="clip")
    assert type(loaded.model).__name__ == cls
    assert loaded.text_positions == positions and loaded.text_mask is mask and loaded.image_size == 32
    if fixture == "tiny_siglip":
        assert loaded.mean == (0.5, 0.5, 0.5)  # SigLIP's own image statistics, not CLIP's
    texts = ["Folketinget stemmer i dag.", "El senado vota hoy el presupuesto de este año."]
    ids, attention = clip_tokens(loaded.tokenizer, texts, min(77, positions))
    assert ids.shape == attention.shape == (2, min(77, positions))
    assert bool(attention.all()) is not mask
    with torch.no_grad():
        t = text_features(loaded.model.eval(), ids, attention)
        v = image_features(loaded.model, torch.rand(3, 3, 32, 32))
    assert t.shape == (2, loaded.embed_dim) and v.shape == (3, loaded.embed_dim)


def test_a_model_without_embeddings_is_not_a_clip(tiny_bert: Path) -> None:
    with pytest.raises(ModelLoadError, match="BertModel, not a CLIP-like dual encoder"):
        load_clip(str(tiny_bert), who="clip")
