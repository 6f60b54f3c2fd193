"""OCR of kept frames (polimodal.extract.ocr) on frames with known text drawn by ffmpeg."""

from __future__ import annotations

import io
import re
import socket
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from PIL import Image

from polimodal.corpus.ocr_schemas import OCR_LINES, OCR_SKIPPED, OCR_TEXTS
from polimodal.corpus.schemas import DEDUP, FRAMES, read_parquet, write_parquet
from polimodal.errors import ConfigError
from polimodal.extract.ocr import FrameUnreadable, OcrEngine, OcrOptions, load_ocr, mark_new, ocr_shard, tiles
from polimodal.synthetic.screen import TEXTS, font_file, text_frame


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def recall(truth: list[str], read: str) -> float:
    found = set(words(read))
    return sum(w in found for w in truth) / len(truth)


@pytest.fixture(scope="module")
def engine() -> OcrEngine:
    return load_ocr(OcrOptions(), threads=1)


def test_models_load_and_read_without_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Loading and reading open no connection (the models and the characters are in the wheel)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"ocr opened a network connection: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    jpeg = text_frame(tmp_path / "a.jpg", TEXTS["fr"][:1]).read_bytes()
    lines = load_ocr(OcrOptions(), threads=1).read(jpeg)
    assert [line.text for line in lines] == ["élection présidentielle"]


#: Frame sizes (the stored frames' default max_side 384, and 640) and font sizes drawn on them.
SIZES = (((384, 216), (14, 22)), ((640, 360), (24, 40)))


def _recall(engine: OcrEngine, tmp_path: Path, lang: str, background: str) -> tuple[int, int]:
    found = total = 0
    for size, fonts in SIZES:
        for font in fonts:
            frame = text_frame(
                tmp_path / "f.jpg", TEXTS[lang], size=size, background=background, fontsize=font
            )
            read = " ".join(line.text for line in engine.read(frame.read_bytes()))
            truth = words(" ".join(TEXTS[lang]))
            found += round(recall(truth, read) * len(truth))
            total += len(truth)
    return found, total


@pytest.mark.parametrize("lang", sorted(TEXTS))
def test_word_recall_french_german_spanish(engine: OcrEngine, tmp_path: Path, lang: str) -> None:
    """Two lines with accents over a plain and a textured picture, at two frame and font sizes."""
    found = total = 0
    for background in ("color=c=navy", "mandelbrot"):
        f, t = _recall(engine, tmp_path, lang, background)
        found, total = found + f, total + t
    print(f"{lang}: word recall {found / total:.3f} ({found} of {total} words, 8 frames)")
    assert found / total >= 0.9
    # over SMPTE colour bars (high contrast behind the text's box) the small recogniser drops
    # some spaces ("ZukunftEuropas"): lower word recall, measured and printed, not hidden
    f, t = _recall(engine, tmp_path, lang, "smptebars")
    print(f"{lang}: word recall over colour bars {f / t:.3f} ({f} of {t} words, 4 frames)")
    assert f / t >= 0.7


def test_frame_without_text_reads_nothing(engine: OcrEngine, tmp_path: Path) -> None:
    for background in ("color=c=navy", "mandelbrot"):
        assert engine.read(text_frame(tmp_path / "blank.jpg", [], background=background).read_bytes()) == []
    # a Mandelbrot set reads as a "0" the size of the frame at confidence 0.51-0.81: below
    # min_score, or dropped as a shape (one character over half the frame high)
    small = text_frame(tmp_path / "small.jpg", [], size=(320, 240), background="mandelbrot").read_bytes()
    assert engine.read(small) == []


def _jpeg(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="JPEG")
    return buf.getvalue()


def test_one_pixel_and_undecodable_frames_are_unreadable(engine: OcrEngine) -> None:
    with pytest.raises(FrameUnreadable, match="1x1 px"):
        engine.read(_jpeg(np.zeros((1, 1, 3), np.uint8)))
    with pytest.raises(FrameUnreadable, match="cannot decode"):
        engine.read(b"not an image")
    assert engine.read(_jpeg(np.full((2, 2, 3), 200, np.uint8))) == []


def test_10000_px_wide_banner_is_read_in_tiles(engine: OcrEngine) -> None:
    from PIL import ImageDraw, ImageFont

    im = Image.new("RGB", (10_000, 120), "white")
    font = ImageFont.truetype(str(font_file()), 48)
    ImageDraw.Draw(im).text((5_200, 30), "campaña electoral", fill="black", font=font)
    lines = engine.read(_jpeg(np.asarray(im)))  # scaled down whole to 2000 px, it reads nothing
    assert [line.text for line in lines] == ["campaña electoral"]
    assert 5_150 < lines[0].box[0] < 5_250  # in the whole image's coordinates
    assert len(tiles(np.zeros((120, 10_000, 3), np.uint8), 2000)) == 7
    assert len(tiles(np.zeros((1500, 3000, 3), np.uint8), 2000)) == 1  # not a banner: scaled down


def test_mark_new_counts_a_chyron_once() -> None:
    frames = [
        ["Breaking News: vote tonight"],
        ["Breaking News: vote tonight", "Jean Dupont, député"],
        ["Breaking News: vote t0night"],  # misread once: near-identical
        [],  # one frame without it
        ["Breaking News: vote tonight"],  # back within two frames: the same chyron
        [],
        [],
        ["Breaking News: vote tonight"],  # gone for two frames: shown again
    ]
    assert mark_new(frames, 0.8) == [[True], [False, True], [False], [], [False], [], [], [True]]
    assert mark_new([["a b", "A  B"]], 0.8) == [[True, False]]  # repeated on one frame: once


