"""The texts of a split tokenised once, not once per batch and epoch (BERT, CLIP, FND-CLIP).

A model tokenises the texts of its train, validation and test splits; every batch of every epoch
then takes rows of that result. :class:`TokenCache` keeps the last few results keyed on the
texts themselves (and a tag, when one model tokenises the same texts in two ways): the tokens
depend on the texts and nothing else of the split, and a key made of them cannot be mistaken
for another split's, unlike ``id(data)``, which Python reuses once a split is garbage-collected.
A model clears its cache when its tokenizer or ``max_length`` may have changed (``build``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class TokenCache(Generic[T]):
    """``encode(texts)`` computed once per distinct ``(tag, texts)``; the ``size`` latest are kept."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._entries: dict[Hashable, T] = {}

    def get(self, texts: Sequence[str], encode: Callable[[list[str]], T], tag: str = "") -> T:
        """The cached ``encode(list(texts))``, computed on the first call for these texts."""
        key = (tag, tuple(texts))
        if key not in self._entries:
            if len(self._entries) >= self.size:  # the oldest entry makes room
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = encode(list(texts))
        return self._entries[key]

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
