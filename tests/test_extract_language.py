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
