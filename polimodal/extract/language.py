"""The language of a text (a post, a headline, an article), offline.

Videos get their language from faster-whisper while they are transcribed; posts have no audio, so
their text is identified here with lingua (``lingua-language-detector`` on PyPI: offline n-gram
models, accurate on short texts such as tweets, reports a confidence per language). Both land in
the same columns of the TRANSCRIPTS table, ``language`` (ISO 639-1, lower case) and
``language_probability``, so results can be broken down by language whatever the corpus kind.

Candidates: with a list of languages (at least two, e.g. ``[en, es, da, de, sv, nb]``) the
detector only chooses among them — faster to load (seconds instead of ~40 s and 1.3 GB for all 75
languages) and more accurate, since a short Danish tweet is then never called Norwegian; a text in
another language gets the most similar candidate, with a low confidence. Without candidates every
language lingua knows is considered (``low_accuracy`` trades accuracy on short texts for a 3 s
start). Which languages a run *keeps* is a separate choice (the config's ``languages:``): detect
among more languages than you keep, or nothing is ever found to be in another language.
A text without letters has language ``""`` and confidence 0.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from polimodal.errors import ConfigError
from polimodal.types import PathLike

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Detected:
    language: str  # ISO 639-1, lower case; "" when the text has no letters
    confidence: float  # lingua's relative confidence of that language, 0–1


def known_languages() -> list[str]:
    """The ISO 639-1 codes lingua can identify (sorted)."""
    from lingua import Language

    return sorted(lang.iso_code_639_1.name.lower() for lang in Language.all())


def check_languages(codes: Sequence[str], where: str = "languages") -> list[str]:
    """Lower-cased codes; an unknown one is a :class:`ConfigError` naming it and ``where``."""
    known = set(known_languages())
    out = [str(c).strip().lower() for c in codes]
    bad = [c for c in out if c not in known]
    if bad:
        raise ConfigError(
            f"{where}: unknown language code(s) {bad}: use ISO 639-1 codes such as en, es, da, de "
            f"(known: {', '.join(sorted(known))})"
        )
    return out


class LanguageDetector:
    """Identify the language of texts, among ``candidates`` (ISO 639-1 codes) or all languages."""

    def __init__(self, candidates: Sequence[str] | None = None, low_accuracy: bool = False) -> None:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        if candidates:
            codes = check_languages(candidates)
            languages = [Language.from_iso_code_639_1(IsoCode639_1.from_str(c)) for c in codes]
            if len(set(languages)) < 2:
                raise ConfigError(
                    f"language detection among {codes}: name at least two languages (or none: all)"
                )
            builder = LanguageDetectorBuilder.from_languages(*languages)
        else:
            builder = LanguageDetectorBuilder.from_all_languages()
        if low_accuracy:
            builder = builder.with_low_accuracy_mode()
        self.candidates = list(candidates or [])
        self._detector = builder.build()

    def detect(self, text: str | None) -> Detected:
        if not text or not any(ch.isalpha() for ch in text):
            return Detected("", 0.0)
        values = self._detector.compute_language_confidence_values(text)
        if not values or values[0].value <= 0:
            return Detected("", 0.0)
        top = values[0]
        return Detected(top.language.iso_code_639_1.name.lower(), round(float(top.value), 4))

    def detect_all(self, texts: Iterable[str | None]) -> list[Detected]:
        return [self.detect(t) for t in texts]


# ----------------------------------------------------------------------------- which languages a run keeps
#: The default candidates of post language detection (config ``posts.languages_detect``): the
#: study's four languages and their neighbours (so a Swedish or Norwegian post is not called
#: Danish, a Dutch one not German). Loads in 3-11 s (~300 MB); null in the config: all 75 (~43 s, 1.3 GB).
DEFAULT_DETECT = ("da", "de", "en", "es", "fr", "it", "nb", "nl", "pl", "pt", "sv")
#: UNAVAILABLE.stage / kind of a video (post) whose detected language the run does not keep.
EXCLUDED_STAGE = "language"
EXCLUDED_KIND = "excluded_language"
LANGUAGE_COLUMNS = ["video_id", "language", "language_probability"]


def excluded_rows(
    languages: Mapping[str, tuple[str | None, float | None]],
    sources: Mapping[str, str],
    keep: Sequence[str],
) -> list[dict[str, str]]:
    """UNAVAILABLE rows of the videos whose detected language is not in ``keep``.

    ``languages``: video_id → (language, probability) as in TRANSCRIPTS; ``sources``: video_id →
    source (VIDEOS). A video without a detected language (no text, no speech) is kept: the
    restriction is on what was said or written, not on having text. Rows in ``languages`` order.
    """
    keep = [str(c).strip().lower() for c in keep]
    kept = set(keep)
    rows = []
    for vid, (lang, prob) in languages.items():
        if not lang or lang in kept:
            continue
        p = f", probability {prob:.2f}" if prob is not None else ""
        rows.append(
            {
                "video_id": vid,
                "source": sources.get(vid, ""),
                "stage": EXCLUDED_STAGE,
                "kind": EXCLUDED_KIND,
                "reason": f"detected language {lang}{p}: not among the run's languages {list(keep)}",
            }
        )
    return rows


def write_excluded(transcripts: PathLike, videos: PathLike, keep: Sequence[str] | None, out: PathLike) -> int:
    """Write the UNAVAILABLE rows (stage ``language``, kind ``excluded_language``) of the videos
    whose detected language (TRANSCRIPTS) is not in ``keep``; ``keep`` None: none. Returns how many.

    This runs on the gathered corpus tables, so changing the config's ``languages:`` reruns this
    step, the splits and what follows, never transcription or detection.
    """
    from polimodal.corpus.schemas import (
        TRANSCRIPTS,
        UNAVAILABLE,
        VIDEOS,
        read_parquet,
        table_from_rows,
        write_parquet,
    )

    rows: list[dict[str, str]] = []
    if keep is not None:
        said = read_parquet(transcripts, TRANSCRIPTS, columns=LANGUAGE_COLUMNS)
        langs = {r["video_id"]: (r["language"], r["language_probability"]) for r in said.to_pylist()}
        listed = read_parquet(videos, VIDEOS, columns=["video_id", "source"]).to_pylist()
        sources = {r["video_id"]: r["source"] for r in listed}
        rows = excluded_rows({k: x for k, x in langs.items() if k in sources}, sources, keep)
    write_parquet(table_from_rows(rows, UNAVAILABLE), out, UNAVAILABLE)
    log.info("%d video(s) excluded by language (keeping %s)", len(rows), keep)
    return len(rows)


def excluded_ids(path: PathLike | None) -> set[str]:
    """The ids of an exclusion table (:func:`write_excluded`); none when ``path`` is None."""
    if path is None:
        return set()
    from polimodal.corpus.schemas import UNAVAILABLE, read_parquet

    return set(read_parquet(path, UNAVAILABLE, columns=["video_id"]).column("video_id").to_pylist())
