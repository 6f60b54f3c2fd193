"""The user guide as users read it: the README and docs/ build as a MkDocs site with no broken link
or anchor (``mkdocs build --strict``), the README stays short, and the commands of its ten-minute
path run on the demo's videos.

The path's block is run twice, from a copy of the workflow with the demo's data (made by
``python -m polimodal.synthetic.demo``):

- as written, on the study preset and a sheet of the demo's videos with the preset's four label
  columns: every ``snakemake`` line in its dry-run form (``-n``; the profile ``slurm`` cannot submit
  here) — the start-up checks and the plan of the study;
- to the end with the local profile (``--profile profiles/local`` for ``--profile slurm``) and the
  demo's config (``PRESET`` = ``config/demo.yaml`` with the SVM alone): the run, the report and
  ``polimodal summary``.
"""

from __future__ import annotations

import csv
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from markdown.extensions.toc import slugify

from conftest import ROOT, copy_workflow

README = ROOT / "README.md"
PATH_HEADING = "## Ten minutes"
MAX_README_LINES = 200
IDEOLOGY = ["neutral", "conservative", "moderate", "liberal"]
TYPOLOGY = ["campaign", "educational", "satire", "low_quality_news", "high_quality_news", "opinion"]


def _env() -> dict[str, str]:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}


# ----------------------------------------------------------------------------- the site and its links
def test_the_guide_builds_with_no_broken_link(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml")]
    proc = subprocess.run([*cmd, "-d", str(tmp_path / "site")], capture_output=True, text=True, env=_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pages = {p.stem for p in (ROOT / "docs").glob("*.md")}
    assert {p.name for p in (tmp_path / "site").iterdir() if p.is_dir()} >= pages - {"index"}


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.M | re.S)
    return {slugify(h, "-") for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.M)}


def test_every_link_of_the_readme_reaches_a_file_and_its_heading():
    links = re.findall(r"\]\(([^)\s]+)\)", README.read_text())
    local = [link for link in links if not re.match(r"[a-z]+://", link)]
    assert len(local) >= 10
    for link in local:
        path, _, anchor = link.partition("#")
        target = ROOT / path if path else README
        assert target.exists(), f"README links to {link}: no such file"
        if anchor:
            assert anchor in _anchors(target), f"README links to {link}: no such heading in {path}"


def test_the_readme_is_short_and_its_labels_are_the_presets():
    text = README.read_text()
    assert len(text.splitlines()) <= MAX_README_LINES
    for word in ("make demo", "make test", "HF_TOKEN", "not public", "macro F1"):
        assert word in text
    # the sheet's example labels are values of the preset's tasks (not left/right)
    preset = (ROOT / "config/studies/youtube_us_politics.yaml").read_text()
    table = text.split("**1. Your sheet.**", 1)[1].split("\n\n", 2)[1]
    labels = {c.strip() for row in table.splitlines()[2:] for c in row.strip("|").split("|")[4:]}
    assert labels - {""} and all(label in preset for label in labels - {""})


# ----------------------------------------------------------------------------- the ten-minute path
def path_block() -> str:
    """The ``bash`` block of the README's ten-minute path, continuation lines joined."""
    section = README.read_text().split(PATH_HEADING, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```bash\n(.*?)^```", section, flags=re.M | re.S)
    assert len(blocks) == 1, "the ten-minute path has one bash block"
    return blocks[0].replace("\\\n", " ")


def path_commands(block: str) -> tuple[dict[str, str], list[str]]:
    """The block's variables (``SHEET=...``) and its commands, comments stripped."""
    variables, commands = {}, []
    for line in block.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if m := re.fullmatch(r"([A-Z_]+)=(\S+)", line):
            variables[m.group(1)] = m.group(2)
        else:
            commands.append(line)
    return variables, commands


@pytest.fixture(scope="module")
def demo_workdir(tmp_path_factory):
    """A copy of the workflow with the demo's data in resources/demo and the repository's .venv."""
    wd = copy_workflow(tmp_path_factory.mktemp("docs") / "wd")
    (wd / "slurm").symlink_to("profiles/slurm")  # as in the repository root
    (wd / ".venv").symlink_to(Path(sys.executable).parent.parent)
    (wd / "tests/configs").mkdir(parents=True)
    (wd / "tests/configs/docs_path.yaml").write_text((ROOT / "tests/configs/docs_path.yaml").read_text())
    subprocess.run(
        [sys.executable, "-m", "polimodal.synthetic.demo", "resources/demo"],
        cwd=wd,
        check=True,
        capture_output=True,
        env=_env(),
    )
    return wd


def _run(wd: Path, script: str, timeout: int) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=wd,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=timeout,
    )
    assert proc.returncode == 0, f"{script}\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}"
    return proc


def _preset_sheet(wd: Path) -> Path:
    """The demo's videos with the study preset's four label columns (ideology and typology on part
    of them, empty elsewhere: annotated rows only)."""
    with (wd / "resources/demo/videos.tsv").open() as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    for i, row in enumerate(rows):
        row["hateful"] = "1" if i % 6 == 0 else "0"
        row["ideology"] = IDEOLOGY[i % 4] if i < 8 else ""
        row["typology"] = TYPOLOGY[i % 6] if i >= len(rows) - 12 else ""
    path = wd / "my_sheet.tsv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _script(variables: dict[str, str], commands: list[str]) -> str:
    lines = [f"{k}={shlex.quote(v)}" for k, v in variables.items()]
    return "\n".join([*lines, *commands])


@pytest.mark.slow
def test_the_ten_minute_path_checks_and_plans_the_preset_on_a_sheet(demo_workdir):
    variables, commands = path_commands(path_block())
    assert variables["PRESET"] == "config/studies/youtube_us_politics.yaml"
    variables["SHEET"] = _preset_sheet(demo_workdir).name
    planned = [c for c in commands if "snakemake" in c and "--report" not in c]
    assert any(c.endswith(" -n") for c in planned) and any("--profile slurm" in c for c in planned)
    dry = list(dict.fromkeys(c if c.endswith(" -n") else f"{c} -n" for c in planned))
    assert len(dry) == 1, "the run is the dry run without -n"
    out = _run(demo_workdir, _script(variables, dry), timeout=900).stdout
    jobs = dict(re.findall(r"^(\w+)\s+(\d+)$", out.split("Job stats:", 1)[1], flags=re.M))
    assert int(jobs["train_llm"]) == 4 * 6 * 3 and int(jobs["splits"]) == 4  # the study's plan


@pytest.mark.slow
def test_the_ten_minute_path_runs_to_the_report_on_the_demo(demo_workdir):
    variables, commands = path_commands(path_block())
    variables["SHEET"] = "resources/demo/videos.tsv"
    variables["PRESET"] = "config/demo.yaml tests/configs/docs_path.yaml"
    run = [
        c.replace("--profile slurm", "--profile profiles/local") for c in commands if not c.endswith(" -n")
    ]
    script = _script(variables, run)  # PRESET holds two files: $PRESET splits into both
    out = _run(demo_workdir, script, timeout=3000).stdout
    report = demo_workdir / "results/report.html"
    assert report.stat().st_size > 100_000
    assert "polimodal results in" in out and "unavailable videos:" in out  # polimodal summary
