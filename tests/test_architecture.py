"""The layout is the architecture (docs/architecture.md): imports run downward only, no
import loop, no module over 400 lines, and the run-time path needs no scikit-learn.

Every import statement of the package is read from the source (``TYPE_CHECKING`` and
function-level imports included), so a loop or an upward import cannot hide behind a
lazy import.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "monitor"

# Top to bottom: a unit may import itself and any unit of a lower layer, nothing else.
# A unit is a sub-package of ``monitor`` or a top-level module; ``monitor`` itself holds
# only the version.
LAYERS: list[tuple[str, ...]] = [
    ("cli",),
    ("offline",),
    ("app",),
    ("config",),
    ("stream", "report", "console", "ingest"),
    ("io", "ops"),
    ("steps",),
    ("models", "privacy"),
    ("records",),
    ("monitor",),
]
# Backends import no processing code (arroyo's rule): sources, sinks and the store know
# records, never the steps or the stream processor.
FORBIDDEN = {("io", "steps"), ("io", "stream"), ("ops", "steps"), ("ops", "stream")}
MAX_LINES = 400


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The ``monitor`` modules that ``path`` imports, anywhere in the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "monitor")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "monitor":
                continue
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
    return found


def unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "monitor"


def rank(name: str) -> int:
    for i, layer in enumerate(LAYERS):
        if name in layer:
            return i
    raise AssertionError(f"unit {name!r} is in no layer: add it to LAYERS and docs/architecture.md")


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(path, known) for name, path in known.items()}


def test_every_import_runs_downward() -> None:
    wrong = []
    for module, targets in graph().items():
        for target in targets:
            a, b = unit(module), unit(target)
            if a == b:
                continue
            if rank(b) <= rank(a) or (a, b) in FORBIDDEN:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "imports against the layer order:\n" + "\n".join(sorted(wrong))


def test_no_import_loop() -> None:
    edges = graph()
    # Tarjan's strongly connected components: any component of more than one module
    # (or a module importing itself) is a loop.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in edges:
                continue
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
            if len(component) > 1 or v in edges.get(v, ()):
                loops.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    # Units must not form a loop either (the layers above already forbid it; say so clearly).
    assert not loops, f"import loops: {loops}"


def test_the_checks_see_loops_and_upward_imports(tmp_path: Path) -> None:
    # The walker must find TYPE_CHECKING and function-level imports, or the tests above
    # would pass on a tree that has them.
    source = tmp_path / "m.py"
    source.write_text(textwrap.dedent("""
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from monitor.app import run
        def later():
            import monitor.cli
    """), encoding="utf-8")
    found = imports(source, {"monitor.app": source, "monitor.cli": source})
    assert found == {"monitor.app", "monitor.cli"}


def test_no_module_over_400_lines() -> None:
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


BLOCK = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"sklearn", "skops", "scipy", "snownlp"}:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)
sys.meta_path.insert(0, Block())
from monitor.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("argv", [
    ["score", "太过分了！！！我要投诉"],
    ["demo", "--store", "{store}"],
    ["report", "weekly", "--week", "2026-W47", "--store", "{store}", "--format", "md", "--out", "-"],
    ["playbook", "check", "{playbook}"],
])
def test_the_run_time_path_needs_no_scikit_learn(argv: list[str], tmp_path: Path) -> None:
    """``score``, ``demo`` (the whole pipeline with the shipped models) and the report run
    with scikit-learn, skops, scipy and snownlp blocked from importing."""
    store = tmp_path / "demo.db"
    playbook = tmp_path / "book.yaml"
    playbook.write_text("version: 1\n", encoding="utf-8")
    if argv[0] == "report":  # a store with data of that week
        subprocess.run([sys.executable, "-c", BLOCK, "demo", "--store", str(store)], check=True,
                       capture_output=True, timeout=120)
    args = [a.format(store=store, playbook=playbook) for a in argv]
    proc = subprocess.run([sys.executable, "-c", BLOCK, *args], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    if argv[0] == "score":
        assert '"scorer": "rules-v1+anger-lr-v2+support-lr-v1+reply-lr-v1"' in proc.stdout
    if argv[0] == "demo":
        assert "handle_emotion_first" in proc.stdout and "warning: no trained models" not in proc.stderr


def test_training_without_the_extra_says_what_to_install(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", BLOCK, "models", "evaluate", "--data-dir",
                           str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "support-monitor[train]" in proc.stderr
