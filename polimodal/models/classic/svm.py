"""Text SVM: TF-IDF → linear SVM, C chosen on the fold's validation split.

Config (``models.<name>``, every key optional except ``kind``; defaults and allowed values in
:class:`~polimodal.models.classic.params.SvmParams`)::

    svm:
      kind: svm
      text_fields: [transcript]      # + title, description (read for it by the fold runner)
      max_features: 20000            # TF-IDF vocabulary size
      stop_words: null               # or english, or per_language (each text's recorded language)
      analyzer: word                 # or char_wb: character n-grams inside words (compounds)
      ngram_range: null              # [min, max]; null: [1, 1] (word), [2, 5] (char_wb)
      C: [0.01, 0.1, 1, 10, 100]     # grid; the C with the best validation macro F1 wins (ties: smaller C)
      class_weight: null             # or balanced

The pipeline is ``sklearn.pipeline.Pipeline([("tfidf", TfidfVectorizer(analyzer=TextAnalyzer(...),
max_features=..., sublinear_tf=True)), ("svm", LinearSVC(C=...))])``, fitted on the training split
only for each C. :class:`~polimodal.models.classic.analyzer.TextAnalyzer` cuts texts into terms in
any language (lower case, accents kept, Unicode words; no stop words unless asked for); each
document is the text and its recorded language (:attr:`VideoData.languages`), which
``stop_words: per_language`` reads. Scores are the SVM decision values (binary: ``[-d, d]``).
If the training texts have no usable term at all (e.g. silent videos), the model falls back to
predicting the training majority class and says so in its summary.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from polimodal.data.videodata import VideoData
from polimodal.errors import ModelLoadError
from polimodal.models.base import Model, Params
from polimodal.models.classic.analyzer import TextAnalyzer
from polimodal.models.selection import macro_f1

log = logging.getLogger(__name__)

#: The trained pipeline in the fold's model folder (scikit-learn's joblib format).
MODEL_FILE = "svm.joblib"


class TextSVM(Model):
    kind = "svm"

    def __init__(self, classes: list[str], params: Params = None, seed: int = 0) -> None:
        super().__init__(classes, params, seed)
        self.grid: list[float] = self.options.grid
        self.pipeline: Pipeline | None = None
        self.majority: str = self.classes[0]

    def _pipeline(self, c: float) -> Pipeline:
        return Pipeline(
            [
                (
                    "tfidf",
                    TfidfVectorizer(
                        analyzer=TextAnalyzer(
                            self.options.stop_words, self.options.analyzer, self.options.ngram_range
                        ),
                        max_features=int(self.options.max_features),
                        sublinear_tf=True,
                    ),
                ),
                ("svm", LinearSVC(C=c, class_weight=self.options.class_weight, random_state=self.seed)),
            ]
        )

    @staticmethod
    def _docs(pipeline: Pipeline, data: VideoData) -> list[Any]:
        """The documents ``pipeline`` reads: (text, language) pairs, or plain texts for a pipeline
        saved before texts had languages (scikit-learn's own analyzer)."""
        if not isinstance(pipeline.named_steps["tfidf"].analyzer, TextAnalyzer):
            return list(data.texts)
        languages = data.languages or [None] * len(data)
        return list(zip(data.texts, languages, strict=True))

    def fit(self, train: VideoData, validation: VideoData, workdir: Path) -> dict[str, Any]:
        summary = self._fit(train, validation)
        Path(workdir).mkdir(parents=True, exist_ok=True)
        joblib.dump(
            {"pipeline": self.pipeline, "majority": self.majority, "classes": self.classes},
            Path(workdir) / MODEL_FILE,
        )
        return summary

    def load(self, workdir: Path) -> None:
        path = Path(workdir) / MODEL_FILE
        try:
            saved = joblib.load(path)
        except (OSError, EOFError, ValueError) as exc:
            raise ModelLoadError(f"cannot read the trained SVM {path}: {exc}") from exc
        if saved["classes"] != self.classes:
            raise ModelLoadError(f"{path}: trained for classes {saved['classes']}, not {self.classes}")
        self.pipeline, self.majority = saved["pipeline"], saved["majority"]

    def _fit(self, train: VideoData, validation: VideoData) -> dict[str, Any]:
        self.majority = Counter(train.labels).most_common(1)[0][0]
        if len(set(train.labels)) < 2:
            log.warning("training split has one class only (%s): predicting it", self.majority)
            return {"C": None, "fallback": "one class in training split"}
        results = []
        best: tuple[float, float, Pipeline] | None = None
        for c in self.grid:
            pipe = self._pipeline(c)
            try:
                pipe.fit(self._docs(pipe, train), train.labels)
            except ValueError as exc:  # empty vocabulary
                log.warning(
                    "SVM cannot be trained (%s): predicting the majority class %s", exc, self.majority
                )
                return {"C": None, "fallback": f"majority class ({exc})"}
            if len(validation):
                f1 = macro_f1(validation.labels, pipe.predict(self._docs(pipe, validation)), self.classes)
            else:
                f1 = 0.0
            results.append({"C": c, "validation_macro_f1": float(f1)})
            log.info("C=%g: validation macro F1 %.4f", c, f1)
            if best is None or f1 > best[0] + 1e-12:
                best = (float(f1), c, pipe)
        assert best is not None
        self.pipeline = best[2]
        log.info("chosen C=%g (validation macro F1 %.4f)", best[1], best[0])
        return {
            "C": best[1],
            "validation_macro_f1": best[0],
            "grid": results,
            "vocabulary": len(self.pipeline.named_steps["tfidf"].vocabulary_),
        }

    def predict(self, data: VideoData) -> tuple[list[str], np.ndarray]:
        n, k = len(data), len(self.classes)
        if self.pipeline is None:
            scores = np.zeros((n, k))
            scores[:, self.classes.index(self.majority)] = 1.0
            return [self.majority] * n, scores
        if n == 0:
            return [], np.zeros((0, k))
        docs = self._docs(self.pipeline, data)
        d = self.pipeline.decision_function(docs)
        fitted = list(self.pipeline.classes_)
        d = np.column_stack([-d, d]) if d.ndim == 1 else d
        scores = np.full((n, k), -np.inf)
        for j, c in enumerate(fitted):
            scores[:, self.classes.index(c)] = d[:, j]
        return [str(x) for x in self.pipeline.predict(docs)], scores
