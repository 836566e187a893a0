"""House rules that keep the design readable: core is UI-free, the UI starts without torch."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_streamlit():
    offenders = [p.name for p in (ROOT / "core").rglob("*.py") if "streamlit" in _imports(p)]
    assert offenders == []


def test_pages_do_not_import_torch_or_transformers_at_module_level():
    for path in [ROOT / "app.py", *(ROOT / "pages").rglob("*.py")]:
        top_level = {n.names[0].name.split(".")[0] if isinstance(n, ast.Import) else (n.module or "").split(".")[0]
                     for n in ast.parse(path.read_text()).body if isinstance(n, ast.Import | ast.ImportFrom)}
        assert not top_level & {"torch", "transformers", "peft"}, path


def test_importing_every_page_does_not_import_torch():
    code = (
        "import sys, runpy, importlib\n"
        "sys.path.insert(0, '.')\n"
        "import pages.components.sidebar, pages.components.live_view, pages.components.run_table\n"
        "import pages.components.config_form, pages.components.upload_flow, pages.components.dataset_library\n"
        "import pages.components.report_view\n"
        "import core.jobs, core.runs, core.charts, core.models, core.demo, core.dataio, core.health, core.report, core.figures\n"
        "bad = [m for m in ('torch', 'transformers', 'peft') if m in sys.modules]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pages_stay_small():
    for path in [ROOT / "app.py", *(ROOT / "pages").glob("*.py")]:
        assert len(path.read_text().splitlines()) <= 200, path


def test_no_shell_true_and_no_pickle():
    for path in (ROOT / "core").rglob("*.py"):
        text = path.read_text()
        assert "shell=True" not in text, path
        assert "read_pickle" not in text and "pickle.load" not in text, path
