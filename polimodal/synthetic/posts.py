"""The "agree" posts corpus: the label is whether a post's text and image name the same colour.

FND-CLIP's premise is that what matters is whether text and image agree. Each post's text names a
colour (``red``, ``green`` or ``blue``, in one of several sentences) and its images show one (noisy
solid colour); the label is ``agree`` when they match, else ``disagree``. The corpus is balanced
so that text alone and image alone carry nothing: every colour word occurs as often in agreeing as
in disagreeing posts, and so does every image colour (each of the 3 agreeing combinations has
``2m`` posts, each of the 6 disagreeing ones ``m``). A model beats chance only by relating the two.

:func:`multilingual_agree_posts`: the same task in English, Spanish, Danish and German (texts of
frequent real words, wordfreq). :func:`make_agree_corpus` and :func:`make_multilingual_agree_corpus`
return VideoData splits (tests, benchmarks); :func:`write_agree_posts` (the workflow test) and
:func:`write_multilingual_agree_posts` (the demo, :func:`make_demo_posts`) write a posts sheet
and image files.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from polimodal.corpus.schemas import DEDUP, FRAMES, write_parquet
from polimodal.data.frames import FrameStore
from polimodal.data.videodata import VideoData
from polimodal.synthetic.xor import solid_jpeg

#: Colours of the agree corpus (RGB).
AGREE_COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (200, 30, 30),
    "green": (30, 170, 40),
    "blue": (30, 60, 200),
}
#: Sentences naming a colour (``{c}``).
AGREE_SENTENCES = (
    "our new poster is {c}",
    "look at this {c} picture from the rally",
    "the campaign colour is {c} this year",
    "everything here is painted {c}",
)


#: The agree colours in the four languages of the posts study (interest groups in the US, Spain,
#: Denmark and Germany), and the country each language's posts come from.
COLOUR_WORDS: dict[str, dict[str, str]] = {
    "en": {"red": "red", "green": "green", "blue": "blue"},
    "es": {"red": "rojo", "green": "verde", "blue": "azul"},
    "da": {"red": "rød", "green": "grøn", "blue": "blå"},
    "de": {"red": "rot", "green": "grün", "blue": "blau"},
}
COUNTRIES = {"en": "US", "es": "ES", "da": "DK", "de": "DE"}


def _filler_words(language: str, n: int = 300) -> list[str]:
    """Frequent real words of ``language`` (wordfreq), without any colour word of any language."""
    from wordfreq import top_n_list

    colours = {w for words in COLOUR_WORDS.values() for w in words.values()}
    return [w for w in top_n_list(language, n) if w not in colours and w.isalpha() and len(w) > 1]


def multilingual_agree_posts(
    m: int, languages: tuple[str, ...] = ("en", "es", "da", "de"), seed: int = 0, filler: int = 6
) -> list[dict[str, Any]]:
    """The agree task in several languages: :func:`agree_posts` per language, texts of real words.

    Each post's text is ``filler`` frequent words of its language (wordfreq) with the colour word
    in the language put among them at a random place; ``language`` and ``country`` say where it
    is from. Balanced within each language as :func:`agree_posts` (``12m`` posts per language).
    """
    rng = np.random.default_rng(seed)
    posts = []
    for li, lang in enumerate(languages):
        if lang not in COLOUR_WORDS:
            raise ValueError(f"no colour words for language {lang!r} (have {sorted(COLOUR_WORDS)})")
        words = _filler_words(lang)
        for post in agree_posts(m, seed=seed * 17 + li):
            text = list(rng.choice(words, size=filler, replace=False))
            text.insert(int(rng.integers(0, filler + 1)), COLOUR_WORDS[lang][post["text_colour"]])
            posts.append({**post, "text": " ".join(text), "language": lang, "country": COUNTRIES[lang]})
    order = rng.permutation(len(posts))
    return [posts[i] for i in order]


def agree_posts(m: int, seed: int = 0) -> list[dict[str, Any]]:
    """``m`` posts per disagreeing and ``2m`` per agreeing (text colour, image colour), shuffled.

    Each: ``text``, ``text_colour``, ``image_colour``, ``label`` (agree | disagree).
    """
    rng = np.random.default_rng(seed)
    posts = []
    k = 0
    for tc in AGREE_COLOURS:
        for ic in AGREE_COLOURS:
            n = 2 * m if tc == ic else m
            for _ in range(n):
                sentence = AGREE_SENTENCES[k % len(AGREE_SENTENCES)].format(c=tc)
                k += 1
                posts.append(
                    {
                        "text": sentence,
                        "text_colour": tc,
                        "image_colour": ic,
                        "label": "agree" if tc == ic else "disagree",
                    }
                )
    order = rng.permutation(len(posts))
    return [posts[i] for i in order]


def make_agree_corpus(
    out: str | Path,
    m: dict[str, int] | None = None,
    *,
    images_per_post: int = 2,
    size: int = 32,
    seed: int = 0,
) -> dict[str, VideoData]:
    """``{"train"|"validation"|"test": VideoData}`` of the agree task (see the module docstring).

    ``m[split]``: posts per disagreeing combination (``2m`` per agreeing one: ``12m`` posts).
    Images are written as FRAMES/DEDUP Parquet files under ``out`` (one frame per image).
    """
    out = Path(out)
    m = m or {"train": 6, "validation": 2, "test": 3}
    frames: list[dict[str, Any]] = []
    dedup: list[dict[str, Any]] = []
    splits = {}
    k = 0
    for s, (split, n) in enumerate(m.items()):
        ids, labels, texts = [], [], []
        for i, post in enumerate(agree_posts(n, seed=seed * 31 + s)):
            pid = f"{split}_{i:04d}_{post['text_colour']}_{post['image_colour']}"
            ids.append(pid)
            labels.append(post["label"])
            texts.append(post["text"])
            for f in range(images_per_post):
                k += 1
                jpeg = solid_jpeg(AGREE_COLOURS[post["image_colour"]], size, seed=seed * 100_003 + k)
                _add_frame(frames, dedup, pid, f, jpeg, size)
        splits[split] = VideoData(ids, labels, texts)
    return _with_frames(splits, frames, dedup, out)


def make_multilingual_agree_corpus(
    out: str | Path,
    m: dict[str, int] | None = None,
    *,
    languages: tuple[str, ...] = ("en", "es", "da", "de"),
    size: int = 32,
    noise: int = 25,
    filler: int = 6,
    seed: int = 0,
) -> dict[str, VideoData]:
    """:func:`make_agree_corpus` of :func:`multilingual_agree_posts`: one image per post.

    ``m[split]``: posts per disagreeing combination and language (``12m · len(languages)`` posts).
    Post ids are ``{split}_{i}_{language}_{text colour}_{image colour}``.
    """
    out = Path(out)
    m = m or {"train": 4, "validation": 1, "test": 2}
    frames: list[dict[str, Any]] = []
    dedup: list[dict[str, Any]] = []
    splits = {}
    for s, (split, n) in enumerate(m.items()):
        ids, labels, texts = [], [], []
        for i, post in enumerate(multilingual_agree_posts(n, languages, seed=seed * 31 + s, filler=filler)):
            pid = f"{split}_{i:04d}_{post['language']}_{post['text_colour']}_{post['image_colour']}"
            ids.append(pid)
            labels.append(post["label"])
            texts.append(post["text"])
            rgb = AGREE_COLOURS[post["image_colour"]]
            jpeg = solid_jpeg(rgb, size, noise=noise, seed=seed * 100_003 + s * 10_007 + i)
            _add_frame(frames, dedup, pid, 0, jpeg, size)
        splits[split] = VideoData(ids, labels, texts)
    return _with_frames(splits, frames, dedup, out)


def _add_frame(
    frames: list[dict[str, Any]], dedup: list[dict[str, Any]], pid: str, idx: int, jpeg: bytes, size: int
) -> None:
    """One post image as a kept frame: its FRAMES row and its DEDUP row."""
    frames.append({"video_id": pid, "frame_idx": idx, "timestamp": float(idx), "width": size, "height": size,
                   "jpeg": jpeg})  # fmt: skip
    dedup.append({"video_id": pid, "frame_idx": idx, "timestamp": float(idx), "kept": True,
                  "duplicate_of": None, "max_similarity": None})  # fmt: skip


def _with_frames(
    splits: dict[str, VideoData], frames: list[dict[str, Any]], dedup: list[dict[str, Any]], out: Path
) -> dict[str, VideoData]:
    """The splits reading their frames from one FRAMES + DEDUP pair written under ``out``."""
    store = FrameStore(
        [write_parquet(frames, out / "frames.parquet", FRAMES)],
        [write_parquet(dedup, out / "dedup.parquet", DEDUP)],
    )
    return {k: VideoData(v.video_ids, v.labels, v.texts, store) for k, v in splits.items()}


def _png(rgb: tuple[int, int, int], size: int, seed: int) -> bytes:
    """A noisy solid-colour PNG (the sheet's images go through the real image ingest)."""
    rng = np.random.default_rng(seed)
    pixels = np.asarray(rgb, dtype=np.int16) + rng.integers(-25, 26, size=(size, size, 3))
    buf = io.BytesIO()
    Image.fromarray(pixels.clip(0, 255).astype("uint8")).save(buf, format="PNG")
    return buf.getvalue()


def write_agree_posts(
    out_dir: str | Path, m: int = 3, *, size: int = 48, seed: int = 0, prefix: str = "agree"
) -> tuple[Path, list[dict[str, str]]]:
    """Write ``12m`` agree posts as PNG files under ``out_dir/images`` and return ``(folder, rows)``.

    Each row: ``post_id``, ``text``, ``image`` (absolute path), ``agree`` (the label); the caller
    writes the sheet (with its other rows) via :func:`write_posts_sheet`.
    """
    out = Path(out_dir)
    images = out / "images"
    images.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, post in enumerate(agree_posts(m, seed=seed)):
        pid = f"{prefix}{i:03d}"
        path = images / f"{pid}.png"
        if not path.exists():
            path.write_bytes(_png(AGREE_COLOURS[post["image_colour"]], size, seed * 1000 + i))
        rows.append(
            {"post_id": pid, "text": post["text"], "image": str(path.resolve()), "agree": post["label"]}
        )
    return images, rows


def write_posts_sheet(path: str | Path, rows: list[dict[str, str]]) -> Path:
    """A tab-separated posts sheet of ``rows`` (columns: the union of their keys, in first-seen order)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fields: list[str] = []
    for row in rows:
        fields += [k for k in row if k not in fields]
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, delimiter="\t", restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_multilingual_agree_posts(
    out_dir: str | Path, m: int = 8, *, size: int = 64, filler: int = 4, seed: int = 0
) -> tuple[Path, list[dict[str, str]]]:
    """:func:`write_agree_posts` of :func:`multilingual_agree_posts` (``48m`` posts, ``12m`` per language).

    Each row: ``post_id`` (``{language}{i}``), ``text``, ``image``, ``country`` (US, ES, DK, DE)
    and ``agree``. The language is not written: the workflow detects it from the text.
    """
    out = Path(out_dir)
    images = out / "images"
    images.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, post in enumerate(multilingual_agree_posts(m, seed=seed, filler=filler)):
        pid = f"{post['language']}{i:03d}"
        path = images / f"{pid}.png"
        if not path.exists():
            path.write_bytes(_png(AGREE_COLOURS[post["image_colour"]], size, seed * 1000 + i))
        rows.append({"post_id": pid, "text": post["text"], "image": str(path.resolve()),
                     "country": post["country"], "agree": post["label"]})  # fmt: skip
    return images, rows


def make_demo_posts(out_dir: str | Path, m: int = 8) -> Path:
    """The demo's posts corpus: ``48m`` synthetic agree posts in four languages plus bad rows.

    Everything here is synthetic (noisy solid-colour images; texts of frequent real words of
    English, Spanish, Danish or German with a colour word of the language among them), labelled by
    construction (column ``agree``), with the ``country`` of each language. The bad rows show what
    is recorded instead of stopping the run: an image that does not exist, an HTML page saved as an
    image (both posts keep their text), and a post without an image.
    """
    out = Path(out_dir)
    images, rows = write_multilingual_agree_posts(out, m=m)
    page = images / "consent_page.jpg"
    page.write_text("<!DOCTYPE html><html><body>Before you continue, accept the cookies</body></html>")
    rows += [
        {"post_id": "missing_image", "text": "our new poster is red", "image": str(images / "deleted.png"),
         "country": "US", "agree": "agree"},
        {"post_id": "html_image", "text": "the campaign colour is blue this year",
         "image": str(page.resolve()), "country": "US", "agree": "disagree"},
        {"post_id": "text_only", "text": "everything here is painted green", "image": "", "country": "US",
         "agree": "agree"},
    ]  # fmt: skip
    return write_posts_sheet(out / "posts.tsv", rows)
