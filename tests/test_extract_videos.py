"""polimodal.extract.videos: a shard of videos fetched (local HTTP server, local files), its frames and
audio extracted, every failure recorded, resumable.

Nothing here reaches the network: every URL is http://127.0.0.1:<random port>/.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, ClassVar

import pyarrow.parquet as pq
import pytest
import yt_dlp

from conftest import make_feed
from polimodal.corpus.channels import ChannelOptions
from polimodal.corpus.samples import VIDEO_SHEET
from polimodal.corpus.schemas import AUDIO, FRAMES, UNAVAILABLE, VIDEOS, read_parquet
from polimodal.corpus.shards import parts_dir
from polimodal.corpus.videos import VideoSource
from polimodal.errors import MediaUnavailable
from polimodal.extract import download, videos
from polimodal.extract.audio import SAMPLE_RATE
from polimodal.extract.channels import list_videos
from polimodal.extract.frames import FrameOptions
from polimodal.extract.ingest import IngestOptions
from polimodal.extract.probe import probe
from polimodal.extract.videos import ingest_shard
from polimodal.synthetic.media import make_video

FAST = IngestOptions(retries=0, sleep_interval=0, socket_timeout=5, max_duration=60)


@pytest.fixture(scope="module")
def files(module_http_dir: tuple[Path, str]) -> Path:
    """The served folder: a clip with speech, an audio-only file, a long clip without audio."""
    d, _ = module_http_dir
    make_video(d / "clip.mp4", duration=2.0, speech="the parliament votes today")
    make_video(d / "audio.m4a", duration=1.5, video=False)
    make_video(d / "long.mp4", duration=3.0, size=(64, 48), fps=5, audio=False)
    return d


@pytest.fixture(scope="module")
def server(module_http_dir: tuple[Path, str], files: Path) -> str:
    """Base URL of the local HTTP server (random port) serving ``files``."""
    return module_http_dir[1]


def shard_videos(server: str, files: Path) -> list[VideoSource]:
    return [
        VideoSource("ok_url", f"{server}/clip.mp4"),
        VideoSource("gone", f"{server}/missing.mp4"),
        VideoSource("ok_local", str(files / "audio.m4a")),
        VideoSource("no_file", str(files / "nope.mp4")),
        VideoSource("ok_url2", f"{server}/long.mp4"),
    ]


OUTPUTS = ("videos", "unavailable", "frames", "audio")


def ingest_to(out: Path, videos: list[VideoSource], options: IngestOptions = FAST) -> dict[str, Path]:
    """Run ingest_shard into ``out``; return the paths of its four outputs."""
    paths = {name: out / f"{name}.parquet" for name in OUTPUTS}
    ingest_shard(
        videos,
        out / "media",
        paths["videos"],
        paths["unavailable"],
        options,
        frames_out=paths["frames"],
        audio_out=paths["audio"],
        frame_options=FrameOptions(fps=1.0),
    )
    return paths


def test_ingest_shard_outputs(server: str, files: Path, tmp_path: Path) -> None:
    out = tmp_path / "000000"
    videos = shard_videos(server, files)
    paths = ingest_to(out, videos)
    ok = read_parquet(paths["videos"], VIDEOS).to_pylist()
    bad = read_parquet(paths["unavailable"], UNAVAILABLE).to_pylist()
    assert [r["video_id"] for r in ok] == ["ok_url", "ok_local", "ok_url2"]
    assert {r["video_id"]: r["kind"] for r in bad} == {"gone": "not_found", "no_file": "not_found"}
    assert all(r["stage"] == "ingest" for r in bad)
    assert {r["video_id"] for r in ok} | {r["video_id"] for r in bad} == {v.video_id for v in videos}
    # frames and audio were extracted in the same job: 1 fps, 16 kHz mono FLAC
    frames = read_parquet(paths["frames"], FRAMES).to_pandas()
    assert frames.groupby("video_id").size().to_dict() == {"ok_url": 2, "ok_url2": 3}
    audio = read_parquet(paths["audio"], AUDIO).to_pandas().set_index("video_id")
    assert sorted(audio.index) == ["ok_local", "ok_url"]  # long.mp4 has no audio track
    assert audio.loc["ok_url", "duration"] == pytest.approx(2.0, abs=0.1)
    assert (audio["sample_rate"] == SAMPLE_RATE).all() and (audio["lost_seconds"] == 0).all()
    rows = {r["video_id"]: r for r in ok}
    assert rows["ok_url"]["n_frames"] == 2 and rows["ok_local"]["n_frames"] == 0
    assert rows["ok_url"]["frames_digest"] and rows["ok_local"]["frames_digest"] is None
    assert rows["ok_url"]["audio_digest"] and rows["ok_url2"]["audio_digest"] is None
    assert rows["ok_url"]["media_bytes"] == (files / "clip.mp4").stat().st_size
    # the media lived only inside the job; the user's local file is untouched
    assert not (out / "media").exists()
    assert (files / "audio.m4a").is_file()
    assert not parts_dir(paths["videos"]).exists()


def test_keep_media_keeps_the_fetched_files(server: str, files: Path, tmp_path: Path) -> None:
    out = tmp_path / "kept"
    ingest_to(
        out, [VideoSource("a", f"{server}/clip.mp4")], IngestOptions(**{**FAST.__dict__, "keep_media": True})
    )
    assert probe(out / "media" / "a.mp4").has_audio


def test_undecodable_frames_keep_the_video_and_its_audio(
    files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(path: Any, options: Any, *, video_id: str, backend: str) -> list[dict[str, Any]]:
        raise MediaUnavailable("corrupt", f"{path}: cannot decode video: damaged")

    monkeypatch.setattr(videos, "extract_frames", broken)
    paths = ingest_to(tmp_path / "out", [VideoSource("v", str(files / "clip.mp4"))])
    assert read_parquet(paths["videos"], VIDEOS).column("video_id").to_pylist() == ["v"]
    bad = read_parquet(paths["unavailable"], UNAVAILABLE).to_pylist()
    assert [(r["video_id"], r["stage"], r["kind"]) for r in bad] == [("v", "frames", "corrupt")]
    assert read_parquet(paths["frames"], FRAMES).num_rows == 0
    assert read_parquet(paths["audio"], AUDIO).num_rows == 1


class Counting(yt_dlp.YoutubeDL):  # type: ignore[misc]
    """yt-dlp that records the files it is asked for and can die like a killed job."""

    calls: ClassVar[list[str]] = []
    crash_on: ClassVar[str | None] = None

    def extract_info(self, url: str, *args: Any, **kwargs: Any) -> Any:
        Counting.calls.append(url.rsplit("/", 1)[-1])
        if Counting.crash_on and url.endswith(Counting.crash_on):
            raise RuntimeError("job killed")  # not a per-video error: the job dies
        return super().extract_info(url, *args, **kwargs)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> type[Counting]:
    Counting.calls = []
    Counting.crash_on = None
    monkeypatch.setattr(download.yt_dlp, "YoutubeDL", Counting)
    return Counting


def test_ingest_shard_resumes(server: str, files: Path, tmp_path: Path, counting: type[Counting]) -> None:
    out = tmp_path / "000001"
    videos = shard_videos(server, files)
    counting.crash_on = "long.mp4"
    with pytest.raises(RuntimeError, match="job killed"):
        ingest_to(out, videos)
    assert counting.calls == ["clip.mp4", "missing.mp4", "long.mp4"]
    assert not (out / "videos.parquet").exists()
    parts = parts_dir(out / "videos.parquet")
    assert (parts / "ok_url.frames.parquet").exists() and (parts / "no_file.unavailable.parquet").exists()

    # Rerun: the four finished videos are skipped, only the one that crashed is fetched.
    counting.calls.clear()
    counting.crash_on = None
    paths = ingest_to(out, videos)
    assert counting.calls == ["long.mp4"]
    ok = pq.read_table(paths["videos"]).column("video_id").to_pylist()
    assert ok == ["ok_url", "ok_local", "ok_url2"]
    assert pq.read_table(paths["unavailable"]).num_rows == 2
    assert pq.read_table(paths["frames"]).column("video_id").to_pylist() == ["ok_url"] * 2 + ["ok_url2"] * 3


def test_a_row_changed_after_a_kill_is_fetched_again(
    server: str, files: Path, tmp_path: Path, counting: type[Counting]
) -> None:
    out = tmp_path / "000002"
    videos = [VideoSource("a", f"{server}/clip.mp4"), VideoSource("b", f"{server}/audio.m4a")]
    counting.crash_on = "audio.m4a"
    with pytest.raises(RuntimeError):
        ingest_to(out, videos)
    # the user points row a at another file before the rerun: a is fetched again, from there
    counting.calls.clear()
    counting.crash_on = None
    changed = [VideoSource("a", f"{server}/long.mp4"), videos[1]]
    paths = ingest_to(out, changed)
    assert counting.calls == ["long.mp4", "audio.m4a"]
    rows = {r["video_id"]: r for r in read_parquet(paths["videos"], VIDEOS).to_pylist()}
    assert rows["a"]["source"].endswith("long.mp4") and not rows["a"]["has_audio"]
    assert pq.read_table(paths["frames"]).column("video_id").to_pylist() == ["a"] * 3
    assert pq.read_table(paths["audio"]).column("video_id").to_pylist() == ["b"]


def test_a_rerun_fetches_only_the_videos_it_did_not_have(
    server: str, files: Path, tmp_path: Path, counting: type[Counting]
) -> None:
    out = tmp_path / "000003"
    videos = shard_videos(server, files)
    first = {name: pq.read_table(p) for name, p in ingest_to(out, videos).items()}
    assert counting.calls == ["clip.mp4", "missing.mp4", "long.mp4"]
    for name in OUTPUTS:  # Snakemake deletes a job's outputs before it runs it again
        (out / f"{name}.parquet").unlink()
    counting.calls.clear()
    quieter = IngestOptions(**{**FAST.__dict__, "retries": 1, "socket_timeout": 9.0})  # not output settings
    paths = ingest_to(out, [*videos, VideoSource("new", f"{server}/audio.m4a")], quieter)
    assert counting.calls == ["missing.mp4", "audio.m4a"]  # the unavailable one is tried again
    again = {name: pq.read_table(p) for name, p in paths.items()}
    for name in ("frames", "unavailable"):
        assert again[name].equals(first[name])
    assert again["videos"].column("video_id").to_pylist() == ["ok_url", "ok_local", "ok_url2", "new"]


# ----------------------------------------------------------------------------- a feed's title and date
#: Four dated clips of a feed (as the issue's "part1": a file name that says nothing) and one
#: the feed gives no date for.
FEED = [
    ("part1", "Tue, 03 Mar 2020 10:00:00 GMT"),
    ("part2", "Wed, 04 Mar 2020 18:30:00 GMT"),
    ("part3", "Mon, 06 Jul 2020 08:15:00 GMT"),
    ("part4", "Fri, 01 Jan 2021 00:00:00 GMT"),
    ("part5", None),
]
FEED_TITLES = {
    "part1": "Part one: the new budget",
    "part2": "Part two: taxes & spending",
    "part3": "Part three: the vote",
    "part4": "Part four: after the vote",
    "part5": "Part five: undated",
}


def last_modified(path: Path) -> datetime:
    """What the loopback server's Last-Modified header says of a file (its mtime, to the second)."""
    return datetime.fromtimestamp(int(path.stat().st_mtime), tz=UTC)


