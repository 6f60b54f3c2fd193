"""How the text SVM cuts a text into terms, in any language (the TF-IDF vectorizer's analyzer).

The study's SVM is n-gram based with no prior knowledge of a language, so by default nothing is
removed: each text is lower-cased (accents and letters such as ø, æ, å, ß, ñ kept as they are)
and cut into words with a Unicode-aware pattern, :data:`TOKEN_PATTERN`: a word is a run of
letters or digits, which may hold an inner apostrophe or hyphen (``don't``, ``CDU-Fraktion``,
``e-mail``), so ``Lösung``, ``grøn``, ``España`` are single words and one-letter words (Spanish
``y``, Danish ``å``) count too. Then, as chosen by the model's parameters:

- ``stop_words``: ``null`` (default: none removed), ``english`` (scikit-learn's English list,
  whatever the text's language) or ``per_language``: the stopwords-iso list
  (``stopwordsiso``) of the text's *recorded* language (TRANSCRIPTS ``language``: faster-whisper
  for videos, lingua for posts), so Danish ``og`` is dropped from Danish texts only and German
  ``und`` from German ones; a text without a recorded language, or in a language without a list,
  keeps every word;
- ``analyzer``: ``word`` (default: word n-grams of ``ngram_range``, default ``[1, 1]``) or
  ``char_wb``: character n-grams inside each word, padded with a space at both ends
  (scikit-learn's ``char_wb``; ``ngram_range`` default ``[2, 5]``), which lets the parts of long
  compounds (German ``Klimaschutzgesetz``, Danish ``sundhedsvæsenet``) meet the same parts
  elsewhere. Stop words are removed before the character n-grams are taken.

A document is ``(text, language)`` (:meth:`TextAnalyzer.__call__` also takes a plain text: no
language). What scikit-learn cannot do, choosing the stop words of each document by its language,
is written here; the n-grams of the kept words are scikit-learn's own (``CountVectorizer``'s
``word`` / ``char_wb`` analyzers). The analyzer is a plain picklable object, saved with the fitted
pipeline.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache

#: A word: letters or digits, with inner apostrophes or hyphens (Unicode-aware: ø, ß, ñ are letters).
TOKEN_PATTERN = r"[^\W_](?:[\w'’-]*[^\W_])?"
_TOKEN_RE = re.compile(TOKEN_PATTERN)
STOP_WORDS = (None, "english", "per_language")
ANALYZERS = ("word", "char_wb")

Document = tuple[str, str | None] | str


@cache
def language_stop_words(language: str) -> frozenset[str]:
    """The stopwords-iso list of ``language`` (ISO 639-1), lower case; empty when there is none."""
    import stopwordsiso

    if not language or not stopwordsiso.has_lang(language):
        return frozenset()
    return frozenset(w.lower() for w in stopwordsiso.stopwords(language))


@cache
def _english() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def words(text: str) -> list[str]:
    """The lower-cased words of ``text`` (:data:`TOKEN_PATTERN`)."""
    return _TOKEN_RE.findall(text.lower())


class TextAnalyzer:
    """Text (and its language) → terms; see the module docstring."""

    def __init__(
        self,
        stop_words: str | None = None,
        analyzer: str = "word",
        ngram_range: Iterable[int] | None = None,
    ) -> None:
        if stop_words not in STOP_WORDS:
            raise ValueError(f"stop_words must be one of {list(STOP_WORDS)}, got {stop_words!r}")
        if analyzer not in ANALYZERS:
            raise ValueError(f"analyzer must be one of {list(ANALYZERS)}, got {analyzer!r}")
        lo, hi = tuple(ngram_range) if ngram_range is not None else ((1, 1) if analyzer == "word" else (2, 5))
        if not 1 <= lo <= hi:
            raise ValueError(f"ngram_range must be [min, max] with 1 <= min <= max, got {[lo, hi]}")
        self.stop_words, self.analyzer, self.ngram_range = stop_words, analyzer, (int(lo), int(hi))
        self._sklearn: Callable[[str], list[str]] | None = None

    def stop_list(self, language: str | None) -> frozenset[str]:
        if self.stop_words == "english":
            return _english()
        if self.stop_words == "per_language":
            return language_stop_words((language or "").lower())
        return frozenset()

    def tokens(self, text: str, language: str | None = None) -> list[str]:
        """The words of ``text`` less the stop words for ``language``."""
        stop = self.stop_list(language)
        return [w for w in words(text or "") if w not in stop]

    def __call__(self, doc: Document) -> list[str]:
        text, language = (doc, None) if isinstance(doc, str) else doc
        return self._grams()(" ".join(self.tokens(text, language)))

    def _grams(self) -> Callable[[str], list[str]]:
        """scikit-learn's own word or ``char_wb`` n-grams of the kept words (built once, not pickled)."""
        if self._sklearn is None:
            from sklearn.feature_extraction.text import CountVectorizer

            self._sklearn = CountVectorizer(
                analyzer=self.analyzer,
                ngram_range=self.ngram_range,
                token_pattern=TOKEN_PATTERN,
                lowercase=False,
            ).build_analyzer()
        return self._sklearn

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_sklearn": None}
