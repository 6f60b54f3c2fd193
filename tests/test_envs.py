"""The conda environments in envs/ (used with `--sdm conda`) pin what pyproject.toml pins.

Conda channels are unreachable from CI, so the environments are never built here; this test keeps
them honest instead: every pip requirement names a pyproject dependency with the same specifier,
the GPU environment holds every runtime dependency, and every rule's `conda:` file exists.
"""

from __future__ import annotations

import re
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from conftest import ROOT

ENVS = ROOT / "envs"
# packages that only model rules need; everything else must be in the CPU environment too
GPU_ONLY = {"torch", "torchvision", "transformers", "faster-whisper"}
# the workflow's own tooling, installed where Snakemake runs, not inside the rule environments
HOST_ONLY = {"snakemake", "snakemake-executor-plugin-slurm"}


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _pins(requirements: list[str]) -> dict[str, Requirement]:
    reqs = [Requirement(r) for r in requirements]
    return {canonicalize_name(r.name): r for r in reqs}


def _env(name: str) -> dict:
    return yaml.safe_load((ENVS / name).read_text())


def _env_pip(env: dict) -> dict[str, Requirement]:
    pip = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip) == 1, "one pip: section expected"
    return _pins(pip[0])


def _env_conda(env: dict) -> list[str]:
    return [d for d in env["dependencies"] if isinstance(d, str)]


ENV_FILES = sorted(p.name for p in ENVS.glob("*.yaml"))


def test_env_files_exist() -> None:
    assert {"cpu.yaml", "gpu.yaml"} <= set(ENV_FILES)


@pytest.mark.parametrize("name", ENV_FILES)
def test_pip_pins_match_pyproject(name: str) -> None:
    project = _pyproject()["project"]
    known = _pins(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        known.update(_pins(extra))
    for pkg, req in _env_pip(_env(name)).items():
        assert pkg in known, f"envs/{name}: pip package {req.name!r} is not a dependency in pyproject.toml"
        assert req.specifier == known[pkg].specifier, (
            f"envs/{name}: {req} but pyproject.toml has {known[pkg]}"
        )
        assert req.marker == known[pkg].marker and req.extras == known[pkg].extras, f"envs/{name}: {req}"


@pytest.mark.parametrize("name", ENV_FILES)
def test_python_version_satisfies_requires_python(name: str) -> None:
    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    pythons = [d for d in _env_conda(_env(name)) if re.match(r"^python\b", d)]
    assert len(pythons) == 1, f"envs/{name}: pin python=X.Y"
    version = pythons[0].split("=", 1)[1].lstrip("=")
    assert requires.contains(version + ".0"), f"envs/{name}: python {version} vs requires-python {requires}"
    assert "pip" in _env_conda(_env(name))


def test_gpu_env_has_every_runtime_dependency() -> None:
    runtime = set(_pins(_pyproject()["project"]["dependencies"])) - HOST_ONLY
    missing = runtime - set(_env_pip(_env("gpu.yaml")))
    assert not missing, f"envs/gpu.yaml lacks {sorted(missing)} from pyproject.toml dependencies"


def test_cpu_env_has_every_non_model_dependency() -> None:
    runtime = set(_pins(_pyproject()["project"]["dependencies"])) - HOST_ONLY - GPU_ONLY
    missing = runtime - set(_env_pip(_env("cpu.yaml")))
    assert not missing, f"envs/cpu.yaml lacks {sorted(missing)} from pyproject.toml dependencies"


@pytest.mark.parametrize("name", ENV_FILES)
def test_post_deploy_installs_polimodal(name: str) -> None:
    """Rules import polimodal: each environment installs this checkout after creation."""
    script = ENVS / name.replace(".yaml", ".post-deploy.sh")
    assert script.is_file(), f"{script.relative_to(ROOT)} missing"
    assert "pip install --no-deps" in script.read_text()


def test_rules_conda_directives_point_at_env_files() -> None:
    """Every `conda:` in workflow/rules/*.smk names an existing envs/*.yaml (relative to the rule file)."""
    rules = sorted((ROOT / "workflow" / "rules").glob("*.smk"))
    if not rules:
        pytest.skip("workflow/rules/*.smk not written yet")
    pattern = re.compile(r"^\s*conda:\s*\n\s*[\"']([^\"']+)[\"']", re.M)
    found = 0
    for smk in rules:
        for ref in pattern.findall(smk.read_text()):
            target = (smk.parent / ref).resolve()
            assert target.parent == ENVS and target.is_file(), f"{smk.name}: conda: {ref!r} -> {target}"
            found += 1
    assert found, "no rule declares conda:"
