"""polimodal.extract.captions on loopback: yt-dlp's generic extractor reads an HTML5 page's
``<video>`` with its ``<track kind="captions">`` files, served by a local HTTP server."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from polimodal.corpus.caption_schemas import CAPTION_TRACKS, CAPTIONS
from polimodal.corpus.schemas import UNAVAILABLE, read_parquet
from polimodal.extract.captions import CaptionOptions, captions_shard, fetch_captions, read_tracks
from polimodal.extract.ingest import IngestOptions
from polimodal.synthetic.media import make_video

FAST = IngestOptions(retries=0, sleep_interval=0, socket_timeout=5)
VTT_EN = (
    "WEBVTT\n\n00:00:00.000 --> 00:00:00.800\nThe parliament\n\n00:00:00.800 --> 00:00:01.500\nvotes today\n"
)
VTT_DE = (
    "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nDas Parlament stimmt heute ab, für Größe\n\n"
    "00:xx --> 1\nbroken\n"
)


def page(video: str, *tracks: tuple[str, str, str]) -> str:
    lines = "".join(f'<track kind="{kind}" srclang="{lang}" src="{src}">' for kind, lang, src in tracks)
    head = "<!doctype html><html><head><title>Debate</title></head>"
    return f"{head}<body><video controls src='{video}'>{lines}</video></body></html>"


@pytest.fixture(scope="module")
def server(module_http_dir: tuple[Path, str]) -> str:
    d, url = module_http_dir
    make_video(d / "clip.mp4", duration=1.5, size=(64, 48), fps=5)
    (d / "en.vtt").write_text(VTT_EN)
    (d / "de.vtt").write_bytes(VTT_DE.encode("latin-1"))  # a wrong encoding and a malformed cue
    (d / "bad.vtt").write_text("not a caption file\n")
    (d / "two.html").write_text(page("clip.mp4", ("captions", "en", "en.vtt"), ("subtitles", "de", "de.vtt")))
    (d / "bad.html").write_text(page("clip.mp4", ("captions", "fr", "bad.vtt")))
    (d / "none.html").write_text(page("clip.mp4"))
    return url


def test_tracks_of_an_html5_page(server: str) -> None:
    cues, tracks = fetch_captions("v1", f"{server}/two.html", CaptionOptions(enabled=True), FAST)
    en = [(c["start"], c["end"], c["text"]) for c in cues if c["language"] == "en"]
    assert en == [(0.0, 0.8, "The parliament"), (0.8, 1.5, "votes today")]
    de = [c["text"] for c in cues if c["language"] == "de"]
    assert de == ["Das Parlament stimmt heute ab, für Größe"]
    by_lang = {t["language"]: t for t in tracks}
    assert set(by_lang) == {"en", "de"} and not any(t["automatic"] for t in tracks)
    assert by_lang["en"]["note"] is None and by_lang["en"]["n_cues"] == 2
    assert by_lang["de"]["encoding"] == "cp1252" and by_lang["de"]["n_skipped"] == 1
    assert "not UTF-8" in by_lang["de"]["note"] and "malformed" in by_lang["de"]["note"]


def test_languages_select_tracks(server: str) -> None:
    cues, tracks = fetch_captions("v1", f"{server}/two.html", CaptionOptions(languages=["de"]), FAST)
    assert [t["language"] for t in tracks] == ["de"] and {c["language"] for c in cues} == {"de"}


def test_unreadable_track_is_recorded(server: str) -> None:
    cues, tracks = fetch_captions("v2", f"{server}/bad.html", CaptionOptions(), FAST)
    assert cues == [] and len(tracks) == 1
    assert tracks[0]["n_cues"] == 0 and "not a WebVTT file" in tracks[0]["note"]


def test_shard(server: str, tmp_path: Path) -> None:
    videos = [
        {"video_id": "v1", "source": f"{server}/two.html"},
        {"video_id": "none", "source": f"{server}/none.html"},
        {"video_id": "gone", "source": f"{server}/missing.html"},
        {"video_id": "local", "source": str(tmp_path / "x.mp4")},
    ]
    out = {n: tmp_path / f"{n}.parquet" for n in ("captions", "tracks", "failures")}
    captions_shard(videos, out["captions"], out["tracks"], out["failures"], CaptionOptions(), FAST)
    caps = read_parquet(out["captions"], CAPTIONS).to_pylist()
    assert {c["video_id"] for c in caps} == {"v1"} and len(caps) == 3
    assert len(read_parquet(out["tracks"], CAPTION_TRACKS)) == 2
    failures = read_parquet(out["failures"], UNAVAILABLE).to_pylist()
    assert [(f["video_id"], f["stage"], f["kind"]) for f in failures] == [("gone", "captions", "not_found")]
    assert pq.read_schema(out["captions"]).names == CAPTIONS.names


def test_automatic_tracks_are_told_from_manual(tmp_path: Path) -> None:
    # yt-dlp's info dict for a YouTube video (no site is reached here): a manual English track and
    # an automatic German one, as process_subtitles lists them in requested_subtitles
    for lang in ("en", "de-orig"):
        (tmp_path / f"c.{lang}.vtt").write_text(VTT_EN)
    info = {
        "subtitles": {"en": [{"ext": "vtt"}]},
        "automatic_captions": {"en": [{"ext": "vtt"}], "de-orig": [{"ext": "vtt"}]},
        "requested_subtitles": {
            lang: {"ext": "vtt", "filepath": str(tmp_path / f"c.{lang}.vtt")} for lang in ("en", "de-orig")
        }
        | {"fr": {"ext": "srv3", "filepath": str(tmp_path / "c.fr.srv3")}},
    }
    cues, tracks = read_tracks("yt", info)
    assert {(t["language"], t["automatic"]) for t in tracks} == {
        ("en", False),
        ("de-orig", True),
        ("fr", True),
    }
    assert {c["language"] for c in cues} == {"en", "de-orig"}
    fr = next(t for t in tracks if t["language"] == "fr")
    assert fr["n_cues"] == 0 and "wrote no file" in fr["note"]
