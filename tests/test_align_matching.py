"""Which words and segments a query matches (:mod:`polimodal.align.matching`), on the table of
``conftest.aligned_words``."""

from __future__ import annotations

import pytest

from polimodal.align.matching import select
from polimodal.errors import ConfigError


def test_words_match_whole_words_any_case(aligned_words):
    hits = select(aligned_words, pattern="tax")
    assert sorted(hits[hits.matches].word.unique()) == ["Tax,", "tax"]  # not "taxes"
    assert select(aligned_words, pattern="tax(es)?").matches.sum() == 12
    assert select(aligned_words, words=["budget", "vote"]).matches.sum() == 8
    with pytest.raises(ConfigError, match="exactly one"):
        select(aligned_words)
    with pytest.raises(ConfigError, match="pattern"):
        select(aligned_words, pattern="(")
