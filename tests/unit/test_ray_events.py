"""The Ray executor's pieces that need no cluster: event lines, the head's applier, the remote worker's store
stand-in, the run-folder round trip, the executor setting and the job's resources and package."""

from __future__ import annotations

import io
import json
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from core import paths, store
from core.config import RunConfig
from core.i18n import Message, message
from core.jobs import events, executor, ray_executor, remote
from tests.conftest import save_sample


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line]


def test_events_round_trip_messages_numpy_and_unicode():
    sentence = message("error.run.crashed", how=message("error.run.exit.code", code=3))
    line = events.encode(7, "transition", to="failed", fields={"error": sentence, "progress": {"step": np.int64(4)},
                                                               "note": "中文 ok"}, **{"from": ["running"]})
    assert line.startswith(events.PREFIX) and "\n" not in line
    event = events.decode("2026-12-03 INFO " + line)  # a prefix before the marker (a logging handler) is fine
    assert event["n"] == 7 and event["kind"] == "transition" and event["from"] == ["running"]
    error = event["fields"]["error"]
    assert isinstance(error, Message) and str(error) == str(sentence)
    assert event["fields"]["progress"] == {"step": 4} and event["fields"]["note"] == "中文 ok"


@pytest.mark.parametrize("line", ["plain output", events.PREFIX + '{"n": 3, "kind": "upd', events.PREFIX + "[1, 2]",
                                  events.PREFIX + '{"kind": "update"}', ""])
def test_ordinary_or_cut_lines_are_not_events(line):
    assert events.decode(line) is None


def test_split_lines_keeps_the_unfinished_rest():
    assert events.split_lines("a\nb\nc") == (["a", "b"], "c")
    assert events.split_lines("a\n") == (["a"], "")


def _head_run() -> store.Run:
    return store.create_run({"model": "m"}, name="r", dataset_id=None, status="running",
                            info={"ray": {"job_id": "job-1", "address": "http://x"}, "dataset_name": "d"})


def test_applier_replays_a_worker_into_the_store_once():
    run = _head_run()
    out = io.StringIO()
    package = {"run": {**store.get_run(run.id).__dict__}, "dataset": None, "points": []}
    backend = remote.RemoteBackend(package, out=out)
    backend.update_run(run.id, heartbeat_at=1.0, progress={"step": 2, "total_steps": 10})
    backend.update_run(run.id, info={**backend.get_run(run.id).info, "labels": ["a", "b"], "ray": {"stale": True}})
    backend.add_metric_points(run.id, [(1, 0.1, "train", "loss", 0.9), (2, 0.2, "train", "loss", 0.8)])
    backend.drop_metric_points_after(run.id, 1)
    backend.add_metric_points(run.id, [(2, 0.2, "train", "loss", 0.7)])
    assert backend.transition(run.id, ["running"], "completed", finished_at=5.0, error=None)
    assert not backend.transition(run.id, ["running"], "failed")  # already moved: like the store, no second move
    lines = _lines(out.getvalue())
    assert [events.decode(line)["n"] for line in lines] == [1, 2, 3, 4, 5, 6]

    applier = events.Applier(run.id)
    before = time.time()
    assert applier.feed([*lines, "a plain log line"]) == 6
    stored = store.get_run(run.id)
    assert stored.status == "completed" and stored.progress == {"step": 2, "total_steps": 10}
    assert stored.heartbeat_at >= before  # the head's clock, not the node's
    assert stored.info["labels"] == ["a", "b"] and stored.info["ray"] == {"job_id": "job-1", "address": "http://x"}
    assert store.metric_points(run.id)["value"].tolist() == [0.9, 0.7]
    assert (paths.run_dir(run.id) / "train.log").read_text() == "a plain log line\n"

    again = events.Applier(run.id, seq=applier.seq)  # a restarted scheduler reads the log from the start
    assert again.feed(lines) == 0
    assert len(store.metric_points(run.id)) == 2


