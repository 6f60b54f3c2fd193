"""What the sequence models read (:mod:`polimodal.models.torch.sequence_features`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from polimodal.data.sequences import SequenceStore, VideoSequences
from polimodal.data.videodata import VideoData
from polimodal.models.torch.params import EarlyFusionParams
from polimodal.models.torch.sequence_features import UNK, VOCAB_FILE, SequenceFeatures, normalise_word


def data() -> VideoData:
    seq = VideoSequences(
        words=["The", "budget,", "the", "tax"],
        word_times=np.array([[0, 0.2], [0.2, 0.6], [1, 1.2], [2, 2.4]], np.float32),
        word_pitch=np.array([0, 1.5, 0, 2.0], np.float32), word_frames=[0, 0, 1, None],
        audio=np.ones((3, 3), np.float32), audio_times=np.array([0.0, 0.1, 0.2], np.float32),
        frames=np.array([[1, 1], [2, 2]], np.float32), frame_times=np.array([0.0, 1.0], np.float32),
        frame_idx=[0, 1],
    )  # fmt: skip
    store = SequenceStore.from_sequences({"a": seq})  # "b": nothing at all
    return VideoData(["a", "b"], ["yes", "no"], ["", ""], None, store)


def test_vocabulary_and_padded_batches(tmp_path: Path) -> None:
    assert normalise_word(" «Budget,» ") == "budget"
    options = EarlyFusionParams(modalities=["words", "audio", "frames"], vocab_size=1)
    features = SequenceFeatures(options, word_frames=True)
    features.fit(data())
    assert features.vocab == {"the": 2} and features.frame_dim == 2 and features.vocab_rows == 3
    assert features.in_dims() == {"words": 1, "audio": 3, "frames": 2}
    batch = features.collate(data(), [0, 1])
    assert batch["words_ids"].tolist() == [[2, UNK, 2, UNK], [0, 0, 0, 0]]
    assert batch["words_pad"].tolist() == [[False] * 4, [True] * 4]
    torch.testing.assert_close(batch["words_t"][0], torch.tensor([0.1, 0.4, 1.1, 2.2]))
    assert batch["words_frame"][0].tolist() == [[1, 1], [1, 1], [2, 2], [0, 0]]  # the frame shown meanwhile
    assert batch["audio_x"].shape == (2, 3, 3) and batch["frames_x"].shape == (2, 2, 2)
    features.save(tmp_path)
    again = SequenceFeatures(options)
    again.load(tmp_path)
    assert (tmp_path / VOCAB_FILE).exists() and again.vocab == features.vocab and again.frame_dim == 2
