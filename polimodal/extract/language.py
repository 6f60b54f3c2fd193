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

Minimum probability (config ``posts.language_min_probability``, :data:`MIN_PROBABILITY`): a text
whose best language has a lower confidence gets language :data:`UNKNOWN` (``und``, ISO 639-2
"undetermined"), with that confidence. Measured among the 11 default candidates: URL-only posts,
handles, hashtags, "ok", "lol", "Amen" and emoji get 0.13-0.27 for a language they are not in (a
URL-only post: Polish at 0.15); 35 of 38 correctly detected real 2-6 word posts in en/es/da/de get
0.30 or more (lowest 0.15, Danish), whole sentences 0.45-0.98 (``tests/test_extract_language.py``
keeps the URL-only and short cases). Confidences are relative among the candidates: with fewer of them
they are higher (the URL-only post: Polish at 0.49 among en, es, pl), so a short candidate list wants a
higher minimum. Under a ``languages:`` filter an item of unknown language is
*kept*, like one without any text: the filter removes what is known to be in another language, and
the exclusion job counts the unknown ones it kept (:func:`write_excluded`).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from polimodal.errors import ConfigError
from polimodal.types import PathLike

log = logging.getLogger(__name__)

#: The language recorded for a text whose detection is less sure than the minimum probability.
UNKNOWN = "und"
#: What no language is written in: URLs, @handles and #hashtags, left out before detection.
NOT_LANGUAGE = re.compile(r"(?:https?://|www\.)\S+|[@#]\w+")
#: The default minimum probability of a detected language (config ``posts.language_min_probability``).
MIN_PROBABILITY = 0.3


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

    def __init__(
        self,
        candidates: Sequence[str] | None = None,
        low_accuracy: bool = False,
        min_probability: float = MIN_PROBABILITY,
    ) -> None:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        if not 0 <= float(min_probability) < 1:
            raise ConfigError(f"posts.language_min_probability: must be in [0, 1), got {min_probability!r}")
        self.min_probability = float(min_probability)

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
        """The text's language, read without its URLs, @handles and #hashtags (:data:`NOT_LANGUAGE`):
        lingua gave a URL-only post a language; with nothing left, none ("")."""
        text = NOT_LANGUAGE.sub(" ", text or "")
        if not any(ch.isalpha() for ch in text):
            return Detected("", 0.0)
        values = self._detector.compute_language_confidence_values(text)
        if not values or values[0].value <= 0:
            return Detected("", 0.0)
        top = values[0]
        confidence = round(float(top.value), 4)
        if confidence < self.min_probability:
            return Detected(UNKNOWN, confidence)
        return Detected(top.language.iso_code_639_1.name.lower(), confidence)

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


def is_known(language: str | None) -> bool:
    """Whether a recorded language says something (not missing, empty or :data:`UNKNOWN`)."""
    return bool(language) and language != UNKNOWN


def excluded_languages_of(
    languages: Mapping[str, tuple[str | None, float | None]], keep: Sequence[str]
) -> dict[str, str]:
    """video_id → language of the videos whose recorded language is known and not in ``keep``.

    ``languages``: video_id → (language, probability) as in TRANSCRIPTS. A video without a language
    (no text, no speech) or of unknown language (:data:`UNKNOWN`: detection below the minimum
    probability) is kept: the restriction is on what is known to be said or written in another
    language, never on having (clear) text.
    """
    kept = {str(c).strip().lower() for c in keep}
    return {vid: lang for vid, (lang, _) in languages.items() if is_known(lang) and lang not in kept}


#: The reason of an exclusion row; :func:`excluded_languages` reads the language back from it.
REASON = "detected language {language}{probability}: not among the run's languages {keep}"
_REASON_LANGUAGE = re.compile(r"^detected language ([^,:]+)")


def excluded_rows(
    languages: Mapping[str, tuple[str | None, float | None]],
    sources: Mapping[str, str],
    keep: Sequence[str],
) -> list[dict[str, str]]:
    """UNAVAILABLE rows of the videos whose detected language is not in ``keep``
    (:func:`excluded_languages_of`); ``sources``: video_id → source (VIDEOS). Rows in ``languages``
    order."""
    keep = [str(c).strip().lower() for c in keep]
    rows = []
    for vid, lang in excluded_languages_of(languages, keep).items():
        prob = languages[vid][1]
        p = f", probability {prob:.2f}" if prob is not None else ""
        rows.append(
            {
                "video_id": vid,
                "source": sources.get(vid, ""),
                "stage": EXCLUDED_STAGE,
                "kind": EXCLUDED_KIND,
                "reason": REASON.format(language=lang, probability=p, keep=list(keep)),
            }
        )
    return rows


def language_summary(languages: Mapping[str, tuple[str | None, float | None]], keep: Sequence[str]) -> str:
    """What a ``languages:`` filter does to ``languages`` (video_id → (language, probability)), in
    words: how many it excludes per language, how many of unknown language and without one it keeps."""
    excluded = Counter(excluded_languages_of(languages, keep).values())
    unknown = sum(1 for lang, _ in languages.values() if lang == UNKNOWN)
    none = sum(1 for lang, _ in languages.values() if not lang)
    per = ", ".join(f"{lang}: {n}" for lang, n in sorted(excluded.items(), key=lambda x: (-x[1], x[0])))
    return (
        f"languages {list(keep)}: {sum(excluded.values())} of {len(languages)} excluded"
        + (f" ({per})" if per else "")
        + f"; kept {unknown} of unknown language ({UNKNOWN}: detected below the minimum probability)"
        + f" and {none} without any language (no text or speech)"
    )


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
        langs = {k: x for k, x in langs.items() if k in sources}
        rows = excluded_rows(langs, sources, keep)
        log.info("%s", language_summary(langs, keep))
    write_parquet(table_from_rows(rows, UNAVAILABLE), out, UNAVAILABLE)
    log.info("%d video(s) excluded by language (keeping %s)", len(rows), keep)
    return len(rows)


def excluded_ids(path: PathLike | None) -> set[str]:
    """The ids of an exclusion table (:func:`write_excluded`); none when ``path`` is None."""
    if path is None:
        return set()
    from polimodal.corpus.schemas import UNAVAILABLE, read_parquet

    return set(read_parquet(path, UNAVAILABLE, columns=["video_id"]).column("video_id").to_pylist())


def excluded_languages(path: PathLike | None) -> dict[str, str]:
    """video_id → detected language of an exclusion table (:func:`write_excluded`); none when
    ``path`` is None."""
    if path is None:
        return {}
    from polimodal.corpus.schemas import UNAVAILABLE, read_parquet

    rows = read_parquet(path, UNAVAILABLE, columns=["video_id", "reason"]).to_pylist()
    out = {}
    for r in rows:
        found = _REASON_LANGUAGE.match(r["reason"] or "")
        out[r["video_id"]] = found.group(1) if found else "?"
    return out
