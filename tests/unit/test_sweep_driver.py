"""The sweep driver's decisions, without training: its trials are queued runs whose lifecycle and validation scores
the tests write into the store themselves (no scheduler starts), so pruning, scoring, failures, stop, resume and the
record are checked exactly and fast."""

from __future__ import annotations

import time

import pytest

from core import store
from core.config import RunConfig
from core.i18n import message
from core.jobs import queue as jobs
from core.jobs.sweep import driver, manage, record, space
from core.jobs.sweep.driver import Driver
from core.plots import sweep_figures
from tests.conftest import save_sample


@pytest.fixture(autouse=True)
def no_scheduler(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs stay queued until a test moves them: no scheduler, no worker."""
    monkeypatch.setattr(jobs, "ensure_scheduler", lambda: None)


def _sweep(n_trials: int = 4, pruner: str = "median", search: tuple[str, ...] = ("lr=1e-5:1e-3:log",), **base):
    config = RunConfig(dataset_id=save_sample(80), model="tiny-random-bert", **{"max_steps": 40, **base})
    return manage.start(config, space.parse_space(search, config), n_trials=n_trials, pruner=pruner, metric="loss",
                        spawn=False)


def _train(run_id: str, losses: list[float], end: str | None = "completed") -> None:
    """Start the run, write its validation losses (one evaluation every 5 steps), and end it with ``end``."""
    store.transition(run_id, ["queued"], "running", started_at=time.time())
    store.add_metric_points(run_id, [(5 * (i + 1), None, "validation", "loss", v) for i, v in enumerate(losses)])
    if end:
        store.transition(run_id, ["running"], end, finished_at=time.time())


def _run_of(d: Driver, number: int) -> str:
    return d.in_flight[number].run_id


def test_a_trial_worse_than_the_median_is_pruned_and_its_run_stopped():
    sweep = _sweep(n_trials=3)
    d = Driver(sweep)
    assert d.tick() is None and list(d.in_flight) == [0]  # one trial at a time (parallel=1)
    run0 = store.get_run(_run_of(d, 0))
    assert run0.info["sweep_id"] == sweep.id and run0.info["trial"] == 0
    assert run0.config["eval_strategy"] == "steps" and run0.config["eval_steps"] == 5  # 40 steps / 8 evaluations
    _train(run0.id, [0.60, 0.50, 0.40, 0.30])
    d.tick()
    d.write()
    assert record.require(sweep.id).best["value"] == pytest.approx(0.30)
    run1 = _run_of(d, 1)
    _train(run1, [0.70], end=None)
    d.tick()
    assert 1 in d.in_flight  # no pruning before the second evaluation (warm-up)
    store.add_metric_points(run1, [(10, None, "validation", "loss", 0.69)])
    d.tick()
    assert 1 not in d.in_flight and store.get_run(run1).stop_requested_at  # pruned at evaluation 2: asked to stop
    d.write()
    rows = {r["number"]: r for r in record.require(sweep.id).trials}
    assert rows[1]["state"] == "pruned" and rows[1]["pruned_at"] == 2 and rows[1]["steps"] == 2
    assert rows[0]["state"] == "complete" and rows[0]["steps"] == 4
    store.transition(run1, ["running"], "stopped", finished_at=time.time())
    _train(_run_of(d, 2), [0.55, 0.45, 0.35, 0.25])
    assert d.tick() == "completed"
    d.write("completed")
    done = record.require(sweep.id)
    assert done.status == "completed" and done.best["number"] == 2 and done.counts()["pruned"] == 1


def test_the_sweep_waits_for_a_pruned_run_to_stop():
    d = Driver(_sweep(n_trials=2))
    d.tick()
    _train(_run_of(d, 0), [0.3, 0.2])
    d.tick()
    run1 = _run_of(d, 1)
    _train(run1, [0.9, 0.8], end=None)
    assert d.tick() is None and run1 in d.stopping  # pruned, but its run still trains
    store.transition(run1, ["running"], "stopped")
    assert d.tick() == "completed"


def test_pruning_replays_the_scores_of_a_run_that_ended_before_the_driver_looked():
    """The decision depends on the scores alone, not on how fast the driver polled."""
    d = Driver(_sweep(n_trials=2))
    d.tick()
    _train(_run_of(d, 0), [0.3, 0.2, 0.1])
    d.tick()
    run1 = _run_of(d, 1)
    _train(run1, [0.9, 0.8, 0.05])  # worse at evaluation 2, then best of all: it was pruned at 2
    assert d.tick() == "completed"
    d.write()
    row = next(r for r in record.require(d.sweep.id).trials if r["number"] == 1)
    assert row["state"] == "pruned" and row["pruned_at"] == 2


def test_halving_keeps_only_the_best_at_each_rung():
    d = Driver(_sweep(n_trials=3, pruner="halving"))
    d.tick()
    _train(_run_of(d, 0), [0.5, 0.4, 0.3])  # the first trial at a rung is always promoted
    d.tick()
    _train(_run_of(d, 1), [0.6, 0.45], end=None)  # worse than trial 0 at evaluation 2 (rung 0)
    d.tick()
    assert 1 not in d.in_flight


def test_no_pruner_lets_every_trial_finish_and_scores_are_last_or_best():
    d = Driver(_sweep(n_trials=2, pruner="none"))
    d.tick()
    _train(_run_of(d, 0), [0.3, 0.2])
    d.tick()
    _train(_run_of(d, 1), [0.9, 0.8, 0.85])
    assert d.tick() == "completed"
    values = {t.number: t.value for t in d.study.trials}
    assert values == {0: pytest.approx(0.2), 1: pytest.approx(0.85)}  # the last score: no best checkpoint kept
    assert driver.score([0.9, 0.8, 0.85], "minimize", best_checkpoint=True) == 0.8
    assert driver.score([0.1, 0.3, 0.2], "maximize", best_checkpoint=True) == 0.3
    assert driver.score([], "maximize", best_checkpoint=False) is None


def test_failed_cancelled_and_scoreless_trials_fail_with_their_reason_and_three_in_a_row_end_the_sweep():
    d = Driver(_sweep(n_trials=6))
    d.tick()
    store.transition(_run_of(d, 0), ["queued"], "failed", error=message("error.run.crashed", how="exit code 3"))
    d.tick()
    jobs.cancel(_run_of(d, 1))
    d.tick()
    _train(_run_of(d, 2), [])  # completed without a validation score
    assert d.tick() == "failed"
    d.write("failed")
    sweep = record.require(d.sweep.id)
    reasons = [r["reason"]["fallback"] for r in sweep.trials]
    assert reasons[0].startswith("Its run failed:") and reasons[1] == "Its run was cancelled before it started."
    assert reasons[2] == "Its run completed without a validation loss."
    assert sweep.status == "failed" and sweep.error["fallback"].startswith("The sweep stopped because its first 3 trials")


def test_stop_stops_the_trials_in_flight_and_resume_runs_the_trials_that_are_left(monkeypatch):
    sweep = _sweep(n_trials=3, search=("batch_size=8,16",), gradient_accumulation=1)
    lock = record.hold_driver_lock(sweep.id)  # this test plays the driver process
    d = Driver(sweep)
    d.tick()
    run0 = _run_of(d, 0)
    assert manage.stop(sweep.id) == "stopping" and record.stop_requested(sweep.id)
    assert d.tick() == "stopped" and store.get_run(run0).status == "cancelled"  # queued: cancelled at once
    d.write("stopped")
    record.clear_stop(sweep.id)
    lock.close()
    assert record.state(record.require(sweep.id)) == "stopped"
    monkeypatch.setattr(manage, "spawn_driver", lambda sweep_id: None)
    manage.resume(sweep.id)
    resumed = Driver(record.require(sweep.id))  # what the resumed driver process does
    assert resumed.used() == 0  # a trial stopped with the sweep does not count
    resumed.tick()
    resumed.write()
    assert list(resumed.in_flight) == [1]
    assert manage.stop(sweep.id) == "stopped"  # recorded as stopped, no driver: interrupted, stopped here
    assert store.get_run(_run_of(resumed, 1)).status == "cancelled"


def test_a_new_driver_follows_the_trials_an_earlier_one_left_running():
    sweep = _sweep(n_trials=2)
    first = Driver(sweep)
    first.tick()
    run0 = _run_of(first, 0)
    _train(run0, [0.5, 0.4], end=None)
    first.tick()
    second = Driver(record.require(sweep.id))  # the first driver died
    assert second.in_flight[0].run_id == run0 and second.in_flight[0].reported == 2
    store.add_metric_points(run0, [(15, None, "validation", "loss", 0.3)])
    store.transition(run0, ["running"], "completed")
    second.tick()
    assert second.study.trials[0].value == pytest.approx(0.3) and len(second.study.trials[0].intermediate_values) == 3


def test_a_sweep_recorded_running_without_its_driver_is_interrupted_and_can_be_resumed(monkeypatch):
    sweep = _sweep()
    assert record.state(sweep) == "interrupted"  # spawn=False: no driver, no start marker
    record.mark_starting(sweep.id)
    assert record.state(sweep) == "running"  # a driver being started gets a grace period
    spawned = []
    monkeypatch.setattr(manage, "spawn_driver", spawned.append)
    sweep.status = "stopped"
    record.save(sweep)
    manage.resume(sweep.id)
    assert spawned == [sweep.id] and record.require(sweep.id).status == "running"
    with pytest.raises(Exception, match="is running, so there is nothing to resume"):
        manage.resume(sweep.id)


def test_promote_queues_a_normal_run_with_the_best_settings_and_the_users_validation():
    sweep = _sweep(n_trials=1, eval_strategy="epoch")
    d = Driver(sweep)
    d.tick()
    trial_run = store.get_run(_run_of(d, 0))
    _train(trial_run.id, [0.4, 0.3])
    d.tick()
    d.write("completed")
    run = manage.promote(sweep.id)
    assert run.config["learning_rate"] == pytest.approx(trial_run.config["learning_rate"])
    assert run.config["eval_strategy"] == "epoch" and run.info["sweep_promoted"] and run.info["trial"] == 0
    assert [r.id for r in manage.promoted_runs(record.require(sweep.id))] == [run.id]
    assert manage.summary(record.require(sweep.id))["promoted_runs"] == [run.id]


def test_evaluations_come_at_the_same_share_of_training_whatever_the_batch():
    assert driver.evaluation_steps(RunConfig(max_steps=40), 1000) == 5
    assert driver.evaluation_steps(RunConfig(batch_size=16), 640) == 10  # 40 steps an epoch, 4 evaluations
    assert driver.evaluation_steps(RunConfig(batch_size=32), 640) == 5
    assert driver.evaluation_steps(RunConfig(batch_size=64), 10) == 1
    sweep = _sweep(search=("lr=1e-5:1e-3:log",), max_steps=0, early_stopping_patience=2)
    trial = driver.trial_config(sweep, {"learning_rate": 2e-5}, 3, 640)
    assert (trial.eval_strategy, trial.eval_steps, trial.early_stopping_patience) == ("steps", 10, 8)  # 2 epochs
    assert trial.learning_rate == 2e-5 and trial.name.endswith("trial 3")
    assert driver.train_rows(RunConfig(), {"train": 500, "test": 100}, 700) == 500
    assert driver.train_rows(RunConfig(test_size=0.2, validation_size=0.1), {}, 1000) == 700


@pytest.mark.parametrize("language", ["en", "zh"])
def test_sweep_figures_draw_trials_settings_and_importance(language):
    params = space.parse_space(["lr=1e-5:1e-3:log", "batch_size=8,16", "warmup_ratio=0:0.2"])
    rows = [{"number": i, "state": s, "value": v, "last": v or 0.7, "params": {"learning_rate": lr, "batch_size": b,
             "warmup_ratio": w}} for i, (s, v, lr, b, w) in enumerate([("complete", 0.4, 1e-4, 8, 0.1),
             ("pruned", None, 1e-5, 16, 0.0), ("complete", 0.3, 3e-4, 16, 0.2)])]
    history = sweep_figures.history_figure(rows, "loss", "minimize", language=language)
    assert [t.name for t in history.data] == [sweep_figures.translate(language, f"sweep.chart.{k}")
                                              for k in ("pruned", "complete", "best_so_far")]
    assert list(history.data[2].y) == [0.4, 0.3]
    parallel = sweep_figures.parallel_figure(rows, [p.to_dict() for p in params], "loss", "minimize", language=language)
    dims = parallel.data[0].dimensions
    assert len(dims) == 4 and dims[0].values == pytest.approx((-4.0, -3.5228787)) and list(dims[1].ticktext) == ["8", "16"]
    assert sweep_figures.parallel_figure(rows[:1], [p.to_dict() for p in params], "loss", "minimize") is None
    bars = sweep_figures.importance_figure({"learning_rate": 0.7, "batch_size": 0.3}, language=language)
    assert list(bars.data[0].x) == [0.3, 0.7]


def test_importance_waits_for_enough_completed_trials_and_then_ranks_the_settings():
    import optuna

    from core.jobs.sweep import study

    params = space.parse_space(["lr=1e-5:1e-3:log", "warmup_ratio=0:0.2"])
    trials = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=1))
    for i in range(12):
        trial = trials.ask(space.distributions(params))
        trials.tell(trial, -abs(trial.params["learning_rate"] - 2e-4) * 1e3 + 0.001 * trial.params["warmup_ratio"])
        found = study.importance(trials, len(params))
        assert (found is None) == (i + 1 < study.MIN_FOR_IMPORTANCE)
    assert set(found) == {"learning_rate", "warmup_ratio"} and found["learning_rate"] > found["warmup_ratio"]
    assert sum(found.values()) == pytest.approx(1.0)
    assert study.importance(trials, 1) is None  # one searched setting: nothing to weigh it against
