"""Building blocks over padded sequences (:mod:`polimodal.nn.sequences`)."""

from __future__ import annotations

import math

import torch

from polimodal.nn.sequences import PAD, SequenceEmbedder, TimeEncoding, masked_max, masked_pool


def test_time_encoding_is_periodic_in_seconds() -> None:
    enc = TimeEncoding(8, min_period=1.0, max_period=8.0)
    t = torch.tensor([[0.0, 1.0, 2.5]])
    out = enc(t)
    assert out.shape == (1, 3, 8)
    torch.testing.assert_close(out[0, 0], torch.tensor([0.0] * 4 + [1.0] * 4))  # sin 0, cos 0
    # the shortest period is one second: its sine is the same one second later
    assert math.isclose(
        float(enc(torch.tensor([0.25]))[0, 0]), float(enc(torch.tensor([1.25]))[0, 0]), abs_tol=1e-5
    )
    assert TimeEncoding(5)(t).shape == (1, 3, 5)  # odd widths are cut


def test_masked_pooling_ignores_padding_and_empty_sequences_give_zeros() -> None:
    x = torch.tensor([[[1.0], [3.0], [100.0]], [[-2.0], [-4.0], [50.0]], [[7.0], [7.0], [7.0]]])
    pad = torch.tensor([[False, False, True], [False, False, True], [True, True, True]])
    assert masked_max(x, pad).flatten().tolist() == [3.0, -2.0, 0.0]
    assert masked_pool(x, pad).tolist() == [[2.0, 3.0], [-3.0, -2.0], [0.0, 0.0]]


def test_sequence_embedder_words_from_ids_or_vectors() -> None:
    inputs = {
        "words_ids": torch.tensor([[2, 3, PAD]]),
        "words_t": torch.tensor([[0.1, 0.5, 0.0]]),
        "audio_x": torch.randn(1, 4, 3),
        "audio_t": torch.arange(4.0).unsqueeze(0),
    }
    learned = SequenceEmbedder({"words": 1, "audio": 3}, 16, vocab_size=5, dropout=0.0)
    assert learned("words", inputs).shape == (1, 3, 16) and learned("audio", inputs).shape == (1, 4, 16)
    assert "words" not in learned.proj and learned.word_table is not None
    frozen = SequenceEmbedder({"words": 6}, 16, vocab_size=0, dropout=0.0)
    out = frozen("words", {"words_x": torch.randn(1, 2, 6), "words_t": torch.zeros(1, 2)})
    assert out.shape == (1, 2, 16) and frozen.word_table is None
