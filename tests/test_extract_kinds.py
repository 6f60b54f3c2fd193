"""The ingest function of each kind of corpus (:mod:`polimodal.extract.kinds`)."""

from __future__ import annotations

import dataclasses

import pytest

from polimodal.corpus.samples import SHEET_KINDS, VIDEO_SHEET
from polimodal.errors import ConfigError
from polimodal.extract.kinds import INGEST, ingest_function
from polimodal.extract.posts import ingest_posts_shard
from polimodal.extract.videos import ingest_shard


def test_every_kind_of_corpus_has_its_ingest_function() -> None:
    assert set(INGEST) == set(SHEET_KINDS)
    assert ingest_function(SHEET_KINDS["videos"]) is ingest_shard
    assert ingest_function(SHEET_KINDS["posts"]) is ingest_posts_shard


def test_a_kind_without_an_ingest_function_is_named() -> None:
    with pytest.raises(
        ConfigError, match=r"corpus 'audio' has no ingest function \(known: \['videos', 'posts'\]\)"
    ):
        ingest_function(dataclasses.replace(VIDEO_SHEET, name="audio"))
