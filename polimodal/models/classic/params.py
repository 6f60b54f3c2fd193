"""Parameters of the classic (non-neural) models; light to import, checked at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field

from polimodal.errors import ConfigError
from polimodal.models.params import TextParams
from polimodal.options import choice


@dataclass(frozen=True)
class SvmParams(TextParams):
    """``kind: svm``: TF-IDF → linear SVM, C chosen on the fold's validation split."""

    max_features: int = 20000  # TF-IDF vocabulary size
    # none removed (the study's SVM knows no language), english, or each text's language's list
    stop_words: str | None = choice(None, (None, "english", "per_language"))
    analyzer: str = choice("word", ("word", "char_wb"))  # word n-grams, or char n-grams in words
    ngram_range: list[int] | None = None  # [min, max]; null: [1, 1] (word), [2, 5] (char_wb)
    C: float | list[float] = field(default_factory=lambda: [0.01, 0.1, 1.0, 10.0, 100.0])  # grid
    class_weight: str | None = choice(None, (None, "balanced"))

    @property
    def grid(self) -> list[float]:
        """The C values tried, in order (ties on validation: the first, i.e. the smaller C)."""
        return [float(c) for c in (self.C if isinstance(self.C, list | tuple) else [self.C])]

    def check(self, where: str) -> None:
        grid = self.grid  # its type was checked against the annotation (polimodal.options)
        if not grid or min(grid) <= 0:
            raise ConfigError(f"{where}: C must be > 0 (a number or a non-empty list), got {self.C!r}")
        if int(self.max_features) < 1:
            raise ConfigError(f"{where}: max_features must be >= 1, got {self.max_features!r}")
        n = self.ngram_range
        if n is not None and (len(n) != 2 or not 1 <= int(n[0]) <= int(n[1])):
            raise ConfigError(f"{where}: ngram_range must be [min, max] with 1 <= min <= max, got {n!r}")