def test_a_feeds_titles_and_dates_reach_the_videos_table(feeds, tmp_path: Path) -> None:
    folder, base, _ = feeds
    feed = make_feed(folder, base, "news", FEED, titles=FEED_TITLES)
    for guid, _ in FEED:  # real clips (make_feed writes placeholders a listing never fetches)
        make_video(folder / "news" / f"{guid}.mp4", duration=1.0, size=(64, 48), fps=5, audio=False)
    make_video(folder / "hand.mp4", duration=1.0, size=(64, 48), fps=5, audio=False)
    channels = tmp_path / "channels.tsv"
    channels.write_text(f"channel\n{feed}\n")
    sheet = tmp_path / "videos.tsv"
    list_videos(channels, sheet, tmp_path / "ch", ChannelOptions(), FAST)
    # a row typed in by hand below the listed ones: no listing values
    sheet.write_text(sheet.read_text() + f"hand\t{base}/hand.mp4\t\t\t\n")

    # the ingest job's route: its shard of the sample sheet
    shard = VIDEO_SHEET.read_shard(sheet, 0, 10)
    paths = ingest_to(tmp_path / "000000", shard)
    table = read_parquet(paths["videos"], VIDEOS).to_pandas()
    table = table.set_index(table["video_id"].str.rsplit("-", n=1).str[0])
    assert sorted(table.index) == ["hand", "part1", "part2", "part3", "part4", "part5"]

    dated = [guid for guid, when in FEED if when]
    kept = [
        guid for guid, when in FEED if when and table.at[guid, "upload_time"] == parsedate_to_datetime(when)
    ]
    assert kept == dated  # 4 of 4 dated clips keep the feed's date
    for guid, when in FEED:
        row = table.loc[guid]
        assert row["title"] == FEED_TITLES[guid] and row["title_source"] == "listing"
        if when:
            assert row["upload_time_source"] == "listing"
        else:  # the feed has no date: the server's Last-Modified, as before, said so
            assert row["upload_time"] == last_modified(folder / "news" / f"{guid}.mp4")
            assert row["upload_time_source"] == "http_last_modified"
    # the hand-written row keeps today's behaviour: the file's name and the server's date
    hand = table.loc["hand"]
    assert hand["title"] == "hand" and hand["title_source"] == "file_name"
    assert hand["upload_time"] == last_modified(folder / "hand.mp4")
    assert hand["upload_time_source"] == "http_last_modified"


def test_the_sites_own_metadata_comes_before_the_listings() -> None:
    listed = VideoSource(
        "v", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "Listed title", datetime(2020, 3, 3, tzinfo=UTC)
    )
    # yt-dlp's YouTube extractor gives the video's own title and upload date: they stay first
    youtube = {"extractor_key": "Youtube", "title": "Own title", "upload_date": "20200301"}
    assert download.described(listed, youtube) == {
        "title": "Own title",
        "title_source": "media",
        "upload_time": datetime(2020, 3, 1, tzinfo=UTC),
        "upload_time_source": "media",
    }
    # where they lack one, the listing's fills it in
    assert (
        download.described(listed, {"extractor_key": "Youtube", "title": "Own title"})["upload_time_source"]
        == "listing"
    )
    bare = VideoSource("v", "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    assert download.described(bare, {"extractor_key": "Youtube"}) == {
        "title": None, "title_source": None, "upload_time": None, "upload_time_source": None
    }  # fmt: skip