def _frames_table(tmp_path: Path, frames: dict[str, list[bytes | None]]) -> tuple[Path, Path]:
    rows, dedup = [], []
    for vid, jpegs in frames.items():
        for i, jpeg in enumerate(jpegs):
            rows.append(
                {
                    "video_id": vid,
                    "frame_idx": i,
                    "timestamp": float(i),
                    "width": 640,
                    "height": 360,
                    "jpeg": jpeg,
                }
            )
            dedup.append({"video_id": vid, "frame_idx": i, "timestamp": float(i), "kept": jpeg is not None})
    return write_parquet(rows, tmp_path / "frames.parquet", FRAMES), write_parquet(
        dedup, tmp_path / "dedup.parquet", DEDUP
    )


def test_ocr_shard_writes_lines_texts_and_skipped(tmp_path: Path) -> None:
    fr = TEXTS["fr"]
    chyron = [
        text_frame(tmp_path / f"c{i}.jpg", fr, background=b).read_bytes()
        for i, b in enumerate(("color=c=navy", "mandelbrot"))
    ]
    german = text_frame(tmp_path / "de.jpg", TEXTS["de"][:1]).read_bytes()
    blank = text_frame(tmp_path / "blank.jpg", []).read_bytes()
    frames, dedup = _frames_table(
        tmp_path,
        {
            "v1": [chyron[0], None, chyron[1], german, b"broken"],  # None: a dropped near-duplicate
            "silent": [blank],
            "dropped": [None],
        },
    )
    out = [tmp_path / "ocr" / f"{n}.parquet" for n in ("lines", "texts", "skipped")]
    ocr_shard(frames, *out, OcrOptions(), dedup=dedup)
    lines = read_parquet(out[0], OCR_LINES).to_pylist()
    assert [(r["frame_idx"], r["text"], r["new"]) for r in lines] == [
        (0, fr[0], True),
        (0, fr[1], True),
        (2, fr[0], False),
        (2, fr[1], False),
        (3, TEXTS["de"][0], True),
    ]
    assert all(len(r["box"]) == 8 and 0.8 <= r["score"] <= 1 for r in lines)
    texts = {r["video_id"]: r for r in read_parquet(out[1], OCR_TEXTS).to_pylist()}
    assert texts["v1"]["text"] == "\n".join([*fr, TEXTS["de"][0]])
    assert (texts["v1"]["n_frames"], texts["v1"]["n_lines"]) == (3, 5)
    assert texts["silent"] == {"video_id": "silent", "n_frames": 1, "n_lines": 0, "text": ""}
    assert texts["dropped"]["n_frames"] == 0
    skipped = read_parquet(out[2], OCR_SKIPPED).to_pylist()
    assert [(r["video_id"], r["frame_idx"]) for r in skipped] == [("v1", 4)]
    assert "cannot decode" in skipped[0]["reason"]


def test_options_are_checked() -> None:
    assert OcrOptions.from_config(None) == OcrOptions()
    assert OcrOptions().enabled is False
    with pytest.raises(ConfigError, match="ocr"):
        OcrOptions.from_config({"min_score": 2})
    with pytest.raises(ConfigError, match="max_side"):
        OcrOptions.from_config({"max_side": 10})
    with pytest.raises(ConfigError, match="langs"):
        OcrOptions.from_config({"langs": ["fr"]})
    assert pa.types.is_fixed_size_list(OCR_LINES.field("box").type)


def test_startup_checks_the_ocr_section() -> None:
    from polimodal.startup import check_ocr

    check_ocr({})  # off by default
    check_ocr({"ocr": {"enabled": True}})  # the models of rapidocr's wheel are found
    with pytest.raises(ConfigError, match=r"ocr\.rec_model"):
        check_ocr({"ocr": {"enabled": True, "rec_model": "package:rapidocr/models/missing.onnx"}})
    with pytest.raises(ConfigError, match="similarity"):
        check_ocr({"ocr": {"similarity": 1.5}})
    svm = {"models": {"svm": {"kind": "svm", "text_fields": ["transcript", "ocr"]}}}
    with pytest.raises(ConfigError, match=r"models\.svm\.text_fields.*ocr\.enabled: true"):
        check_ocr(svm, ["svm"])
    check_ocr({**svm, "ocr": {"enabled": True}}, ["svm"])


def test_plan_prices_the_ocr_stage_per_hour_of_video() -> None:
    import pandas as pd

    from polimodal.plan.pricing import plan
    from polimodal.stages import COSTS, stage_of

    assert stage_of("ocr").name == "ocr" and COSTS["ocr.cpu"].measured
    sheet = pd.DataFrame({"video_id": ["a", "b"], "source": ["x", "y"]})
    result = plan({"ocr": {"enabled": True}}, sheet, {"ocr": 1}, minutes_per_video=30)
    (row,) = [r for r in result.rows if r.stage == "ocr"]
    assert row.core_hours == pytest.approx(COSTS["ocr.cpu"].value * 1.0 / 3600)  # one hour at 1 fps
    half = plan({"frames": {"fps": 0.5}}, sheet, {"ocr": 1}, minutes_per_video=30)
    assert [r.core_hours for r in half.rows if r.stage == "ocr"] == [pytest.approx(row.core_hours / 2)]
