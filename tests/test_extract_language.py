"""Language identification of post texts (lingua, offline) in the four languages of the posts study."""

from __future__ import annotations

import pytest

from polimodal.errors import ConfigError
from polimodal.extract.language import Detected, LanguageDetector, check_languages

TEXTS = {
    "en": "We demand fair wages and safe jobs for every worker in this country.",
    "es": "Exigimos salarios justos y empleos seguros para todos los trabajadores del país.",
    "da": "Vi kræver fair løn og sikre job til alle arbejdere i landet.",
    "de": "Wir fordern faire Löhne und sichere Arbeitsplätze für alle Beschäftigten im Land.",
}


@pytest.fixture(scope="module")
def detector():
    return LanguageDetector(["en", "es", "da", "de", "sv", "nb"])


@pytest.mark.parametrize("lang", sorted(TEXTS))
def test_each_language_is_identified_with_high_confidence(detector, lang):
    found = detector.detect(TEXTS[lang])
    assert found.language == lang and found.confidence > 0.5


def test_texts_without_letters_have_no_language(detector):
    assert detector.detect_all(["", None, "12:30 !!! 🙂"]) == [Detected("", 0.0)] * 3


def test_a_language_outside_the_candidates_gets_a_low_confidence():
    two = LanguageDetector(["en", "de"])
    found = two.detect(TEXTS["es"])
    assert found.language in {"en", "de"} and found.confidence < two.detect(TEXTS["de"]).confidence


def test_bad_codes_are_named():
    assert check_languages(["EN", " da"]) == ["en", "da"]
    with pytest.raises(ConfigError, match=r"languages: unknown language code\(s\) \['xx'\]"):
        check_languages(["en", "xx"])
    with pytest.raises(ConfigError, match="at least two"):
        LanguageDetector(["da"])


def test_post_texts_record_language_and_confidence(tmp_path, detector):
    from polimodal.corpus.posts import Post
    from polimodal.corpus.schemas import TRANSCRIPTS, read_parquet
    from polimodal.extract.posts import write_post_texts

    posts = [Post(f"p_{lang}", text, ()) for lang, text in TEXTS.items()]
    posts += [Post("p_none", "", ("a.jpg",)), Post("p_digits", "2024 !!!", ("a.jpg",))]
    out = write_post_texts(posts, tmp_path / "texts.parquet", detector=detector)
    t = read_parquet(out, TRANSCRIPTS).to_pandas().set_index("video_id")
    t = t.astype(object).where(t.notna(), None)
    for lang in TEXTS:
        assert t.loc[f"p_{lang}", "language"] == lang
        assert 0.5 < t.loc[f"p_{lang}", "language_probability"] <= 1
    assert t.loc["p_none", "language"] is None and t.loc["p_digits", "language"] is None
    assert t.loc["p_none", "language_probability"] is None


def test_languages_not_kept_are_excluded_with_the_detected_language(tmp_path):
    from polimodal.corpus.schemas import (
        TRANSCRIPTS,
        UNAVAILABLE,
        VIDEOS,
        read_parquet,
        table_from_rows,
        write_parquet,
    )
    from polimodal.extract.language import excluded_ids, write_excluded

    langs = {"v_en": "en", "v_da": "da", "v_de": "de", "v_silent": None}
    rows = [
        {"video_id": v, "language": lang, "language_probability": 0.9 if lang else None,
         "n_segments": 1, "text": "x", "model": "m"}
        for v, lang in langs.items()
    ]  # fmt: skip
    write_parquet(table_from_rows(rows, TRANSCRIPTS), tmp_path / "t.parquet", TRANSCRIPTS)
    videos = [{"video_id": v, "source": f"{v}.mp4", "source_kind": "local"} for v in langs]
    write_parquet(table_from_rows(videos, VIDEOS), tmp_path / "v.parquet", VIDEOS)
    n = write_excluded(tmp_path / "t.parquet", tmp_path / "v.parquet", ["en", "da"], tmp_path / "x.parquet")
    ex = read_parquet(tmp_path / "x.parquet", UNAVAILABLE).to_pylist()
    assert n == 1 and [(r["video_id"], r["source"], r["stage"], r["kind"]) for r in ex] == [
        ("v_de", "v_de.mp4", "language", "excluded_language")
    ]
    assert "detected language de" in ex[0]["reason"] and "['en', 'da']" in ex[0]["reason"]
    assert excluded_ids(tmp_path / "x.parquet") == {"v_de"}  # a video without language is kept
    write_excluded(tmp_path / "t.parquet", tmp_path / "v.parquet", None, tmp_path / "none.parquet")
    assert excluded_ids(tmp_path / "none.parquet") == set() and excluded_ids(None) == set()