def test_the_remote_backend_answers_reads_from_the_shipped_record():
    run = _head_run()
    dataset_id = save_sample(40)
    package = {"run": store.get_run(run.id).__dict__, "dataset": store.get_dataset(dataset_id).__dict__,
               "points": [[3, 0.5, "validation", "f1_macro", 0.4, 1.0], [1, 0.1, "train", "loss", 0.9, 1.0]]}
    backend = remote.RemoteBackend(json.loads(json.dumps(package)), out=io.StringIO())
    assert backend.get_run(run.id).info["dataset_name"] == "d" and backend.get_run("other") is None
    assert backend.get_dataset(dataset_id).n_rows == 40 and backend.get_dataset("other") is None
    assert backend.metric_points(run.id)["step"].tolist() == [1, 3]
    assert backend.metric_points(run.id, names=["loss"], split="train")["value"].tolist() == [0.9]
    with pytest.raises(ValueError):
        backend.update_run(run.id, status="completed")


def test_with_the_remote_backend_the_store_never_opens_sqlite():
    run = _head_run()
    out = io.StringIO()
    backend = remote.RemoteBackend({"run": store.get_run(run.id).__dict__}, out=out)
    store.set_backend(backend)
    try:
        assert store.require_run(run.id).id == run.id  # routed: no database
        store.update_run(run.id, progress={"phase": "training"})
        with pytest.raises(RuntimeError, match="must not open the workspace database"):
            store.list_runs()  # not routed: refused rather than opened
    finally:
        store.set_backend(None)
    assert store.get_run(run.id).progress == {}  # the write went to the events, not SQLite
    assert events.decode(_lines(out.getvalue())[0])["fields"] == {"progress": {"phase": "training"}}


def test_run_folder_travels_as_chunked_artifact_events(tmp_path):
    run = _head_run()
    folder = tmp_path / "node" / "runs" / run.id
    (folder / "model").mkdir(parents=True)
    (folder / "model" / "weights.bin").write_bytes(np.random.default_rng(0).bytes(300_000))
    (folder / "report.json").write_text('{"ok": 1}')
    (folder / "config.json").write_text("{}")
    for step in (10, 20):
        (folder / "checkpoints" / f"checkpoint-{step}").mkdir(parents=True)
        (folder / "checkpoints" / f"checkpoint-{step}" / "state.json").write_text(str(step))
    out = io.StringIO()
    backend = remote.RemoteBackend({"run": store.get_run(run.id).__dict__}, out=out)
    with pytest.MonkeyPatch.context() as mp:  # not the test's own monkeypatch: undoing that would undo the workspace
        mp.setattr(remote, "CHUNK_CHARS", 100_000)
        mp.setattr(remote.paths, "run_dir", lambda run_id: folder)
        remote.send_back(run.id, backend)
    lines = _lines(out.getvalue())
    assert len(lines) > 1 and {events.decode(line)["kind"] for line in lines} == {"artifact"}
    events.Applier(run.id).feed(lines)
    head = paths.run_dir(run.id)
    assert (head / "model" / "weights.bin").read_bytes() == (folder / "model" / "weights.bin").read_bytes()
    assert (head / "report.json").is_file() and not (head / "config.json").exists()
    assert [p.name for p in (head / "checkpoints").iterdir()] == ["checkpoint-20"]  # the last checkpoint only


def test_a_lost_chunk_drops_that_copy_without_failing():
    run = _head_run()
    applier = events.Applier(run.id)
    applier.apply({"n": 1, "kind": "artifact", "part": 1, "parts": 2, "data": "AAAA"})
    assert not paths.run_dir(run.id).exists()


def test_the_environment_chooses_the_executor_before_the_saved_setting(monkeypatch):
    monkeypatch.delenv("TUNEBOARD_EXECUTOR", raising=False)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    assert executor.current() == {"kind": "local", "address": ""}
    executor.save("ray", " http://head:8265 ")
    assert executor.current() == {"kind": "ray", "address": "http://head:8265"} and not executor.from_environment()
    monkeypatch.setenv("TUNEBOARD_EXECUTOR", "local")
    assert executor.current()["kind"] == "local" and executor.from_environment()
    monkeypatch.setenv("TUNEBOARD_EXECUTOR", "ray")
    monkeypatch.setenv("RAY_ADDRESS", "http://other:8265")
    assert executor.current() == {"kind": "ray", "address": "http://other:8265"}
    with pytest.raises(ValueError):
        executor.save("slurm")
    assert executor.of_run({}) == {"kind": "local", "address": ""}


