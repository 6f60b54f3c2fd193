"""Device and precision (:mod:`polimodal.nn.runtime`), the one device choice of the package."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from polimodal.errors import ConfigError, ModelLoadError
from polimodal.nn.runtime import (
    Runtime,
    check_device,
    prefetched,
    resolve_device,
    seed_everything,
    select_runtime,
    to_device,
)
from polimodal.options import DEVICE_PATTERN

GOOD = ["auto", "cpu", "cuda", "cuda:0", "cuda:12"]
BAD = ["tpu", "gpu", "CPU", "cuda:", "cuda:x", "cuda0", "", "auto cpu"]


@pytest.mark.parametrize("device", GOOD)
def test_check_device_accepts(device: str) -> None:
    assert check_device(device) == device


@pytest.mark.parametrize("device", BAD)
def test_check_device_rejects(device: str) -> None:
    with pytest.raises(ConfigError, match=r"embed\.device"):
        check_device(device, where="embed.device")


def test_config_pattern_agrees_with_check_device() -> None:
    """options.DEVICE_PATTERN (config checks, JSON schema) accepts what check_device accepts."""
    for device in GOOD:
        assert re.match(DEVICE_PATTERN, device), device
    for device in BAD:
        assert not re.match(DEVICE_PATTERN, device), device


def test_resolve_device() -> None:
    assert resolve_device("auto", cuda_available=lambda: False) == "cpu"
    assert resolve_device("auto", cuda_available=lambda: True) == "cuda"
    assert resolve_device("cuda:1", cuda_available=lambda: True) == "cuda:1"
    assert resolve_device("cpu", cuda_available=lambda: True) == "cpu"
    with pytest.raises(ModelLoadError, match=r"x\.device: 'cuda' requested but CUDA is not available"):
        resolve_device("cuda", cuda_available=lambda: False, where="x.device")


def test_cpu_runs_in_fp32() -> None:
    rt = select_runtime("cpu")
    assert rt == Runtime(torch.device("cpu"), None)
    assert rt.amp_dtype is None and not rt.uses_scaler and "fp32" in rt.describe()
    with rt.autocast():
        assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.float32
    assert Runtime(torch.device("cuda"), torch.float16).uses_scaler
    assert not Runtime(torch.device("cuda"), torch.bfloat16).uses_scaler


def test_weights_dtype_and_bf16() -> None:
    """What the generative models load their weights in, and whether LoRA trains in bf16."""
    cpu, gpu = Runtime(torch.device("cpu"), None), Runtime(torch.device("cuda"), torch.bfloat16)
    assert cpu.weights_dtype() == torch.float32 and gpu.weights_dtype("auto") == torch.bfloat16
    assert cpu.weights_dtype("bfloat16") == torch.bfloat16 and gpu.weights_dtype("float32") == torch.float32
    assert Runtime(torch.device("cuda"), torch.float16).weights_dtype() == torch.bfloat16
    assert gpu.bf16 and not cpu.bf16 and not Runtime(torch.device("cuda"), torch.float16).bf16


def test_seed_everything_repeats() -> None:
    a = (seed_everything(3).integers(1000, size=5), torch.rand(3), np.random.rand(2))
    b = (seed_everything(3).integers(1000, size=5), torch.rand(3), np.random.rand(2))
    np.testing.assert_array_equal(a[0], b[0])
    torch.testing.assert_close(a[1], b[1])
    np.testing.assert_array_equal(a[2], b[2])


def test_to_device() -> None:
    batch = {"x": torch.ones(2), "y": torch.zeros(1, dtype=torch.long)}
    moved = to_device(batch, torch.device("cpu"))
    assert moved.keys() == batch.keys() and all(v.device.type == "cpu" for v in moved.values())


def test_prefetched_keeps_order_and_runs_beside_the_consumer():
    import threading

    threads: list[str] = []

    def square(x: int) -> int:
        threads.append(threading.current_thread().name)
        return x * x

    assert list(prefetched(range(6), square)) == [0, 1, 4, 9, 16, 25]
    assert all(name.startswith("prefetch") for name in threads)
    assert list(prefetched([], square)) == []


def test_prefetching_can_be_turned_off():
    import threading

    threads: list[str] = []

    def record(x: int) -> int:
        threads.append(threading.current_thread().name)
        return x

    assert list(prefetched(range(3), record, enabled=False)) == [0, 1, 2]
    assert threads == [threading.current_thread().name] * 3
