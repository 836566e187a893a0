"""``make mutation``: mutation testing of the core modules that compute answers or guard data, and its report.

Usage::

    python tools/mutation.py                  # from scratch: every mutant of every listed module
    python tools/mutation.py --reuse          # keep the verdicts; retest only new, surviving and untested mutants
    python tools/mutation.py --group evaluate # one group only
    python tools/mutation.py --report         # only rewrite MUTATION.md from the verdicts

mutmut (configured in pyproject.toml: ``[tool.mutmut]`` is the main group, run in the project root against the fast
tests in ``tests/unit``; each ``[tool.tuneboard.mutation.NAME]`` group mutates its modules against its own list of
tests, in ``.mutation/NAME/``) changes one thing at a time in a module — a ``<`` into ``<=``, a constant, a dropped
argument — and runs the tests that reach the changed function.  A mutant no test notices is a behaviour nobody pins.  Some mutants cannot be
noticed by any test because they do not change behaviour (equivalent mutants); each is listed with a one-line reason
in ``tools/mutation_equivalents/<module>.toml`` and left out of the score.  The report, ``MUTATION.md``, gives each
module's score (killed / non-equivalent mutants) against the 80 % bar, the date, the equivalents with their reasons
and the names of the mutants that survive (``mutmut show NAME`` prints one).  Exits 1 when a module is under the bar.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGING = ROOT / ".mutation"
EQUIVALENTS = ROOT / "tools" / "mutation_equivalents"
REPORT = ROOT / "MUTATION.md"
BAR = 0.80
KILLED_CODES = {1, 3, 36, 24, -24, 152, 255, 37}  # failed tests, pytest errors, timeouts (a hang is noticed)
UNTESTED_CODES = {0, 5, 33}  # survived, or no test reaches the function: both are behaviour nobody pins
NOT_STAGED = {".git", ".venv", "mutants", ".mutation", "pyproject.toml", "workspace", ".pytest_cache"}


@dataclass
class Group:
    """Modules mutated together against one selection of tests, in one folder (``folder/mutants``)."""

    name: str
    folder: Path
    modules: list[str]

    @property
    def mutants(self) -> Path:
        return self.folder / "mutants"


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _dotted(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def groups() -> list[Group]:
    """The main group (``[tool.mutmut]``, run in the project root) and each ``[tool.tuneboard.mutation.NAME]``."""
    config = _pyproject()
    found = [Group("core", ROOT, [_dotted(p) for p in config["tool"]["mutmut"]["only_mutate"]])]
    for name, extra in config["tool"].get("tuneboard", {}).get("mutation", {}).items():
        found.append(Group(name, STAGING / name, [_dotted(p) for p in extra["only_mutate"]]))
    return found


def stage(group: Group) -> None:
    """Make ``group``'s folder: the project's files linked in, and a pyproject.toml whose ``[tool.mutmut]`` mutates
    the group's modules against the group's tests (mutmut reads its settings from the folder it runs in)."""
    config = _pyproject()
    extra = config["tool"]["tuneboard"]["mutation"][group.name]
    mutmut_config = {**config["tool"]["mutmut"], "only_mutate": extra["only_mutate"],
                     "pytest_add_cli_args_test_selection": extra["tests"]}
    group.folder.mkdir(parents=True, exist_ok=True)
    for entry in ROOT.iterdir():
        link = group.folder / entry.name
        if entry.name in NOT_STAGED:
            continue
        if link.is_symlink() and link.resolve() != entry.resolve():  # staged from another checkout: point here
            link.unlink()
        if not link.is_symlink():
            link.symlink_to(entry)
    tables = {"tool.pytest.ini_options": config["tool"]["pytest"]["ini_options"], "tool.mutmut": mutmut_config}
    text = "# Written by tools/mutation.py for the mutation group " + json.dumps(group.name) + "\n"
    for table, values in tables.items():  # strings and lists of strings: JSON spells them as TOML does
        text += f"\n[{table}]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items())
    (group.folder / "pyproject.toml").write_text(text)


@dataclass
class ModuleScore:
    """Verdicts of one module's mutants."""

    module: str
    killed: list[str] = field(default_factory=list)
    survived: list[str] = field(default_factory=list)
    equivalent: dict[str, str] = field(default_factory=dict)
    not_run: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.killed) + len(self.survived) + len(self.equivalent) + len(self.not_run)

    @property
    def score(self) -> float:
        judged = len(self.killed) + len(self.survived)
        return len(self.killed) / judged if judged else 1.0


def equivalents(module: str) -> dict[str, str]:
    """Mutant name -> why it is equivalent, for one module."""
    file = EQUIVALENTS / f"{module}.toml"
    return tomllib.loads(file.read_text()) if file.is_file() else {}


def verdicts(group: Group, module: str) -> dict[str, int | None]:
    """mutmut's exit code per mutant of ``module`` (None: not run yet), from its group's folder."""
    meta = group.mutants / (module.replace(".", "/") + ".py.meta")
    return json.loads(meta.read_text())["exit_code_by_key"] if meta.is_file() else {}


def score_module(group: Group, module: str) -> ModuleScore:
    """Sort a module's mutants into killed, survived, equivalent and not run."""
    reasons = equivalents(module)
    result = ModuleScore(module)
    for name, code in sorted(verdicts(group, module).items(), key=lambda item: _natural(item[0])):
        if code is None:
            result.not_run.append(name)
        elif code in KILLED_CODES:
            result.killed.append(name)
        elif name in reasons:
            result.equivalent[name] = reasons[name]
        elif code in UNTESTED_CODES:
            result.survived.append(name)
        else:  # segfaults and other odd exits: mutmut calls them suspicious; a crash is noticed
            result.killed.append(name)
    return result


