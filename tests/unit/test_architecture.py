"""House rules that keep the design readable, checked on every module's imports (top-level and deferred).

- core never imports streamlit; pages never import torch/transformers/peft; core.plots and core.jobs never import torch;
- no import cycle between modules, counting imports inside functions;
- dependencies point one way: pages → core subpackages → kernel (see ALLOWED and each subpackage's docstring);
- modules stay small enough to read (pages ≤ 200 lines, core modules ≤ ~400).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KERNEL = {"core.config", "core.store", "core.paths", "core.errors", "core.text", "core.devices", "core.results",
          "core.models", "core.i18n", "core.tasks"}
ENTRY_POINTS = {"core.cli", "core.__main__", "core.worker", "core"}
# What each subpackage may import besides the kernel (and itself).
ALLOWED = {
    "ner": set(),
    "data": {"ner"},
    "plots": set(),
    "jobs": {"data", "ner"},
    "evaluate": {"data", "plots", "jobs", "train", "ner"},
    "train": {"data", "evaluate", "jobs", "ner"},
    "compare": {"data", "evaluate", "plots", "jobs", "ner"},
    "serve": {"data", "train", "evaluate", "jobs", "ner"},
    "quality": {"data", "evaluate", "jobs", "ner"},
}
HEAVY = {"torch", "transformers", "peft", "accelerate"}
MAX_CORE_LINES = 420
LONG_CATALOGUES: set[str] = set()  # data tables or message catalogues allowed past the limit


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    files = [*(ROOT / "core").rglob("*.py"), *(ROOT / "pages").rglob("*.py"), ROOT / "app.py"]
    return {module_name(p): p for p in files}


def imported_names(path: Path) -> set[str]:
    """Every module named by an import anywhere in the file (inside functions too), fully dotted."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}  # `from pkg import module`
    return names


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Edges between project modules; `from core.x import name` points at core.x unless name is a module."""
    graph = {}
    for name, path in modules.items():
        targets = {n for n in imported_names(path) if n in modules and n != name}
        # `from core.data import health` names both core.data and core.data.health: keep the module, not the package
        graph[name] = {t for t in targets if not any(o.startswith(t + ".") for o in targets)}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path [a, b, …, a], or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    """Imports that point the wrong way (kernel → subpackage, subpackage → a package it may not use, core → pages)."""
    bad = []
    for src, targets in graph.items():
        if not src.startswith("core"):
            continue
        for dst in targets:
            if dst.startswith("pages") or dst == "app":
                bad.append(f"{src} imports the UI module {dst}")
            elif not dst.startswith("core.") or src in ENTRY_POINTS or dst in KERNEL:
                continue
            elif src in KERNEL:
                bad.append(f"kernel module {src} imports {dst}")
            else:
                src_pkg, dst_pkg = src.split(".")[1], dst.split(".")[1]
                if src_pkg != dst_pkg and dst_pkg not in ALLOWED.get(src_pkg, set()):
                    bad.append(f"{src} imports {dst}: core.{src_pkg} may use only {sorted(ALLOWED.get(src_pkg, set()))}")
    return bad


def test_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_layer_checker_flags_upward_imports():
    graph = {"core.store": {"core.train.training"}, "core.data.health": {"core.jobs.queue"},
             "core.jobs.queue": {"core.data.library", "core.store"}, "core.plots.curves": {"pages.runs"}}
    assert sorted(layer_violations(graph)) == [
        "core.data.health imports core.jobs.queue: core.data may use only ['ner']",
        "core.plots.curves imports the UI module pages.runs",
        "kernel module core.store imports core.train.training",
    ]


def test_no_import_cycle_counting_deferred_imports():
    cycle = find_cycle(import_graph(project_modules()))
    assert cycle is None, " → ".join(cycle or [])


def test_dependencies_point_one_way():
    assert layer_violations(import_graph(project_modules())) == []


def test_every_subpackage_says_what_it_owns_and_may_import():
    for package in ALLOWED:
        doc = ast.get_docstring(ast.parse((ROOT / "core" / package / "__init__.py").read_text())) or ""
        assert "May import" in doc, f"core/{package}/__init__.py needs a docstring saying what it owns and may import"
    assert set(ALLOWED) == {p.name for p in (ROOT / "core").iterdir() if (p / "__init__.py").exists()}


def _top_packages(path: Path, *, anywhere: bool) -> set[str]:
    tree = ast.parse(path.read_text())
    nodes = ast.walk(tree) if anywhere else tree.body
    return {(a.name if isinstance(n, ast.Import) else n.module or "").split(".")[0]
            for n in nodes if isinstance(n, ast.Import | ast.ImportFrom) for a in (n.names if isinstance(n, ast.Import) else [n])}


def test_core_never_imports_streamlit():
    offenders = [str(p) for p in (ROOT / "core").rglob("*.py") if "streamlit" in _top_packages(p, anywhere=True)]
    assert offenders == []


@pytest.mark.parametrize("package", ["plots", "jobs", "data", "compare"])
def test_light_packages_never_import_torch(package: str):
    offenders = [str(p) for p in (ROOT / "core" / package).rglob("*.py") if _top_packages(p, anywhere=True) & HEAVY]
    assert offenders == []


def test_pages_never_import_torch_or_transformers():
    for path in [ROOT / "app.py", *(ROOT / "pages").rglob("*.py")]:
        assert not _top_packages(path, anywhere=True) & HEAVY, path


def test_no_module_loads_torch_when_imported():
    """Importing every page component and every core module leaves torch unloaded: heavy imports live in functions."""
    modules = sorted(m for m in project_modules() if m.startswith(("core", "pages.components")) and m != "core.__main__")
    code = ("import sys, importlib\nsys.path.insert(0, '.')\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            "bad = [m for m in ('torch', 'transformers', 'peft') if m in sys.modules]\n"
            "print(bad); sys.exit(1 if bad else 0)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr


def test_modules_stay_small():
    for path in [ROOT / "app.py", *(ROOT / "pages").glob("*.py")]:
        assert len(path.read_text().splitlines()) <= 200, path
    for path in (ROOT / "core").rglob("*.py"):
        if module_name(path) not in LONG_CATALOGUES:
            assert len(path.read_text().splitlines()) <= MAX_CORE_LINES, path


def test_no_shell_true_and_no_pickle():
    for path in (ROOT / "core").rglob("*.py"):
        text = path.read_text()
        assert "shell=True" not in text, path
        assert "read_pickle" not in text and "pickle.load" not in text, path
