"""Parameters of the fine-tuned torch models: one dataclass per kind, defaults in one place.

Imports nothing heavy (no torch), so the workflow checks every model's parameters at start-up
(:func:`polimodal.models.registry.check_model_config`). A key of a model's config section that
is not a field of its kind's dataclass is an error naming the model and the known keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from polimodal.errors import ConfigError
from polimodal.models.params import Rule, TextParams, TrainingParams
from polimodal.options import choice


@dataclass(frozen=True)
class TrainParams(TrainingParams):
    """Training hyper-parameters common to every torch model: the shared training keys
    (:class:`~polimodal.models.params.TrainingParams`) and the compact loop's own."""

    head_lr: float = 0.0  # learning rate of the new head (parameters named head.*); 0: lr
    weighted_loss: bool = False  # class-weighted cross-entropy (weights n / (k · n_class))

    def rules(self) -> dict[str, Rule]:
        return {**super().rules(), "lr": (self.lr > 0 and self.head_lr >= 0, "lr must be > 0, head_lr >= 0")}

    def check(self, where: str) -> None:
        msg = self.broken_rule()
        if msg is not None:
            raise ConfigError(f"{where}: {msg} (got {self})")

    @property
    def predict_batch_size(self) -> int:
        return self.eval_batch_size or 2 * self.batch_size


@dataclass(frozen=True)
class BertParams(TrainParams, TextParams):
    """``kind: bert``: a transformer encoder with a new sequence-classification head."""

    model: str = "bert-base-uncased"  # hub id, local directory or package: reference
    max_length: int = 512  # tokens; capped at the model's position count


#: The value of ``frames_per_video`` / ``predict_frames_per_video`` that takes every kept frame.
ALL_FRAMES = "all"


def frame_cap(value: int | str) -> int:
    """A checked ``frames_per_video`` value as the cap of :func:`~polimodal.models.torch.streams.cap_frames`
    (0: every frame)."""
    return 0 if value == ALL_FRAMES else int(value)


@dataclass(frozen=True)
class FrameParams(TrainParams):
    """Keys of every per-frame model whose frames make its video's label (CNN, CLIP, FND-CLIP)."""

    # training frames per video and epoch: a fresh random subset of at most this many of its kept
    # frames; all (or 0): every kept frame once per epoch (the study's rule)
    frames_per_video: int | str = 16
    predict_frames_per_video: int | str = 0  # evenly spaced kept frames scored per video (0 or all: all)
    shuffle_buffer: int = 1024  # frames held in memory to shuffle the training stream
    # mean_prob: video scores = mean of its frames' class probabilities, label = their arg-max;
    # votes: the study's rule: frames vote (arg-max), binary: positive iff positive frames > threshold
    video_score: str = choice("mean_prob", ("mean_prob", "votes"))
    threshold: Any = (
        "auto"  # votes, binary: positive iff positive frames > threshold; auto: chosen on validation
    )
    vote: str = choice("count", ("count", "fraction"))  # votes: count the positive frames or their share
    positive: str | None = None  # positive class of a binary task (default: the second value)
    image_size: int = 0  # network input side (0: the model's own)

    def no_effect(self) -> dict[str, str]:
        """Keys that the other settings make moot (:func:`polimodal.options.output_settings`)."""
        if self.video_score == "mean_prob":
            return dict.fromkeys(("threshold", "vote"), "video_score: mean_prob")
        return {}

    def check(self, where: str) -> None:
        super().check(where)
        for key in ("frames_per_video", "predict_frames_per_video"):
            value = getattr(self, key)
            if value != ALL_FRAMES and not (isinstance(value, int) and value >= 0):
                raise ConfigError(f"{where}.{key}: a number of frames >= 0 or {ALL_FRAMES!r}, got {value!r}")
        if self.threshold not in (None, "auto"):
            try:
                float(self.threshold)
            except (TypeError, ValueError):
                raise ConfigError(
                    f"{where}: threshold must be auto or a number, got {self.threshold!r}"
                ) from None

    def positive_class(self, where: str, classes: Sequence[str]) -> str | None:
        """The positive class of a task of ``classes`` (a binary one: ``positive``, default the second
        value; else None). A ``positive`` that is not a value of a binary task: ConfigError naming
        ``where``, the value and the task's values."""
        if len(classes) != 2:
            return None
        positive = str(self.positive or classes[1])
        if positive not in classes:
            raise ConfigError(
                f"{where}: positive {positive!r} is not one of the task's values {list(classes)}"
            )
        return positive

    @property
    def training_frames(self) -> int:
        """Training frames per video and epoch (0: every kept frame)."""
        return frame_cap(self.frames_per_video)

    @property
    def predict_frames(self) -> int:
        """Frames scored per video (0: every kept frame)."""
        return frame_cap(self.predict_frames_per_video)


@dataclass(frozen=True)
class CnnParams(FrameParams):
    """``kind: cnn``: an ImageNet CNN with a new linear head, fine-tuned per frame."""

    model: str = "resnet50"  # torchvision classification model, or efficientnet_lite0
    weights: str | None = "IMAGENET1K_V2"  # torchvision enum name, state dict, package: ref; null: random
    dropout: float = 0.2
    image_size: int = 224
    lr: float = 1e-4
    batch_size: int = 32


