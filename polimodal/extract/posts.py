"""Ingest a shard of posts: the same per-shard tables as videos, so every later stage is shared.

For each post in turn (resumably, through :func:`polimodal.corpus.shards.process_videos`):

- each image is fetched and normalised (:mod:`polimodal.extract.images`) and stored as one row
  of the FRAMES table: ``video_id`` = the post id, ``frame_idx`` = the image's position in the
  post (0-based; a failed image leaves a gap), ``timestamp`` = the same number. Embedding,
  near-duplicate removal (an exact copy of an earlier image of the same post is dropped, as a
  repeated video frame is) and every image-reading model kind (CNN, CLIP, FND-CLIP, ...) then read
  posts unchanged;
- one VIDEOS row per usable post: ``source`` = its images joined by `` | ``, ``source_kind`` =
  ``post``, ``n_frames`` = images stored, ``frames_digest``, the first image's size, no audio;
- the AUDIO table stays empty (posts have no sound: the transcription stage does not run);
- UNAVAILABLE rows (never fatal): each image that could not be had (stage ``image``, ``source`` =
  the image, its kind and reason); a post without an image (stage ``images``, kind ``no_image``)
  or without text (stage ``text``, kind ``empty``) is recorded too, and stays usable.

A post is usable while it has text or at least one stored image. Which models see what: text
models (SVM, BERT) read the post's text (:func:`write_post_texts`: the text takes the
transcript's place, ``text_fields: [transcript]``, and its language, detected with lingua, fills
the transcript's ``language`` columns), so a post whose images all failed is still
classified by them; image models (CNN) read its stored images: a post without one gets the
image models' no-frame answer (negative class of a binary task, else the training majority);
text + image models (CLIP, FND-CLIP) pair the text with each stored image, and treat a post
without one like the image models do. A post with neither text nor a stored image is unavailable
(stage ``ingest``, with the kind of its last image failure).
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from polimodal.corpus.posts import Post
from polimodal.corpus.schemas import (
    AUDIO,
    FRAMES,
    TRANSCRIPTS,
    UNAVAILABLE,
    VIDEOS,
    failure_row,
    table_from_rows,
    write_parquet,
)
from polimodal.corpus.shards import work_key
from polimodal.errors import MediaUnavailable
from polimodal.extract.audio import AudioOptions
from polimodal.extract.frames import FrameOptions
from polimodal.extract.images import DEFAULT_MAX_PIXELS, ImageFetcher, load_image
from polimodal.extract.ingest import IngestOptions, frames_digest, ingest_items, unavailable_tables
from polimodal.extract.language import DEFAULT_DETECT, MIN_PROBABILITY, LanguageDetector
from polimodal.types import PathLike

log = logging.getLogger(__name__)

#: TRANSCRIPTS.model of a post's text (it was written, not transcribed).
POST_TEXT_MODEL = "post_text"


def ingest_post(
    post: Post,
    fetcher: ImageFetcher,
    frame_options: FrameOptions,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> dict[str, pa.Table]:
    """The VIDEOS, UNAVAILABLE, FRAMES and AUDIO tables of one post (see the module docstring)."""
    frames: list[dict[str, Any]] = []
    failed: list[dict[str, str]] = []
    fetched = 0
    first_size: tuple[int, int] | None = None
    for k, src in enumerate(post.images):
        where = f"post {post.post_id} image {k + 1}/{len(post.images)}"
        try:
            image, n_bytes = load_image(
                src,
                fetcher,
                max_side=int(frame_options.max_side),
                jpeg_quality=int(frame_options.jpeg_quality),
                max_pixels=max_pixels,
                where=where,
            )
        except MediaUnavailable as exc:
            log.warning("%s (%s): unavailable (%s): %s", where, src, exc.kind, exc.reason)
            failed.append(failure_row(post.post_id, src, "image", exc))
            continue
        fetched += n_bytes
        first_size = first_size or (image.width, image.height)
        if image.n_frames > 1:
            log.info("%s: animated %s (%d frames): first frame kept", where, image.format, image.n_frames)
        frames.append(
            {
                "video_id": post.post_id,
                "frame_idx": k,
                "timestamp": float(k),
                "width": image.width,
                "height": image.height,
                "jpeg": image.jpeg,
            }
        )
    if not post.images:
        failed.append(
            failure_row(
                post.post_id,
                post.source,
                "images",
                MediaUnavailable(
                    "no_image", "post has no image: image models see no frame, text models its text"
                ),
            )
        )
    if not post.text:
        failed.append(
            failure_row(
                post.post_id,
                post.source,
                "text",
                MediaUnavailable("empty", "post has no text: text models see an empty text"),
            )
        )
    frames_table = table_from_rows(frames, FRAMES)
    if not frames and not post.text:
        last = failed[0] if failed else {"kind": "no_image", "reason": "no image"}
        bad = {
            "video_id": post.post_id,
            "source": post.source,
            "stage": "ingest",
            "kind": last["kind"],
            "reason": "post has no text and none of its images could be had",
        }
        log.warning("post %s: unavailable: no text and no usable image", post.post_id)
        return unavailable_tables([*failed, bad])
    digest = hashlib.sha256(b"".join(r["jpeg"] for r in frames)).hexdigest()[:32] if frames else None
    row = {
        "video_id": post.post_id,
        "source": post.source,
        "source_kind": "post",
        "media_bytes": fetched,
        "media_digest": digest,
        "width": first_size[0] if first_size else None,
        "height": first_size[1] if first_size else None,
        "has_video": bool(frames),
        "has_audio": False,
        "n_frames": len(frames),
        "frames_digest": frames_digest(frames_table) if frames else None,
        "audio_digest": None,
    }
    log.info("post %s: %d of %d image(s) stored, %d characters of text", post.post_id, len(frames),
             len(post.images), len(post.text))  # fmt: skip
    return {
        "videos": table_from_rows([row], VIDEOS),
        "unavailable": table_from_rows(failed, UNAVAILABLE),
        "frames": frames_table,
        "audio": AUDIO.empty_table(),
    }


def ingest_posts_shard(
    posts: Sequence[Post],
    videos_out: PathLike,
    unavailable_out: PathLike,
    options: IngestOptions,
    *,
    frames_out: PathLike,
    audio_out: PathLike,
    frame_options: FrameOptions | None = None,
    audio_options: AudioOptions | None = None,  # posts have no audio; taken as ingest_shard takes it
    media_dir: PathLike | None = None,  # the job's scratch folder: unused (images are fetched into memory)
    fetcher: ImageFetcher | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    frames_standin: PathLike | None = None,
) -> None:
    """Ingest a shard of posts into the tables of every ingest job (:mod:`polimodal.extract.ingest`).

    Resumable and never made worse like :func:`polimodal.extract.videos.ingest_shard`: a rerun
    skips (reuses) posts whose images and settings are unchanged, and a post that had a usable
    result before but none now keeps its earlier rows. Never raises for a single bad post or image.
    """
    frame_options = frame_options or FrameOptions()
    fetcher = fetcher or ImageFetcher.from_options(options)
    by_id = {p.post_id: p for p in posts}
    if len(by_id) != len(posts):
        raise ValueError("ingest_posts_shard: duplicate post ids")
    settings = {
        "max_side": frame_options.max_side,
        "jpeg_quality": frame_options.jpeg_quality,
        "max_pixels": max_pixels,
    }

    def key(post_id: str) -> str:
        post = by_id[post_id]
        return work_key("ingest_post", post.images, bool(post.text), settings)

    def origin(post_id: str) -> str:
        return work_key(by_id[post_id].images)

    ingest_items(
        [p.post_id for p in posts],
        lambda pid: ingest_post(by_id[pid], fetcher, frame_options, max_pixels),
        videos_out=videos_out,
        unavailable_out=unavailable_out,
        frames_out=frames_out,
        audio_out=audio_out,
        key=key,
        origin=origin,
        label=f"ingest posts {Path(videos_out).parent.name}",
        frames_standin=frames_standin,
    )


def write_post_texts(
    posts: Sequence[Post],
    out: PathLike,
    languages_detect: Sequence[str] | None = DEFAULT_DETECT,
    *,
    min_probability: float = MIN_PROBABILITY,
    detector: LanguageDetector | None = None,
) -> Path:
    """The posts' texts as a TRANSCRIPTS table (``model`` = ``post_text``): the text models' input.

    ``n_segments`` is 1 for a post with text, 0 without; ``parts``: the text of each text column
    (config ``posts.text_columns``), which a model's ``text_fields`` may name. ``language`` /
    ``language_probability``: the text's language as lingua detects it among ``languages_detect``
    (ISO 639-1 codes; None: every language lingua knows) and its confidence, as faster-whisper
    fills them for videos; null for a post without text (or without letters); ``und`` (with its
    confidence) where lingua is less sure than ``min_probability`` (config
    ``posts.language_min_probability``). ``detector``: one already built (tests, reuse).
    """
    texts = [p.text for p in posts]
    if detector is None and any(texts):
        detector = LanguageDetector(languages_detect, min_probability=min_probability)
    found = detector.detect_all(texts) if detector is not None else []
    rows = []
    for i, p in enumerate(posts):
        lang = found[i] if found else None
        rows.append(
            {
                "video_id": p.post_id,
                "language": lang.language if lang and lang.language else None,
                "language_probability": lang.confidence if lang and lang.language else None,
                "audio_duration": None,
                "n_segments": 1 if p.text else 0,
                "text": p.text,
                "model": POST_TEXT_MODEL,
                "parts": [{"name": name, "text": text} for name, text in p.parts],
            }
        )
    counts = Counter(r["language"] or "(none)" for r in rows)
    log.info("%d post texts, languages: %s", len(rows), dict(counts.most_common()))
    return write_parquet(table_from_rows(rows, TRANSCRIPTS), out, TRANSCRIPTS)