def test_a_url_only_or_one_word_post_is_of_unknown_language_below_the_minimum():
    from polimodal.extract.language import DEFAULT_DETECT, MIN_PROBABILITY, UNKNOWN

    sure = LanguageDetector(DEFAULT_DETECT)  # the run's default candidates and minimum probability
    unsure = LanguageDetector(DEFAULT_DETECT, min_probability=0)
    for url in (
        "https://t.co/xYz12AbQ",
        "https://t.co/xYz12AbC",
        "www.example.org/a/b",
        "@SenSanders #VoteBlue",
    ):
        # lingua's best guess for a URL was a language (pl at 0.15 and at 0.31): none is written there
        assert unsure.detect(url) == sure.detect(url) == Detected("", 0.0), url
    assert sure.detect("Vote today https://t.co/xYz12AbC #VoteBlue").language == "en"
    for junk in ("ok", "lol", "Amen"):
        low = unsure.detect(junk)
        assert low.confidence < MIN_PROBABILITY and sure.detect(junk) == Detected(UNKNOWN, low.confidence), (
            junk
        )
    short = {"es": "Vamos a ganar estas elecciones.", "de": "Wir werden diese Wahl gewinnen.",
             "en": "We will win this election.", "da": "Vi vinder dette valg."}  # fmt: skip
    for lang, text in {**short, **TEXTS}.items():
        assert sure.detect(text).language == lang, text
    with pytest.raises(ConfigError, match=r"language_min_probability: must be in \[0, 1\)"):
        LanguageDetector(["en", "de"], min_probability=1)


def test_post_texts_record_an_unsure_language_as_unknown(tmp_path):
    from polimodal.corpus.posts import Post
    from polimodal.corpus.schemas import TRANSCRIPTS, read_parquet
    from polimodal.extract.posts import write_post_texts

    posts = [Post("p_url", "lol", ()), Post("p_en", TEXTS["en"], ())]
    out = write_post_texts(posts, tmp_path / "texts.parquet")  # the default candidates and minimum
    t = {r["video_id"]: r for r in read_parquet(out, TRANSCRIPTS).to_pylist()}
    assert t["p_url"]["language"] == "und" and 0 < t["p_url"]["language_probability"] < 0.3
    assert t["p_en"]["language"] == "en"
    out = write_post_texts(posts, tmp_path / "all.parquet", min_probability=0)
    assert read_parquet(out, TRANSCRIPTS).column("language").to_pylist()[0] not in ("und", None)


def test_the_exclusion_keeps_and_counts_unknown_languages(tmp_path, caplog):
    import logging

    from polimodal.corpus.schemas import TRANSCRIPTS, VIDEOS, table_from_rows, write_parquet
    from polimodal.extract.language import excluded_ids, excluded_languages, write_excluded

    langs = {"a": ("en", 0.9), "b": ("pl", 0.8), "c": ("und", 0.19), "d": (None, None), "e": ("pl", 0.7),
             "f": ("fr", 0.6)}  # fmt: skip
    rows = [{"video_id": v, "language": lang, "language_probability": p, "n_segments": 1, "text": "x",
             "model": "post_text"} for v, (lang, p) in langs.items()]  # fmt: skip
    write_parquet(table_from_rows(rows, TRANSCRIPTS), tmp_path / "t.parquet", TRANSCRIPTS)
    videos = [{"video_id": v, "source": v, "source_kind": "post"} for v in langs]
    write_parquet(table_from_rows(videos, VIDEOS), tmp_path / "v.parquet", VIDEOS)
    with caplog.at_level(logging.INFO, logger="polimodal.extract.language"):
        n = write_excluded(
            tmp_path / "t.parquet", tmp_path / "v.parquet", ["en", "es"], tmp_path / "x.parquet"
        )
    assert n == 3 and excluded_ids(tmp_path / "x.parquet") == {"b", "e", "f"}  # und and none are kept
    assert excluded_languages(tmp_path / "x.parquet") == {"b": "pl", "e": "pl", "f": "fr"}
    assert "3 of 6 excluded (pl: 2, fr: 1); kept 1 of unknown language (und" in caplog.text
    assert "and 1 without any language" in caplog.text
