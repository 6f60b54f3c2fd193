"""Loading a CLIP (:mod:`polimodal.nn.clip`), with the tiny *untrained* CLIP of conftest.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from polimodal.errors import ModelLoadError
from polimodal.nn.clip import load_clip
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
