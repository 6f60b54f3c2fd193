"""Every module of the package imports, and no modules import each other in a circle; parsing the
workflow imports no model library.

The import graph is read from the source (the AST of each file), with every import: at the top,
inside functions (a late import hides a circle, it does not remove it) and under
``TYPE_CHECKING``; and (for the layers) every ``"package.module:attr"`` string, an import by name
later. The layers (DESIGN.md) make the graph acyclic; a circle means a module
sits both below and above another, as ``experiments.data`` did with ``models``.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, copy_workflow


def module_files(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` file of ``package`` (a folder under ``root``)."""
    out = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement of ``module`` may refer to (modules or their members)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # relative: from the module's package, up level - 1 packages
        package = module if is_package else module.rpartition(".")[0]
        parts = package.split(".")
        parts = parts[: len(parts) - node.level + 1]
        base = ".".join([*parts, base] if base else parts)
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def _named_in_string(node: ast.AST, package: str) -> str | None:
    """The module a ``"package.module:attr"`` string constant names (an import by name), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        match = re.fullmatch(rf"({re.escape(package)}(?:\.\w+)*):\w+(?:\.\w+)*", node.value.strip())
        if match:
            return match.group(1)
    return None


def import_graph(root: Path, package: str, *, by_name: bool = False) -> dict[str, set[str]]:
    """Module → the modules of ``package`` it imports (anywhere in its file); ``by_name``: also
    those it names in a ``"module:attr"`` string (imported by name later).

    The layer test reads both (a string naming a module of a higher layer is an upward import);
    the circle test imports only: ``polimodal.models.registry`` names each model class by string
    so that parsing the workflow imports no torch, and every class names its kind back, a circle
    within one layer by design."""
    files = module_files(root, package)
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            named = _named_in_string(node, package) if by_name else None
            if named in files and named != name:
                graph[name].add(named)
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            names = _imported(node, name, is_package)
            if isinstance(node, ast.ImportFrom):
                # ``from a.b import c``: the module a.b.c when there is one, else a.b (c is a member)
                members = [n for n in names[:-1] if n in files]
                targets = members or [names[-1]]
            else:
                targets = names
            graph[name].update(t for t in targets if t in files and t != name)
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The circles of ``graph``: its strongly connected components of more than one module
    (Tarjan's algorithm), each sorted; a module that imports itself is not one."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(cycles)


def _cycle_path(graph: dict[str, set[str]], component: list[str]) -> str:
    """One circle through ``component``, as ``a -> b -> ... -> a`` (for the failure message)."""
    members = set(component)
    start = component[0]
    path, seen = [start], {start}
    while True:
        nxt = sorted(graph[path[-1]] & members)
        back = [n for n in nxt if n == start]
        if back and len(path) > 1:
            return " -> ".join([*path, start])
        fresh = [n for n in nxt if n not in seen]
        if not fresh:
            return " -> ".join([*path, "..."])
        path.append(fresh[0])
        seen.add(fresh[0])


MODULES = sorted(module_files(ROOT, "polimodal"))
#: Circles known and being removed elsewhere (issue 18): the sample sheet hands a posts sheet to
#: corpus.posts, which borrows the sheet's checks back. Remove the entry with the circle.
KNOWN_CIRCLES: list[list[str]] = []


@pytest.mark.parametrize("module", MODULES)
def test_every_module_imports(module: str) -> None:
    importlib.import_module(module)


def test_no_modules_import_each_other_in_a_circle() -> None:
    graph = import_graph(ROOT, "polimodal")
    assert len(graph) == len(MODULES) and "polimodal.data.inputs" in graph
    assert graph["polimodal.models.registry"] >= {"polimodal.data.inputs", "polimodal.data.texts"}
    cycles = [c for c in import_cycles(graph) if c not in KNOWN_CIRCLES]
    assert not cycles, "modules import each other in a circle:\n" + "\n".join(
        _cycle_path(graph, c) for c in cycles
    )


#: DESIGN.md's layers, lowest first: a module imports from its own layer or lower ones only.
LAYERS = [
    ("errors", "options", "types", "logs", "resolve", "config", "stages"),
    ("corpus",),
    ("data",),
    ("nn",),
    ("extract",),
    ("align",),
    ("models",),
    ("experiments",),
    ("measure",),
    ("synthetic",),
    ("cli", "plan", "startup"),
]


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    for i, names in enumerate(LAYERS):
        if len(parts) > 1 and parts[1] in names:
            return i
    return None


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """``a -> b`` for every import of a module from a higher layer."""
    out = []
    for a, targets in sorted(graph.items()):
        for b in sorted(targets):
            la, lb = layer_of(a), layer_of(b)
            if la is not None and lb is not None and lb > la:
                out.append(f"{a} -> {b}")
    return out


def test_no_module_imports_from_a_higher_layer() -> None:
    graph = import_graph(ROOT, "polimodal", by_name=True)
    unplaced = [m for m in graph if "." in m and layer_of(m) is None]
    assert unplaced == [], "modules in no layer of DESIGN.md (add their package to LAYERS)"
    assert upward_imports(graph) == []


def test_an_upward_import_is_found(tmp_path: Path) -> None:
    graph = {
        "polimodal.models.base": {"polimodal.experiments.metrics"},
        "polimodal.experiments.metrics": set(),
    }
    assert upward_imports(graph) == ["polimodal.models.base -> polimodal.experiments.metrics"]


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_circle_is_found_also_through_a_late_import(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "toy/__init__.py": "",
            "toy/low/__init__.py": "",
            "toy/low/base.py": "def f():\n    from toy.high import run  # late: still a circle\n",
            "toy/high.py": "from toy.low.base import f\nfrom toy.low import helpers\n",
            "toy/low/helpers.py": "from . import base\nfrom ..low.base import f\n",
        },
    )
    graph = import_graph(root, "toy")
    assert graph["toy.high"] == {"toy.low.base", "toy.low.helpers"}
    assert graph["toy.low.helpers"] == {"toy.low.base"}  # relative imports resolved
    cycles = import_cycles(graph)  # high -> base -> high, and high -> helpers -> base -> high
    assert cycles == [["toy.high", "toy.low.base", "toy.low.helpers"]]
    assert _cycle_path(graph, cycles[0]) == "toy.high -> toy.low.base -> toy.high"


def test_a_layered_package_has_no_circle(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "toy/__init__.py": "from toy.high import run\n",
            "toy/low.py": "import os\nfrom typing import TYPE_CHECKING\n",
            "toy/high.py": "from toy import low\nfrom toy.low import os\n\ndef run():\n    import toy.low\n",
        },
    )
    graph = import_graph(root, "toy")
    assert graph == {"toy": {"toy.high"}, "toy.high": {"toy.low"}, "toy.low": set()}
    assert import_cycles(graph) == []


# ----------------------------------------------------------------------------- what the Snakefile imports
#: Libraries of the jobs that run models: seconds and about a GB to import (scikit-learn: a second
#: and 90 MB), which every job would pay before doing anything (each job parses the Snakefile
#: again), and the dry run too.
MODEL_LIBRARIES = ("torch", "faster_whisper", "ctranslate2", "transformers", "sklearn")
_IMPORT = re.compile(r"^\s*(?:from\s+(polimodal[\w.]*)\s+import|import\s+(polimodal[\w.]*))", re.M)


def workflow_imports(root: Path = ROOT) -> list[str]:
    """The polimodal modules the Snakefile and its rule files import (read from their text)."""
    texts = [(root / "Snakefile").read_text()]
    texts += [p.read_text() for p in sorted((root / "workflow" / "rules").glob("*.smk"))]
    return sorted({a or b for text in texts for a, b in _IMPORT.findall(text)})


def _loaded_after(code: str, cwd: Path = ROOT) -> tuple[list[str], str]:
    """The MODEL_LIBRARIES in ``sys.modules`` after ``code`` ran in a fresh interpreter (at exit),
    and its output."""
    probe = (
        "import atexit, json, sys\n"
        f"atexit.register(lambda: print('LOADED', json.dumps([m for m in {MODEL_LIBRARIES!r} "
        "if m in sys.modules])))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe + code], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("LOADED ")]
    assert lines, f"{proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return json.loads(lines[-1].removeprefix("LOADED ")), proc.stdout + proc.stderr


def test_the_workflow_imports_are_found() -> None:
    found = workflow_imports()
    assert {"polimodal.startup", "polimodal.extract.transcribe", "polimodal.extract.embed"} <= set(found)
    assert all(importlib.util.find_spec(m) is not None for m in found)


def test_importing_what_the_snakefile_imports_loads_no_model_library() -> None:
    code = "import snakemake.utils\n" + "".join(f"import {m}\n" for m in workflow_imports())
    assert _loaded_after(code)[0] == []


def test_parsing_the_workflow_loads_no_model_library(tmp_path: Path) -> None:
    """A real dry run, whose start-up checks read faster-whisper's languages and CTranslate2's
    compute types (a language is set, so both are checked)."""
    wd = copy_workflow(tmp_path / "wf")
    (wd / "config" / "lang.yaml").write_text("languages: [en]\ntranscribe:\n  language: en\n")
    args = ["snakemake", "-n", "--cores", "1", "--configfile", "config/lang.yaml"]
    code = f"import sys\nsys.argv = {args!r}\nfrom snakemake.cli import main\nmain()\n"
    loaded, out = _loaded_after(code, cwd=wd)
    assert "rule transcribe" in out, out[-3000:]  # parsed and planned
    assert loaded == []


def test_a_module_attr_string_is_an_import(tmp_path: Path) -> None:
    """A ``"module:attr"`` string (imported by name later) is an edge: an upward one is found."""
    root = _package(
        tmp_path,
        {
            "toy/__init__.py": "",
            "toy/corpus.py": 'INGEST = "toy.extract:ingest"\nNOTE = "see toy.extract: ingest"\n',
            "toy/extract.py": "from toy.corpus import INGEST\n\ndef ingest():\n    pass\n",
        },
    )
    assert import_graph(root, "toy")["toy.corpus"] == set()
    graph = import_graph(root, "toy", by_name=True)
    assert graph["toy.corpus"] == {"toy.extract"}  # the prose with a space names nothing
    assert import_cycles(graph) == [["toy.corpus", "toy.extract"]]
    graph = {"polimodal.corpus.samples": {"polimodal.extract.videos"}, "polimodal.extract.videos": set()}
    assert upward_imports(graph) == ["polimodal.corpus.samples -> polimodal.extract.videos"]