def test_a_queued_run_records_its_executor(monkeypatch):
    from core.jobs import queue as jobs

    monkeypatch.setenv("TUNEBOARD_EXECUTOR", "ray")
    monkeypatch.setenv("RAY_ADDRESS", "http://head:8265")
    run = jobs.submit(RunConfig(dataset_id=save_sample(40), model="tiny-random-bert"), start_scheduler=False)
    assert run.info["executor"] == {"kind": "ray", "address": "http://head:8265"}
    monkeypatch.setenv("TUNEBOARD_EXECUTOR", "local")
    assert "executor" not in jobs.submit(RunConfig(dataset_id=save_sample(40)), start_scheduler=False).info


def test_resources_and_environment_of_a_job(monkeypatch):
    monkeypatch.delenv("TUNEBOARD_RAY_AUTO_GPUS", raising=False)
    monkeypatch.delenv("TUNEBOARD_RAY_CPUS", raising=False)
    assert ray_executor.resources(RunConfig(device="cpu")) == (1.0, 0.0)
    assert ray_executor.resources(RunConfig(device="cuda:0,1")) == (1.0, 2.0)
    assert ray_executor.resources(RunConfig(device="auto")) == (1.0, 0.0)
    monkeypatch.setenv("TUNEBOARD_RAY_AUTO_GPUS", "1")
    assert ray_executor.resources(RunConfig(device="auto")) == (1.0, 1.0)
    monkeypatch.setenv("TUNEBOARD_MLFLOW_URI", "file:///x")
    env = ray_executor.job_env(0)
    assert env["TUNEBOARD_REMOTE"] == "1" and env["TUNEBOARD_MLFLOW_URI"] == "file:///x"
    assert "TUNEBOARD_HOME" not in env and env["CUDA_VISIBLE_DEVICES"] == ""
    assert "CUDA_VISIBLE_DEVICES" not in ray_executor.job_env(1)


def test_the_job_package_carries_the_run_its_data_and_its_checkpoint(tmp_path):
    dataset_id = save_sample(40)
    checkpoint = tmp_path / "elsewhere" / "checkpoint-12"
    run = store.create_run(RunConfig(dataset_id=dataset_id, resume_from=str(checkpoint)).to_dict(), name="r",
                           dataset_id=dataset_id, status="running", info={"ray": {"seq": 41}})
    (paths.run_dir(run.id) / "checkpoints" / "checkpoint-12").mkdir(parents=True)  # found by name on the head
    (paths.run_dir(run.id) / "checkpoints" / "checkpoint-12" / "trainer_state.json").write_text("{}")
    store.add_metric_points(run.id, [(3, 0.1, "train", "loss", 0.5)])
    folder = ray_executor.build_package(store.get_run(run.id), tmp_path / "package")
    package = json.loads((folder / remote.PACKAGE_FILE).read_text())
    assert package["run"]["id"] == run.id and package["dataset"]["id"] == dataset_id and package["seq"] == 41
    assert [p[:5] for p in package["points"]] == [[3, 0.1, "train", "loss", 0.5]]
    assert (folder / "core" / "worker.py").is_file() and not list(folder.rglob("__pycache__"))
    assert (folder / "workspace" / "datasets" / dataset_id / "data.parquet").is_file()
    assert (folder / "workspace" / "runs" / run.id / "checkpoints" / "checkpoint-12" / "trainer_state.json").is_file()
    assert not (folder / "workspace" / "tuneboard.db").exists()
    assert package["shipped_model"] is None


def test_a_local_model_folder_travels_with_the_job(tmp_path):
    model = tmp_path / "my-model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    run = store.create_run(RunConfig(dataset_id=save_sample(40), model=str(model)).to_dict(), name="r",
                           dataset_id=None, status="running")
    folder = ray_executor.build_package(store.get_run(run.id), tmp_path / "package")
    assert json.loads((folder / remote.PACKAGE_FILE).read_text())["shipped_model"] == "shipped_model"
    assert (folder / "workspace" / "shipped_model" / "config.json").is_file()


def _node_folder(tmp_path, run_id: str):
    folder = tmp_path / "node" / "runs" / run_id
    (folder / "model").mkdir(parents=True)
    (folder / "model" / "weights.bin").write_bytes(np.random.default_rng(1).bytes(50_000))  # does not compress
    (folder / "config.json").write_text("{}")
    return folder


