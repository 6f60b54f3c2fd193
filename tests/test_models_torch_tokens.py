"""The per-split token cache (:mod:`polimodal.models.torch.tokens`)."""

from __future__ import annotations

from polimodal.models.torch.tokens import TokenCache


def test_texts_are_encoded_once_per_distinct_texts_and_tag() -> None:
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> list[int]:
        calls.append(texts)
        return [len(t) for t in texts]

    cache: TokenCache[list[int]] = TokenCache(size=2)
    train = ["a", "bb"]
    assert cache.get(train, encode) == [1, 2] and cache.get(train, encode) == [1, 2]
    assert cache.get(list(train), encode) == [1, 2]  # an equal split (another object): the same tokens
    assert len(calls) == 1
    cache.get(train, encode, tag="guide")  # the same texts tokenised another way
    assert len(calls) == 2 and len(cache) == 2
    cache.get(["ccc"], encode)  # the oldest entry makes room
    assert len(cache) == 2
    cache.get(train, encode)
    assert len(calls) == 4
    cache.clear()
    assert len(cache) == 0