@dataclass(frozen=True)
class ClipParams(FrameParams, TextParams):
    """``kind: clip``: CLIP's text and image encoders fused per frame, fine-tuned."""

    model: str = "openai/clip-vit-base-patch32"
    max_length: int = 77  # text tokens (CLIP's context length)
    head: str = choice("mlp", ("mlp", "linear"))  # mlp learns interactions; linear only adds them
    head_hidden: int = 512
    dropout: float = 0.1
    freeze_encoders: bool = False  # train the head only
    lr: float = 1e-5
    head_lr: float = 1e-3
    batch_size: int = 32


#: The sequences a cross-modal model may read (:mod:`polimodal.data.sequences`).
SEQUENCE_MODALITIES = ("words", "audio", "frames")


@dataclass(frozen=True)
class SequenceParams(TrainParams):
    """Keys of the models over per-video word / audio / frame-embedding sequences (MulT, early fusion)."""

    modalities: Any = SEQUENCE_MODALITIES  # which sequences the model reads (words, audio, frames)
    # words: null: embeddings learned from the training words; or a BERT-family model (hub id, path,
    # package: ref) whose frozen input embeddings embed each word (mean over its word pieces)
    text_model: str | None = None
    vocab_size: int = 20000  # learned word embeddings: the most frequent training words (others: unknown)
    dim: int = 64  # width of every modality's representation
    max_words: int = 512  # longer sequences are sub-sampled evenly (their times kept)
    max_audio: int = 1024  # audio windows of 0.1 s (1024: 102 s of voiced speech)
    max_frames: int = 64
    dropout: float = 0.1
    lr: float = 1e-3
    batch_size: int = 16
    epochs: int = 10

    def check(self, where: str) -> None:
        super().check(where)
        mods = list(self.modalities) if isinstance(self.modalities, list | tuple) else None
        if not mods or len(set(mods)) != len(mods) or set(mods) - set(SEQUENCE_MODALITIES):
            raise ConfigError(
                f"{where}.modalities: a non-empty list of distinct values of {list(SEQUENCE_MODALITIES)}, "
                f"got {self.modalities!r}"
            )
        if min(self.dim, self.vocab_size, self.max_words, self.max_audio, self.max_frames) < 1:
            raise ConfigError(f"{where}: dim, vocab_size and max_* must be >= 1")


@dataclass(frozen=True)
class MultParams(SequenceParams):
    """``kind: mult``: a cross-modal transformer (Tsai et al. 2019), implicit alignment."""

    heads: int = 4  # attention heads (dim must be divisible by heads)
    layers: int = 1  # cross-modal attention blocks per ordered pair of modalities
    self_layers: int = 1  # self-attention layers per target modality after the cross-modal blocks

    def check(self, where: str) -> None:
        super().check(where)
        if self.heads < 1 or self.dim % self.heads or self.layers < 1 or self.self_layers < 0:
            raise ConfigError(f"{where}: need heads >= 1 dividing dim, layers >= 1, self_layers >= 0")


@dataclass(frozen=True)
class EarlyFusionParams(SequenceParams):
    """``kind: early_fusion``: each modality pooled (mean and max), concatenated, then an MLP."""

    hidden: int = 128  # MLP width
    # true: explicit alignment: each word carries its own pitch and frame (the aligned table); an MLP
    # reads each word's fused vector before pooling. false: pool each modality on its own first
    aligned: bool = False


@dataclass(frozen=True)
class FndClipParams(FrameParams, TextParams):
    """``kind: fndclip``: FND-CLIP (Zhou et al. 2022): a BERT text encoder and a CNN image encoder,
    fused over L2-normalised projections, guided by a frozen CLIP through a contrastive term."""

    model: str = "bert-base-uncased"  # text encoder (BERT family): hub id, local directory or package:
    max_length: int = 128  # text tokens
    image_model: str = "resnet34"  # torchvision classification model, or efficientnet_lite0
    weights: str | None = (
        "IMAGENET1K_V1"  # image encoder weights: enum name, state dict, package:; null: random
    )
    clip_model: str = "openai/clip-vit-base-patch32"  # the frozen guide (text + image encoders)
    fusion: str = choice("fusion_layer", ("concat", "dot", "fusion_layer"))
    contrastive: float = 0.1  # λ: loss = cross-entropy + λ · CLIP-guided contrastive term (0: off, no CLIP)
    temperature: float = 0.07  # of the model's text-image similarities in the contrastive term
    projection_dim: int = 256  # width of the text and image projections
    head_hidden: int = 256  # hidden units of the concat / fusion_layer heads
    dropout: float = 0.1
    freeze_encoders: bool = False  # train the projections and the fusion head only
    clip_features: bool = False  # CLIP features + modality attention feed the classifier (the paper)
    image_size: int = 224
    lr: float = 2e-5
    head_lr: float = 1e-3  # projections and fusion head (parameters named head.*)
    batch_size: int = 16

    def check(self, where: str) -> None:
        super().check(where)
        if self.contrastive < 0 or self.temperature <= 0 or self.projection_dim < 1:
            raise ConfigError(
                f"{where}: contrastive must be >= 0, temperature > 0 and projection_dim >= 1 (got {self})"
            )
