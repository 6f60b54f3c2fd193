"""polimodal.extract.download on real files: a local HTTP server feeds yt-dlp's generic extractor.

Nothing here reaches the network: every URL is http://127.0.0.1:<random port>/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yt_dlp
from yt_dlp.utils import DownloadError

from polimodal.corpus.schemas import COUNT_COLUMNS, VIDEOS
from polimodal.corpus.videos import VideoSource
from polimodal.errors import MediaUnavailable
from polimodal.extract import videos
from polimodal.extract.download import classify_download_error, counts, ingest_video, ydl_params, youtube_url
from polimodal.extract.ingest import IngestOptions
from polimodal.extract.probe import probe
from polimodal.synthetic.media import make_video

FAST = IngestOptions(retries=0, sleep_interval=0, socket_timeout=5, max_duration=60)


@pytest.fixture(scope="module")
def files(module_http_dir: tuple[Path, str]) -> Path:
    """The served folder: a clip with speech, an audio-only file, a long clip, bad files."""
    d, _ = module_http_dir
    make_video(d / "clip.mp4", duration=2.0, speech="the parliament votes today")
    make_video(d / "audio.m4a", duration=1.5, video=False)
    make_video(d / "long.mp4", duration=3.0, size=(64, 48), fps=5, audio=False)
    (d / "truncated.mp4").write_bytes((d / "clip.mp4").read_bytes()[:2048])
    (d / "zero.mp4").write_bytes(b"")
    (d / "page.html").write_text(
        "<!doctype html><html><head><title>Hi</title></head><body>No video.</body></html>"
    )
    return d


@pytest.fixture(scope="module")
def server(module_http_dir: tuple[Path, str], files: Path) -> str:
    """Base URL of the local HTTP server (random port) serving ``files``."""
    return module_http_dir[1]


def unavailable(
    video: VideoSource, media_dir: Path, options: IngestOptions = FAST, **kw: Any
) -> MediaUnavailable:
    with pytest.raises(MediaUnavailable) as err:
        ingest_video(video, media_dir, options, **kw)
    return err.value


def test_ydl_params(tmp_path: Path) -> None:
    cookies = tmp_path / "cookies.txt"
    cookies.write_text("# Netscape HTTP Cookie File\n")
    opts = IngestOptions.from_config({"cookies": str(cookies), "retries": 5, "sleep_interval": 2})
    params = ydl_params(opts, "/m/x.%(ext)s")
    assert params["outtmpl"] == {"default": "/m/x.%(ext)s"}
    assert params["format"] == opts.format
    assert params["retries"] == params["fragment_retries"] == params["extractor_retries"] == 5
    assert params["sleep_interval_requests"] == params["sleep_interval"] == 2.0
    assert params["cookiefile"] == str(cookies)
    assert params["socket_timeout"] == 30 and params["noplaylist"] and params["quiet"]
    assert params["retry_sleep_functions"]["http"](3) == 16.0
    yt_dlp.YoutubeDL(params).close()  # yt-dlp accepts them


def test_youtube_url() -> None:
    assert youtube_url("dQw4w9WgXcQ") == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert youtube_url("https://youtu.be/dQw4w9WgXcQ") == "https://youtu.be/dQw4w9WgXcQ"


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        (
            "ERROR: [youtube] abc: Private video. Sign in if you've been granted access to this video",
            "private",
        ),
        ("ERROR: [youtube] abc: Video unavailable. This video has been removed by the uploader", "removed"),
        (
            "ERROR: [youtube] abc: Video unavailable. This video is no longer available because the YouTube "
            "account associated with this video has been terminated.",
            "removed",
        ),
        (
            "ERROR: [youtube] abc: Video unavailable. The uploader has not made this video available in your "
            "country",
            "geo_blocked",
        ),
        (
            "ERROR: [youtube] abc: Sign in to confirm your age. "
            "This video may be inappropriate for some users.",
            "age_restricted",
        ),
        ("ERROR: [youtube] abc: Sign in to confirm you’re not a bot.", "rate_limited"),
        ("ERROR: [youtube] abc: Join this channel to get access to members-only content", "login_required"),
        ("ERROR: [youtube] abc: This live event will begin in 3 hours.", "live"),
        ("ERROR: [generic] x: Unable to download webpage: HTTP Error 404: Not Found", "not_found"),
        ("ERROR: [generic] x: Unable to download webpage: HTTP Error 410: Gone", "removed"),
        ("ERROR: Unsupported URL: https://example.org/", "unsupported"),
        ("ERROR: [youtube] abc: Requested format is not available", "no_format"),
        ("ERROR: unable to download video data: HTTP Error 503: Service Unavailable", "download_error"),
    ],
)
def test_classify_download_error(message: str, kind: str) -> None:
    assert classify_download_error(message) == kind


# ----------------------------------------------------------------------------- URLs (yt-dlp)
def test_url_download(server: str, tmp_path: Path) -> None:
    row = ingest_video(VideoSource("v1", f"{server}/clip.mp4"), tmp_path, FAST)
    assert row["source_kind"] == "url" and row["media_file"] == "v1.mp4"
    info = probe(tmp_path / "v1.mp4")
    assert info.has_audio and info.has_video
    assert info.duration == pytest.approx(2.0, abs=0.1)
    assert row["duration"] == pytest.approx(info.duration)
    assert (row["width"], row["height"], row["fps"]) == (320, 240, pytest.approx(25.0))
    assert row["title"] == "clip" and row["webpage_url"] == f"{server}/clip.mp4"
    # no listing: the generic extractor's file name and the server's Last-Modified date, said so
    assert row["title_source"] == "file_name" and row["upload_time"] is not None
    assert row["upload_time_source"] == "http_last_modified"
    assert set(row) | set(videos.EXTRACTED_COLUMNS) == set(VIDEOS.names)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v1.mp4"]  # no staging leftovers
    # the generic extractor counts nothing: the counts columns are there, null
    assert {c: row[c] for c in COUNT_COLUMNS} == dict.fromkeys(COUNT_COLUMNS)


def test_counts_of_a_site() -> None:
    # the keys and types of yt-dlp's YouTube extractor; a count a site hides is None, or junk
    info = {"view_count": 1234, "like_count": 56.0, "comment_count": None, "channel_follower_count": True}
    assert counts(info) == {
        "view_count": 1234,
        "like_count": 56,
        "comment_count": None,
        "channel_follower_count": None,
    }
    assert counts({"view_count": -1, "like_count": "7"}) == dict.fromkeys(COUNT_COLUMNS)


def test_url_audio_only(server: str, tmp_path: Path) -> None:
    row = ingest_video(VideoSource("a1", f"{server}/audio.m4a"), tmp_path, FAST)
    assert row["has_audio"] and not row["has_video"]
    assert row["width"] is None and row["fps"] is None


def test_url_404(server: str, tmp_path: Path) -> None:
    err = unavailable(VideoSource("x404", f"{server}/missing.mp4"), tmp_path)
    assert err.kind == "not_found"
    assert "404" in err.reason
    assert list(tmp_path.iterdir()) == []


def test_url_410_is_removed_as_a_gone_channel_is(feeds, tmp_path: Path) -> None:
    # a video that answers 410 Gone is recorded as a channel that does (removed), not as a
    # download_error; 404 stays not_found (test_url_404)
    _, base, counts = feeds
    media = tmp_path / "media"
    err = unavailable(VideoSource("g410", f"{base}/gone410/clip.mp4"), media)
    assert err.kind == "removed" and "410" in err.reason
    assert counts["/gone410/clip.mp4"] >= 1
    assert list(media.iterdir()) == []


def test_url_html_page_is_unsupported(server: str, tmp_path: Path) -> None:
    err = unavailable(VideoSource("page", f"{server}/page.html"), tmp_path)
    assert err.kind == "unsupported"
    assert "page.html" in err.reason


def test_url_truncated_file_is_corrupt_and_deleted(server: str, tmp_path: Path) -> None:
    err = unavailable(VideoSource("cut", f"{server}/truncated.mp4"), tmp_path)
    assert err.kind == "corrupt"
    assert "cut" in err.reason
    assert list(tmp_path.iterdir()) == []


def test_url_zero_bytes(server: str, tmp_path: Path) -> None:
    err = unavailable(VideoSource("zero", f"{server}/zero.mp4"), tmp_path)
    assert err.kind in {"empty", "corrupt"}
    assert list(tmp_path.iterdir()) == []


def test_url_too_long_after_download(server: str, tmp_path: Path) -> None:
    # The generic extractor knows no duration before downloading: ffprobe decides.
    opts = IngestOptions(retries=0, sleep_interval=0, max_duration=2.5)
    err = unavailable(VideoSource("long", f"{server}/long.mp4"), tmp_path, opts)
    assert err.kind == "too_long"
    assert "video long" in err.reason and "max_duration = 2.5 s" in err.reason
    assert list(tmp_path.iterdir()) == []


class FakeYdl:
    """A YoutubeDL stand-in that behaves like an extractor reporting metadata."""

    def __init__(self, params: dict[str, Any], info: dict[str, Any] | None = None, error: str | None = None):
        self.params, self.info, self.error = params, info or {}, error

    def __enter__(self) -> FakeYdl:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def extract_info(self, url: str, download: bool = True) -> dict[str, Any]:
        if self.error:
            Path(self.params["outtmpl"]["default"].replace("%(ext)s", "mp4.part")).write_bytes(b"xx")
            raise DownloadError(self.error)
        rejected = self.params["match_filter"](self.info, incomplete=False)
        assert rejected  # these tests only exercise rejections
        return self.info


def test_too_long_rejected_before_download(tmp_path: Path) -> None:
    opts = IngestOptions(sleep_interval=0, max_duration=600)
    info = {"id": "abc", "title": "Debate", "duration": 10_000}
    err = unavailable(VideoSource("yt1", "dQw4w9WgXcQ"), tmp_path, opts, ydl=lambda p: FakeYdl(p, info))
    assert err.kind == "too_long" and "10000 s" in err.reason and "yt1" in err.reason
    assert list(tmp_path.iterdir()) == []


def test_playlist_entries_are_refused(tmp_path: Path) -> None:
    info = {"id": "e1", "playlist_index": 1, "playlist": "Speeches"}
    err = unavailable(
        VideoSource("pl", "https://www.youtube.com/playlist?list=PL1"),
        tmp_path,
        ydl=lambda p: FakeYdl(p, info),
    )
    assert err.kind == "unsupported" and "playlist" in err.reason


def test_download_error_keeps_message_and_cleans_up(tmp_path: Path) -> None:
    msg = "ERROR: [youtube] dQw4w9WgXcQ: Private video. Sign in if you've been granted access to this video"
    err = unavailable(VideoSource("p1", "dQw4w9WgXcQ"), tmp_path, ydl=lambda p: FakeYdl(p, error=msg))
    assert err.kind == "private" and err.reason == msg
    assert list(tmp_path.iterdir()) == []  # the .part file went with the staging folder


# ----------------------------------------------------------------------------- local files
def test_local_file_is_symlinked(files: Path, tmp_path: Path) -> None:
    media_dir = tmp_path / "media"
    row = ingest_video(VideoSource("loc", str(files / "clip.mp4")), media_dir, FAST)
    link = media_dir / "loc.mp4"
    assert row["media_file"] == "loc.mp4" and row["source_kind"] == "local"
    assert link.is_symlink() and Path(os.readlink(link)) == files / "clip.mp4"
    assert row["title"] == "clip" and row["description"] is None and row["upload_time"] is None
    assert row["title_source"] == "file_name" and row["upload_time_source"] is None
    assert row["has_audio"] and row["duration"] == pytest.approx(2.0, abs=0.1)
    shutil.rmtree(media_dir)  # deleting the temp media folder keeps the user's file
    assert (files / "clip.mp4").is_file()


def test_local_relative_path_links_absolute(
    files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(files)
    ingest_video(VideoSource("rel", "audio.m4a"), tmp_path, FAST)
    target = Path(os.readlink(tmp_path / "rel.m4a"))
    assert target.is_absolute() and target == files / "audio.m4a"


@pytest.mark.parametrize(
    ("name", "kinds"),
    [("missing.mp4", {"not_found"}), ("truncated.mp4", {"corrupt"}), ("zero.mp4", {"empty", "corrupt"})],
)
def test_local_unusable(files: Path, tmp_path: Path, name: str, kinds: set[str]) -> None:
    err = unavailable(VideoSource("bad", str(files / name)), tmp_path)
    assert err.kind in kinds
    assert "bad" in err.reason and name in err.reason
    assert list(tmp_path.iterdir()) == []


def test_local_too_long(files: Path, tmp_path: Path) -> None:
    opts = IngestOptions(max_duration=2.5)
    err = unavailable(VideoSource("long", str(files / "long.mp4")), tmp_path, opts)
    assert err.kind == "too_long"
