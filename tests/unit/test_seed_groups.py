"""Seed groups (issue 19, item 2): parsing --seeds, queueing a group, repeating a run, and the group statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.bench_compare import fabricate_run
from core import store
from core.compare import groups
from core.compare.leaderboard import leaderboard
from core.config import RunConfig
from core.errors import ConfigError
from core.jobs import seeds
from tests.conftest import save_sample


@pytest.fixture
def no_scheduler(monkeypatch):
    monkeypatch.setattr("core.jobs.queue.ensure_scheduler", lambda: None)  # queue only; nothing trains here


@pytest.mark.parametrize(("text", "expected"), [
    ("0,1,2", [0, 1, 2]), ("0-4", [0, 1, 2, 3, 4]), (" 3, 1 ", [3, 1]), ("0-2,7", [0, 1, 2, 7]),
])
def test_seed_lists(text, expected):
    assert seeds.parse_seeds(text) == expected


@pytest.mark.parametrize("text", ["", "a", "1,1", "0-2,2", "3-1", "1;2", "-1,2", "1.5,2"])
def test_bad_seed_lists_say_how_to_write_one(text):
    with pytest.raises(ConfigError, match="not a list of seeds"):
        seeds.parse_seeds(text)


@pytest.mark.parametrize("text", ["5", "0-20"])
def test_one_seed_or_too_many_is_refused(text):
    with pytest.raises(ConfigError, match="needs 2 to 20 seeds"):
        seeds.parse_seeds(text)


def test_a_group_differs_only_in_the_seed(no_scheduler):
    config = RunConfig(dataset_id=save_sample(60), model="tiny-random-bert", learning_rate=3e-4, name="probe")
    runs = seeds.submit_seed_group(config, [0, 1, 2])
    assert [r.name for r in runs] == ["probe · seed 0", "probe · seed 1", "probe · seed 2"]
    assert len({r.info["seed_group"] for r in runs}) == 1 and all(r.info["group_seeds"] == [0, 1, 2] for r in runs)
    assert [r.config["seed"] for r in runs] == [0, 1, 2]
    others = [{k: v for k, v in r.config.items() if k not in {"seed", "name"}} for r in runs]
    assert others[0] == others[1] == others[2]
    assert all(r.status == "queued" for r in runs)


def test_unnamed_group_members_get_the_default_name_and_their_seed(no_scheduler):
    config = RunConfig(dataset_id=save_sample(60), model="tiny-random-bert")
    runs = seeds.submit_seed_group(config, [4, 5])
    assert runs[0].name.endswith(" · seed 4") and runs[1].name.endswith(" · seed 5")
    assert "tiny-random-bert" in runs[0].name


def test_repeating_a_run_keeps_it_and_queues_the_next_seeds(no_scheduler):
    run = fabricate_run(save_sample(60), name="base", config={"seed": 7})
    queued = seeds.repeat_with_seeds(run.id, 3)
    assert [r.config["seed"] for r in queued] == [8, 9]
    original = store.require_run(run.id)
    group = original.info["seed_group"]
    assert all(r.info["seed_group"] == group for r in queued)
    assert original.name == "base · seed 7" and queued[0].name == "base · seed 8"
    assert original.info["group_seeds"] == [7, 8, 9]
    # Asking for 4 adds one more seed to the same group; asking for 3 again adds nothing and says so.
    more = seeds.repeat_with_seeds(queued[0].id, 4)
    assert [r.config["seed"] for r in more] == [10] and more[0].info["seed_group"] == group
    with pytest.raises(ConfigError, match="already has 4 seeds"):
        seeds.repeat_with_seeds(run.id, 3)


def test_stats_are_sample_mean_sd_and_range():
    summary = seeds.stats([0.80, 0.82, 0.84, None, float("nan")])
    assert summary["n"] == 3 and summary["mean"] == pytest.approx(0.82)
    assert summary["sd"] == pytest.approx(np.std([0.80, 0.82, 0.84], ddof=1))
    assert (summary["min"], summary["max"]) == (0.80, 0.84)
    assert seeds.stats([0.5])["sd"] is None and seeds.stats([])["n"] == 0


def _group(name: str, accuracies: list[float], dataset_id: str = "ds-a") -> list:
    members = [fabricate_run(dataset_id, name=f"{name} · seed {i}", accuracy=a, seed=i, config={"seed": i})
               for i, a in enumerate(accuracies)]
    for run in members:
        store.update_run(run.id, info={**run.info, "seed_group": f"seeds-{name}", "group_seeds": list(range(len(members)))})
    return [store.require_run(r.id) for r in members]


def test_group_table_and_texts_in_both_languages():
    members = _group("lr3", [0.80, 0.82, 0.84])
    alone = fabricate_run("ds-a", name="alone", accuracy=0.9, seed=9)
    runs = [*members, alone]
    table = groups.group_table(runs, ["accuracy"])
    assert list(table["group"]) == ["seeds-lr3"] and table["name"].iloc[0] == "lr3"
    assert table["completed"].iloc[0] == 3 and table["seeds"].iloc[0] == "0, 1, 2"
    accuracies = [store.require_run(r.id).final_metrics["accuracy"] for r in members]
    assert table["accuracy_mean"].iloc[0] == pytest.approx(np.mean(accuracies))
    english = groups.headline_text(members[0], runs, "en")
    assert english.startswith(f"{100 * np.mean([a - 0.02 for a in accuracies]):.1f} ± ") or "±" in english
    assert "3 seeds" in english and "种子" in groups.headline_text(members[0], runs, "zh")
    assert groups.headline_text(alone, runs, "en") == ""
    summary = seeds.group_summary_json(members)
    assert summary["group"] == "seeds-lr3" and [r["seed"] for r in summary["runs"]] == [0, 1, 2]
    assert summary["metrics"]["accuracy"]["n"] == 3


def test_the_leaderboard_carries_each_groups_spread():
    members = _group("g", [0.70, 0.74])
    board = leaderboard("accuracy", [*members, fabricate_run("ds-a", name="solo", accuracy=0.9, seed=5)])
    grouped = board[board["seed_group"] == "seeds-g"]
    assert list(grouped["group_n"]) == [2, 2]
    assert board.loc[board["run"] == "solo", "seed_group"].isna().all()
    assert groups.stats_text("accuracy", {"n": 2.0, "mean": 0.72, "sd": float("nan"), "min": 0.7, "max": 0.74},
                             "en") == "72.0 (one seed finished so far)"


def test_band_curves_average_members_on_a_shared_grid():
    data = pd.DataFrame({
        "run_id": ["a"] * 3 + ["b"] * 3 + ["c"] * 2,
        "split": "validation", "name": "f1_macro",
        "x": [10, 20, 30, 10, 20, 30, 10, 20],
        "value": [0.5, 0.6, 0.7, 0.7, 0.8, 0.9, 0.1, 0.2],
    })
    bands = groups.band_curves(data, {"a": "G", "b": "G", "c": "H"})
    g = bands[bands["group"] == "G"]
    assert list(g["x"]) == [10, 20, 30] and list(g["mean"]) == pytest.approx([0.6, 0.7, 0.8])
    assert list(g["sd"]) == pytest.approx([np.std([0.5, 0.7], ddof=1)] * 3) and set(g["n"]) == {2}
    h = bands[bands["group"] == "H"]
    assert list(h["sd"]) == [0.0, 0.0] and list(h["n"]) == [1, 1]
    # Members of different lengths: only the x range that every member covers.
    shorter = groups.band_curves(data[~((data["run_id"] == "b") & (data["x"] == 30))], {"a": "G", "b": "G"})
    assert list(shorter["x"]) == [10, 20]


def test_group_curves_figure_draws_a_band_and_a_mean_line_per_group():
    from core.plots.compare_figures import group_curves_figure

    bands = pd.DataFrame({"group": "G", "split": "validation", "name": "f1_macro", "x": [1, 2], "mean": [0.5, 0.6],
                          "sd": [0.1, 0.05], "n": 3})
    figure = group_curves_figure(bands, name="f1_macro")
    assert [trace.fill for trace in figure.data] == [None, "tonexty", None]
    assert list(figure.data[0].y) == pytest.approx([0.6, 0.65]) and list(figure.data[1].y) == pytest.approx([0.4, 0.55])
    assert "3 seeds" in figure.data[2].name
