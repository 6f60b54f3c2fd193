"""The HTML report's description (``workflow/report/workflow.rst``), rendered as ``snakemake
--report`` renders it (Jinja with trim_blocks and lstrip_blocks, then docutils): it reads the corpus
kind's entry (:attr:`polimodal.corpus.samples.SheetKind.method`), never the kind's name."""

from __future__ import annotations

import re
from dataclasses import replace
from types import SimpleNamespace

import pytest
from docutils.core import publish_parts
from jinja2 import Environment

from conftest import ROOT
from polimodal.corpus.samples import SHEET_KINDS, SheetKind

TEXT = ROOT / "workflow" / "report" / "workflow.rst"


def render(kind: SheetKind, **config: object) -> str:
    """The description's HTML for a run of ``kind``, with the config ``common.smk`` leaves."""
    config = {
        "samples": "sheet.tsv",
        "corpus": kind.name,
        "corpus_method": kind.method,
        "tasks": {},
        **config,
    }
    env = Environment(trim_blocks=True, lstrip_blocks=True)
    text = env.from_string(TEXT.read_text()).render(snakemake=SimpleNamespace(config=config))
    return publish_parts(text, writer="html")["html_body"]


@pytest.mark.parametrize("name", sorted(SHEET_KINDS))
def test_the_description_says_what_the_kinds_stages_did(name: str) -> None:
    kind = SHEET_KINDS[name]
    html = render(kind)
    assert f"({name} corpus): {kind.method}; what could not be had" in re.sub(r"\s+", " ", html)
    others = [k.method for k in SHEET_KINDS.values() if k is not kind]
    assert not any(method in html for method in others)


def test_a_new_kind_needs_no_edit_of_the_report() -> None:
    toy = replace(SHEET_KINDS["posts"], name="toots", method="each toot's text was copied")
    html = re.sub(r"\s+", " ", render(toy))
    assert "(toots corpus): each toot's text was copied; what" in html


def test_common_smk_hands_the_entry_to_the_report() -> None:
    assert (
        'config["corpus_method"] = CORPUS.method' in (ROOT / "workflow" / "rules" / "common.smk").read_text()
    )
