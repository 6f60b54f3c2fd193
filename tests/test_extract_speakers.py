"""Speaker diarization on espeak-ng dialogues of known turns (polimodal.extract.speakers)."""

from __future__ import annotations

import numpy as np
import pytest

from polimodal.corpus.schemas import AUDIO, VIDEOS, read_parquet, write_parquet
from polimodal.corpus.schemas_speakers import SPEAKERS
from polimodal.errors import ConfigError
from polimodal.extract.audio import SAMPLE_RATE, extract_audio
from polimodal.extract.speakers import SpeakersOptions, diarize, load_encoder, speakers_shard
from polimodal.synthetic.dialogue import der, make_dialogue

pytestmark = pytest.mark.filterwarnings("ignore:'uem' was approximated")


@pytest.fixture(scope="module")
def encoder():
    return load_encoder(SpeakersOptions(device="cpu"))


def _rows(turns):
    return [(t.start, t.end, t.speaker) for t in turns]


def test_two_alternating_voices_are_two_speakers_at_their_times(encoder):
    d = make_dialogue([0, 1, 0, 1])
    turns = diarize(d.samples, encoder)
    assert {t.speaker for t in turns} == {"SPEAKER_00", "SPEAKER_01"}
    assert der(d.truth, _rows(turns)) < 0.2  # measured 0.037 (bench/bench_speakers.py)
    assert turns[0].speaker == "SPEAKER_00" and turns[0].start < d.truth[0][0] + 0.3
    for t in turns:  # one voice's turns are one voice (cosine similarity of the embeddings)
        assert t.embedding is not None and t.embedding.shape == (256,)
    same = [a.embedding @ b.embedding for a in turns for b in turns if a is not b and a.speaker == b.speaker]
    other = [a.embedding @ b.embedding for a in turns for b in turns if a.speaker != b.speaker]
    assert min(same) > max(other)


def test_three_voices_are_three_speakers(encoder):
    d = make_dialogue([0, 1, 2, 0, 1, 2])
    turns = diarize(d.samples, encoder)
    assert len({t.speaker for t in turns}) == 3
    assert der(d.truth, _rows(turns)) < 0.2  # measured 0.031


def test_the_sheets_number_of_speakers_is_used(encoder):
    d = make_dialogue([0, 1, 2, 0, 1, 2])
    assert len({t.speaker for t in diarize(d.samples, encoder, num_speakers=2)}) == 2


@pytest.mark.parametrize("voice", [0, 1])
def test_one_voice_only_is_one_speaker(encoder, voice):
    d = make_dialogue([voice, voice, voice])
    turns = diarize(d.samples, encoder)
    assert {t.speaker for t in turns} == {"SPEAKER_00"}
    assert der(d.truth, _rows(turns)) < 0.2


def test_no_speech_has_no_turns(encoder):
    rng = np.random.default_rng(0)
    for samples in (np.zeros(3 * SAMPLE_RATE), rng.normal(0, 1e-4, 3 * SAMPLE_RATE), np.zeros(100)):
        assert diarize(samples.astype(np.float32), encoder) == []


def test_options_are_checked():
    with pytest.raises(ConfigError, match=r"speakers\.step"):
        SpeakersOptions.from_config({"step": 3.0})
    with pytest.raises(ConfigError, match=r"speakers\.backend"):
        SpeakersOptions.from_config({"backend": "whisperx"})
    with pytest.raises(ConfigError, match=r"speakers\.threshold"):
        SpeakersOptions.from_config({"threshold": 0})


def test_speakers_shard_writes_turns_of_each_video(tmp_path, encoder):
    dialogue = make_dialogue([0, 1, 0]).write_wav(tmp_path / "dialogue.wav")
    silent = make_dialogue([]).write_wav(tmp_path / "silent.wav")
    write_parquet(
        [extract_audio(p, video_id=p.stem) for p in (dialogue, silent)], tmp_path / "audio.parquet", AUDIO
    )
    videos = [
        {"video_id": v, "source": v, "source_kind": "local", "audio_digest": d}
        for v, d in [("dialogue", "a"), ("silent", "b"), ("noaudio", None)]
    ]
    write_parquet(videos, tmp_path / "videos.parquet", VIDEOS)
    out = tmp_path / "speakers.parquet"
    speakers_shard(
        tmp_path / "videos.parquet", tmp_path / "audio.parquet", out, SpeakersOptions(device="cpu")
    )
    table = read_parquet(out, SPEAKERS).to_pandas()
    assert set(table.video_id) == {"dialogue"}  # silence and no audio: no turns, no error
    assert table.speaker.tolist()[:3] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00"]
    assert (table.n_speakers == 2).all() and table.turn_idx.tolist() == list(range(len(table)))
    assert not out.with_name(out.name + ".parts").exists()
    # the sheet's num_speakers is part of the video's key: set to 1, the video is redone
    speakers_shard(
        tmp_path / "videos.parquet",
        tmp_path / "audio.parquet",
        out,
        SpeakersOptions(device="cpu"),
        {"dialogue": 1},
    )
    assert set(read_parquet(out, SPEAKERS).to_pandas().speaker) == {"SPEAKER_00"}


def test_the_sheets_num_speakers_column_is_read_per_shard_and_checked():
    import pandas as pd

    from polimodal.errors import SampleSheetError
    from polimodal.extract.speakers import sheet_num_speakers

    sheet = pd.DataFrame(
        {"video_id": ["a", "b", "c"], "source": ["x", "y", "z"], "num_speakers": ["2", "", "3"]}
    )
    assert sheet_num_speakers(sheet) == {"a": 2, "c": 3}
    assert sheet_num_speakers(sheet, 1, 3) == {"c": 3}
    assert sheet_num_speakers(sheet.drop(columns="num_speakers")) == {}
    with pytest.raises(SampleSheetError, match=r"row 3 \(video_id 'b'\): num_speakers '1.5'"):
        sheet_num_speakers(sheet.assign(num_speakers=["2", "1.5", "0"]))
