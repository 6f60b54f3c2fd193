"""Cross-modal queries (:mod:`polimodal.align.query`): frames while a word is said, the options."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from polimodal.align.plots import contact_sheet
from polimodal.align.query import QueryOptions, frames_while_said
from polimodal.corpus.schemas import FRAMES, write_parquet
from polimodal.errors import ConfigError
from polimodal.synthetic.xor import solid_jpeg


def test_frames_while_said_make_a_contact_sheet(aligned_words, tmp_path):
    rows = [
        {"video_id": v, "frame_idx": f, "timestamp": float(f), "width": 32, "height": 32,
         "jpeg": solid_jpeg((200, 0, 0) if f == 0 else (0, 0, 200), size=32)}
        for v in ("a1", "b1") for f in range(3)
    ]  # fmt: skip
    path = write_parquet(rows, tmp_path / "frames.parquet", FRAMES)
    items = frames_while_said(aligned_words, [path], pattern="budget")  # word 2 -> frame 1 (blue)
    assert [c for c, _ in items] == ["a1 #1: budget", "b1 #1: budget"]
    assert np.asarray(Image.open(io.BytesIO(items[0][1]))).mean(axis=(0, 1))[2] > 150
    sheet = contact_sheet(items, tmp_path / "sheet.jpg", columns=2, side=64)
    assert Image.open(sheet).size == (128, 64 + 16)
    assert frames_while_said(aligned_words, [path], pattern="nothing") == []


def test_query_options():
    assert not QueryOptions.from_config({}).enabled
    assert QueryOptions.from_config({"words": ["AfD"], "by": ["party"]}).enabled
    with pytest.raises(ConfigError, match="measure"):
        QueryOptions.from_config({"pattern": "x", "measure": "word"})
    with pytest.raises(ConfigError, match="pattern"):
        QueryOptions.from_config({"pattern": "("})
    with pytest.raises(ConfigError, match="unit"):
        QueryOptions.from_config({"pattern": "x", "unit": "sentence"})
