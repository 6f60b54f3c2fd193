"""The device a ``device`` setting names: auto, cpu, cuda or cuda:N (no torch import needed).

:func:`resolve_device` is the package's one device choice; :func:`polimodal.nn.runtime.select_runtime`
adds the precision for torch networks, and transcription passes CTranslate2's view of the GPUs.
"""

from __future__ import annotations

from collections.abc import Callable

from polimodal.errors import ConfigError, ModelLoadError

#: The values a ``device`` setting may take (besides ``cuda:N``).
DEVICES = ("auto", "cpu", "cuda")


def check_device(device: str, where: str = "device") -> str:
    """``device`` if it is auto, cpu, cuda or cuda:N; else a ConfigError naming ``where``."""
    value = str(device)
    if value in DEVICES or (value.startswith("cuda:") and value[5:].isdigit()):
        return value
    raise ConfigError(f"{where}: must be one of {', '.join(DEVICES)} or cuda:N, got {device!r}")


def resolve_device(
    device: str = "auto", *, cuda_available: Callable[[], bool] | None = None, where: str = "device"
) -> str:
    """The concrete device of a ``device`` setting: ``auto`` → ``cuda`` when a GPU is usable, else ``cpu``.

    ``cuda_available`` tells whether the library that will run the network sees a GPU
    (default: torch's view). Asking for CUDA where there is none is a ModelLoadError.
    """
    device = check_device(device, where)
    if cuda_available is None:
        import torch  # only here: a stage that runs no torch network need not import it

        cuda_available = torch.cuda.is_available
    available = cuda_available
    if device == "auto":
        return "cuda" if available() else "cpu"
    if device.startswith("cuda") and not available():
        raise ModelLoadError(f"{where}: {device!r} requested but CUDA is not available")
    return device
