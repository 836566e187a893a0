"""`--help` works for `python -m core` and every subcommand (argparse %-formats help strings: a stray % crashed it)."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from core import cli
from tests.conftest import ROOT


def _subcommands() -> list[str]:
    """The subcommands as the parser itself knows them (so a new command is tested without editing this file)."""
    parser = cli.build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(actions) == 1
    return sorted(actions[0].choices)


def test_the_parser_adds_exactly_the_listed_commands_in_order():
    parser = cli.build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert list(action.choices) == [name for name, _register in cli.COMMANDS]


def test_the_parser_lists_the_commands_the_readme_uses():
    assert {"train", "runs", "show", "check-data", "report", "examples", "predict", "export"} <= set(_subcommands())


@pytest.mark.parametrize("command", [[], *[[name] for name in _subcommands()]], ids=lambda c: c[0] if c else "core")
def test_help_exits_zero_with_text(command: list[str], capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as stop:
        cli.main([*command, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m core") and len(out.splitlines()) > 3


def test_train_help_in_a_real_process_shows_percent_signs():
    result = subprocess.run([sys.executable, "-m", "core", "train", "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "20% faster" in " ".join(result.stdout.split())  # the literal % of a field's help, printed once


def test_examples_lists_and_writes_the_builtin_csvs(tmp_path, capsys: pytest.CaptureFixture[str]):
    from core.data.examples import EXAMPLES, example_bytes

    assert cli.main(["examples"]) == 0
    listed = capsys.readouterr().out
    assert all(key in listed for key in EXAMPLES)
    out = tmp_path / "finance.csv"
    assert cli.main(["examples", "finance_sentiment", "--out", str(out)]) == 0
    assert out.read_bytes() == example_bytes("finance_sentiment")
    assert capsys.readouterr().err == f"wrote {out}\n"
    assert cli.main(["examples", "no_such_example"]) == 2
    assert capsys.readouterr().err.startswith("error: Unknown example")


def test_train_example_flag_rejects_bad_use_in_one_sentence(tmp_path, capsys: pytest.CaptureFixture[str]):
    from core import store

    assert cli.main(["train", "--example", "no_such_example"]) == 2
    assert "Unknown example" in capsys.readouterr().err
    assert cli.main(["train", "--example", "finance_sentiment", "--data", str(tmp_path / "x.csv")]) == 2
    assert capsys.readouterr().err == "error: Pass either --data FILE or --example NAME, not both.\n"
    assert cli.main(["train"]) == 2 and "--example NAME" in capsys.readouterr().err
    assert store.list_runs() == [] and store.list_datasets() == []