def _natural(name: str) -> tuple[str, int]:
    stem, _, number = name.rpartition("__mutmut_")
    return stem, int(number) if number.isdigit() else 0


def mutmut(folder: Path, *args: str) -> None:
    """Run the mutmut command line in ``folder`` (its progress goes to the terminal)."""
    command = [sys.executable, "-m", "mutmut", *args]
    print(f"$ cd {folder.relative_to(ROOT)} && mutmut", " ".join(args[:3]), "…" if len(args) > 3 else "", flush=True)
    subprocess.run(command, cwd=folder, check=False)


def refresh_data_files(group: Group) -> None:
    """Copy the core's changed non-Python files (message catalogues, templates) into an existing mutants folder.

    mutmut re-copies only Python files it sees change; it keeps its old copy of every other file ("cached results were
    kept"), so tests that read a catalogue key added since would fail in the mutants folder and stop the run.
    """
    copy = group.mutants / "core"
    if not copy.is_dir():
        return
    for source in (group.folder / "core").resolve().rglob("*"):
        if source.is_file() and source.suffix not in {".py", ".pyc"} and "__pycache__" not in source.parts:
            target = copy / source.relative_to((group.folder / "core").resolve())
            if not target.is_file() or target.read_bytes() != source.read_bytes():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)


def run(group: Group, reuse: bool, max_children: int) -> None:
    """Run every mutant of ``group`` (fresh), or only those without a verdict plus the survivors (``reuse``)."""
    if not reuse:
        shutil.rmtree(group.mutants, ignore_errors=True)
    if group.folder != ROOT:
        stage(group)
    refresh_data_files(group)
    mutmut(group.folder, "run", "--max-children", str(max_children))
    if reuse:  # mutmut keeps old verdicts: survivors must face the tests written since
        again = [name for module in group.modules for name in score_module(group, module).survived]
        if again:
            mutmut(group.folder, "run", "--max-children", str(max_children), *again)


def write_report(scores: list[ModuleScore]) -> None:
    """MUTATION.md: the date, each module's score, the equivalents with reasons and the surviving mutants."""
    lines = [
        "# Mutation testing report",
        "",
        f"Written by `make mutation` on {dt.date.today().isoformat()} with mutmut {version('mutmut')} against the fast "
        "tests (`tests/unit`). A module passes at 80 % of its non-equivalent mutants killed; surviving mutants and "
        "mutants no fast test reaches both count against it. `mutmut show NAME` (after `make mutation`) prints a "
        "mutant's change.",
        "",
        "| module | mutants | killed | survived | equivalent | not run | score | |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in scores:
        mark = "✅" if s.score >= BAR and not s.not_run else "❌"
        lines.append(f"| `{s.module}` | {s.total} | {len(s.killed)} | {len(s.survived)} | {len(s.equivalent)} | "
                     f"{len(s.not_run)} | {s.score:.1%} | {mark} |")
    killed = sum(len(s.killed) for s in scores)
    judged = killed + sum(len(s.survived) for s in scores)
    lines += ["", f"All modules: {killed} of {judged} non-equivalent mutants killed ({killed / max(judged, 1):.1%}).",
              "", "## Equivalent mutants", "",
              "Left out of the score: no test can tell them apart from the original, for the reason given.", ""]
    for s in scores:
        lines += [f"- `{name}`: {reason}" for name, reason in s.equivalent.items()]
    lines += ["", "## Surviving mutants", "", "Behaviour no fast test pins yet (the next tests to write).", ""]
    for s in scores:
        if s.survived:
            lines.append(f"- `{s.module}` ({len(s.survived)}): " + ", ".join(
                f"`{name.rpartition('.')[2]}`" for name in s.survived))
    REPORT.write_text("\n".join(lines) + "\n")


def stale_equivalents(scores: list[ModuleScore]) -> list[str]:
    """Names listed as equivalent that no longer exist or that a test now kills (the list needs pruning)."""
    stale = []
    for s in scores:
        for name in equivalents(s.module):
            if name not in s.equivalent:
                stale.append(name)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--reuse", action="store_true", help="keep the verdicts and retest only new and surviving mutants")
    mode.add_argument("--report", action="store_true", help="only rewrite MUTATION.md from the verdicts")
    parser.add_argument("--group", action="append", help="run only this group (core, or a [tool.tuneboard.mutation] name)")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2, help="mutants tested in parallel")
    args = parser.parse_args(argv)
    if not args.report:
        for chosen in groups():
            if not args.group or chosen.name in args.group:
                run(chosen, args.reuse, args.max_children)
    scores = [score_module(group, module) for group in groups() for module in group.modules]
    write_report(scores)
    for s in scores:
        print(f"{s.module:28} {s.score:7.1%}  ({len(s.killed)} killed, {len(s.survived)} survived, "
              f"{len(s.equivalent)} equivalent, {len(s.not_run)} not run)")
    for name in stale_equivalents(scores):
        print(f"note: {name} is listed as equivalent but is killed or gone; remove it from tools/mutation_equivalents")
    print(f"report: {REPORT.relative_to(ROOT)}")
    failing = [s.module for s in scores if s.score < BAR or s.not_run]
    if failing:
        print("under 80 % (or not fully run): " + ", ".join(failing))
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
