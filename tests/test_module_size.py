"""No module of the package is over 450 lines (split it by concern when one grows past it)."""

from __future__ import annotations

from conftest import ROOT

LIMIT = 450


def test_no_module_is_over_the_limit() -> None:
    lengths = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for path in sorted((ROOT / "polimodal").rglob("*.py"))
    }
    assert len(lengths) > 50
    assert {path: n for path, n in lengths.items() if n > LIMIT} == {}