def test_with_shared_storage_the_run_folder_goes_through_it(tmp_path, monkeypatch):
    run = _head_run()
    folder, out = _node_folder(tmp_path, run.id), io.StringIO()
    backend = remote.RemoteBackend({"run": store.get_run(run.id).__dict__}, out=out)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUNEBOARD_RAY_STORAGE", str(tmp_path / "shared"))
        mp.setattr(remote.paths, "run_dir", lambda run_id: folder)
        remote.send_back(run.id, backend)
    [line] = _lines(out.getvalue())
    assert events.decode(line)["kind"] == "artifacts_at"  # a path, not the bytes
    events.Applier(run.id).feed([line])
    assert (paths.run_dir(run.id) / "model" / "weights.bin").stat().st_size == 50_000


def test_a_run_folder_too_big_for_the_log_is_refused_with_a_sentence(tmp_path):
    run = _head_run()
    folder, out = _node_folder(tmp_path, run.id), io.StringIO()
    backend = remote.RemoteBackend({"run": store.get_run(run.id).__dict__}, out=out)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("TUNEBOARD_RAY_STORAGE", raising=False)
        mp.setenv("TUNEBOARD_RAY_MAX_LOG_MB", "0.001")
        mp.setattr(remote.paths, "run_dir", lambda run_id: folder)
        with pytest.raises(RuntimeError, match="set TUNEBOARD_RAY_STORAGE"):
            remote.send_back(run.id, backend)
    assert out.getvalue() == ""


def test_a_job_whose_python_lacks_tuneboards_requirements_says_so():
    from core.jobs.ray_executor import _ended_sentence

    log = ("Running entrypoint for job j1: python -m core.worker r1\nTraceback (most recent call last):\n"
           '  File "core/store.py", line 20, in <module>\nModuleNotFoundError: No module named \'pandas\'\n')
    sentence = str(_ended_sentence("j1", "FAILED", "Job entrypoint command failed with exit code 1", log))
    assert "has no module pandas" in sentence and "TUNEBOARD_RAY_PYTHON" in sentence
    other = str(_ended_sentence("j1", "FAILED", "exit code 1", "boom\nValueError: bad value here\n"))
    assert other.endswith("(ValueError: bad value here).") and "j1" in other


def _fake_python(path: Path, says: str) -> Path:
    path.write_text(f"#!/bin/sh\necho {says} \"$@\"\n")
    path.chmod(0o755)
    return path


def test_the_entrypoint_prefers_this_venvs_python_where_the_node_has_it(tmp_path, monkeypatch):
    """A plain `ray start --head` passes no venv to its jobs: on this machine the job must still find Tuneboard's."""
    fallback = tmp_path / "bin"
    fallback.mkdir()
    _fake_python(fallback / "python", "node-python")
    env = {"PATH": f"{fallback}:/usr/bin:/bin"}
    monkeypatch.delenv("TUNEBOARD_RAY_PYTHON", raising=False)
    monkeypatch.setattr(ray_executor.sys, "base_prefix", "/usr")
    monkeypatch.setattr(ray_executor.sys, "prefix", str(tmp_path / "venv"))
    monkeypatch.setattr(ray_executor.sys, "executable", str(_fake_python(tmp_path / "venv python", "venv-python")))

    def ran(command: str) -> str:
        return subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True, check=True).stdout.strip()

    assert ran(ray_executor.entrypoint("r1")) == "venv-python -m core.worker r1"  # a path with a space, quoted
    assert ray_executor.entrypoint_python() == f"{tmp_path / 'venv python'} or python"
    monkeypatch.setattr(ray_executor.sys, "executable", str(tmp_path / "elsewhere" / "python"))  # another node
    assert ran(ray_executor.entrypoint("r1")) == "node-python -m core.worker r1"
    monkeypatch.setattr(ray_executor.sys, "prefix", "/usr")  # not a venv: the system path says nothing of the node
    assert ray_executor.entrypoint("r1") == "python -m core.worker r1" and ray_executor.entrypoint_python() == "python"
    monkeypatch.setenv("TUNEBOARD_RAY_PYTHON", "/opt/conda/bin/python")
    assert ray_executor.entrypoint("r1") == "/opt/conda/bin/python -m core.worker r1"
