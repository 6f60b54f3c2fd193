"""Ingest a shard of posts: images to FRAMES, texts to TRANSCRIPTS, every failure recorded."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow.parquet as pq
from PIL import Image

from polimodal.corpus.posts import Post
from polimodal.corpus.schemas import FRAMES, TRANSCRIPTS, UNAVAILABLE, VIDEOS, read_parquet
from polimodal.extract.frames import FrameOptions
from polimodal.extract.images import ImageFetcher
from polimodal.extract.ingest import IngestOptions
from polimodal.extract.posts import ingest_posts_shard, write_post_texts


def _image(fmt: str, colour: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (64, 48)) -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", size, colour)
    if fmt == "CMYK":
        img.convert("CMYK").save(buf, format="JPEG")
    elif fmt == "P":
        img.convert("P", palette=Image.Palette.ADAPTIVE).save(buf, format="PNG")
    elif fmt == "GIF":
        other = Image.new("RGB", size, (0, 0, 255))
        img.save(buf, format="GIF", save_all=True, append_images=[other], duration=50)
    else:
        img.save(buf, format=fmt)
    return buf.getvalue()


def test_posts_shard_with_every_kind_of_bad_image(tmp_path: Path, http_dir: tuple[Path, str]) -> None:
    www, url = http_dir
    (www / "ok.png").write_bytes(_image("PNG"))
    (www / "cmyk.jpg").write_bytes(_image("CMYK"))
    (www / "pal.png").write_bytes(_image("P"))
    (www / "anim.gif").write_bytes(_image("GIF"))
    (www / "login.html").write_text("<!doctype html><html><body>log in</body></html>")
    (www / "zero.jpg").write_bytes(b"")
    good = _image("JPEG", size=(300, 300))
    (www / "cut.jpg").write_bytes(good[: len(good) // 3])
    (www / "junk.jpg").write_bytes(b"\x00\x01garbage")
    local = tmp_path / "local.jpg"
    local.write_bytes(_image("JPEG", size=(2000, 1000)))
    posts = [
        Post("p_ok", "Vote yes", (f"{url}/ok.png", str(local), f"{url}/cmyk.jpg", f"{url}/pal.png")),
        Post("p_anim", "An animation", (f"{url}/anim.gif",)),
        Post("p_bad", "Text survives", (f"{url}/login.html", f"{url}/zero.jpg", f"{url}/cut.jpg",
                                        f"{url}/junk.jpg", f"{url}/gone.png", str(tmp_path / "nope.jpg"))),
        Post("p_notext", "", (f"{url}/ok.png",)),
        Post("p_noimage", "Only words", ()),
        Post("p_nothing", "", (f"{url}/gone.png",)),
    ]  # fmt: skip
    out = tmp_path / "out"
    fetcher = ImageFetcher(retries=0, sleep_interval=0, socket_timeout=10)
    ingest_posts_shard(
        posts,
        out / "videos.parquet",
        out / "unavailable.parquet",
        IngestOptions(sleep_interval=0),
        frames_out=out / "frames.parquet",
        audio_out=out / "audio.parquet",
        frame_options=FrameOptions(max_side=256),
        fetcher=fetcher,
    )
    videos = read_parquet(out / "videos.parquet", VIDEOS).to_pandas().set_index("video_id")
    assert list(videos.index) == ["p_ok", "p_anim", "p_bad", "p_notext", "p_noimage"]
    assert videos.loc["p_ok", "n_frames"] == 4 and videos.loc["p_bad", "n_frames"] == 0
    assert set(videos["source_kind"]) == {"post"} and not videos["has_audio"].any()
    frames = read_parquet(out / "frames.parquet", FRAMES).to_pandas()
    ok = frames[frames.video_id == "p_ok"]
    assert list(ok.frame_idx) == [0, 1, 2, 3] and max(ok.width.max(), ok.height.max()) <= 256
    for jpeg in frames.jpeg:
        assert Image.open(io.BytesIO(jpeg)).mode == "RGB"
    anim = Image.open(io.BytesIO(frames[frames.video_id == "p_anim"].jpeg.iloc[0])).getpixel((5, 5))
    assert anim[0] > anim[2]  # the first (red) frame
    assert pq.read_table(out / "audio.parquet").num_rows == 0
    un = read_parquet(out / "unavailable.parquet", UNAVAILABLE).to_pandas()
    kinds = {(r.video_id, r.stage, r.kind) for r in un.itertuples()}
    assert {
        ("p_bad", "image", "not_image"),
        ("p_bad", "image", "empty"),
        ("p_bad", "image", "corrupt"),
        ("p_bad", "image", "not_found"),
        ("p_notext", "text", "empty"),
        ("p_noimage", "images", "no_image"),
        ("p_nothing", "ingest", "not_found"),
    } <= kinds
    assert len(un[(un.video_id == "p_bad") & (un.kind == "corrupt")]) == 2  # truncated and junk
    assert all(un.reason.str.len() > 10)

    texts = write_post_texts(posts, out / "texts.parquet")
    t = read_parquet(texts, TRANSCRIPTS).to_pandas().set_index("video_id")
    assert t.loc["p_bad", "text"] == "Text survives" and t.loc["p_notext", "n_segments"] == 0
