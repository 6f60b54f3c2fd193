"""Figures of the queries (:mod:`polimodal.align.plots`): pitch by group, contact sheets."""

from __future__ import annotations

import numpy as np
from PIL import Image

from polimodal.align.plots import contact_sheet, plot_pitch_by_group
from polimodal.align.stats import pitch_by_group
from polimodal.synthetic.xor import solid_jpeg


def test_plot_pitch_by_group(aligned_words, party_sheet, tmp_path):
    out = plot_pitch_by_group(
        pitch_by_group(aligned_words, party_sheet, "party", pattern="tax"), tmp_path / "q.png", by="party"
    )
    assert Image.open(out).size[0] > 300


def test_contact_sheet_grid_and_an_empty_one(tmp_path):
    red, blue = solid_jpeg((200, 0, 0), size=32), solid_jpeg((0, 0, 200), size=32)
    sheet = contact_sheet([("a", red), ("b", blue)], tmp_path / "sheet.jpg", columns=2, side=64)
    assert Image.open(sheet).size == (128, 64 + 16)
    assert np.asarray(Image.open(sheet))[32, 96, 2] > 150  # the second cell is blue
    blank = contact_sheet([], tmp_path / "none.jpg")  # says so rather than failing the report
    assert Image.open(blank).size[1] == 40
