"""Browser: the Runs page follows a run from queued to running to completed without a manual refresh (issue 14).

The page is polled together with the store.  The run is held in the queue by a stand-in run that occupies the only
CPU slot (a "running" row whose worker pid is this test process), so "queued" is observed for sure; the real run
then trains enough steps that "running" lasts several refreshes.  At every poll the status shown in the run table
and the buttons offered must be those of a status the run has reached (never ahead of the store), and each of
queued, running and completed must appear while the store is in it.
"""

from __future__ import annotations

import os
import re
import time

import pytest

from core import paths, store
from core.config import RunConfig
from core.jobs import demo
from core.jobs import queue as jobs
from tests.browser.conftest import wait_idle
from tests.conftest import wait_for

pytestmark = pytest.mark.browser

ORDER = {"queued": 0, "running": 1, "completed": 2}
GIVE_UP_S = 1200  # a bound on the loop for a very busy machine, not a timing assertion


_SNAPSHOT = """() => ({
    cells: [...document.querySelectorAll('[data-testid="stDataFrame"] td')].map(e => e.textContent.trim()),
    buttons: [...document.querySelectorAll('[data-testid="stButton"] button')].map(e => e.innerText.trim()),
    stale: document.querySelectorAll('[data-stale="true"]').length > 0
        || [...document.querySelectorAll('[data-testid="stStatusWidget"]')].some(e => e.getClientRects().length > 0),
    body: document.body.innerText,
})"""


def _snapshot(page, run_id: str, run_name: str) -> dict:
    """One atomic read of the page: the table's status of ``run_name``, the header's status, the control buttons.

    The table is a canvas whose visible cells are mirrored in ``td`` elements; the header line starts with the status.
    ``stale`` is true while Streamlit is redrawing (old and new elements, or only some new ones, may then show)."""
    raw = page.evaluate(_SNAPSHOT)
    cells = raw["cells"]
    table = cells[cells.index(run_name) + 1].split(" ")[0] if run_name in cells[:-1] else None
    header = next((line.split(" ")[0] for line in raw["body"].splitlines() if f"· run {run_id} ·" in line), None)
    buttons = {name for name in ("Stop", "Cancel", "Resume", "Train further", "TF-IDF baseline")
               if any(b.endswith(name) for b in raw["buttons"])}
    return {"table": table, "header": header, "buttons": buttons, "stale": raw["stale"], "body": raw["body"]}


def _blocker() -> str:
    """A stand-in run holding the CPU slot: 'running' with a live worker pid (ours), so the scheduler waits."""
    blocker = store.create_run({"model": "x", "device": "cpu"}, name="slot holder", dataset_id=None, status="running")
    store.update_run(blocker.id, pid=os.getpid(), pid_started_at=jobs.process_start_time(os.getpid()),
                     device="cpu", started_at=blocker.created_at, heartbeat_at=blocker.created_at)
    return blocker.id


def test_run_status_on_screen_follows_the_store_from_queued_to_completed(app_url, page):
    blocker = _blocker()
    record = demo.load_example("support_intents")
    run = jobs.submit(RunConfig(dataset_id=record.id, model="tiny-random-bert", max_steps=150, name="watched run"))
    page.goto(f"{app_url}/runs?run={run.id}")
    page.get_by_text("Reproduce this run").wait_for(timeout=120_000)  # the first full draw is done (it is drawn last)

    seen: dict[str, list[str]] = {"table": [], "header": []}
    buttons_by_status: dict[str, set[str]] = {}
    deadline = time.monotonic() + GIVE_UP_S
    while time.monotonic() < deadline:
        before = store.require_run(run.id).status
        shot = _snapshot(page, run.id, "watched run")
        after = store.require_run(run.id)
        for where in ("table", "header"):
            shown = shot[where]
            if shown not in ORDER:
                continue
            # Never ahead of the store: the page may lag a refresh behind, but it shows no status not yet reached.
            assert ORDER[shown] <= ORDER[after.status], (where, shown, after.status)
            if shown == before == after.status and (not seen[where] or seen[where][-1] != shown):
                seen[where].append(shown)  # on screen while the store was in that status
        header = shot["header"]
        # Buttons' code loads lazily on first use: check them once the row is drawn (the baseline button is always there).
        drawn = "TF-IDF baseline" in shot["buttons"] and not shot["stale"]
        if header in ORDER and header == before == after.status and drawn:
            # The controls are drawn with the header from the same read of the store: they must fit its status.
            buttons_by_status.setdefault(header, set()).update(shot["buttons"])
            if header == "queued":
                assert "Cancel" in shot["buttons"] and "Stop" not in shot["buttons"], shot["buttons"]
            if header == "running" and "Cancel" in shot["buttons"]:
                # A fragment caught mid-redraw can show the old row for a moment without being marked stale yet:
                # only a Cancel that is still there half a second later, with the run still running, is wrong.
                page.wait_for_timeout(500)
                again = _snapshot(page, run.id, "watched run")
                if again["header"] == "running" and store.require_run(run.id).status == "running":
                    assert "Cancel" not in again["buttons"], "a running run offers Stop, not Cancel"
            if header == "running":
                assert "device not assigned yet" not in shot["body"]
        queued_seen = seen["table"][-1:] == ["queued"] and seen["header"][-1:] == ["queued"] and "queued" in buttons_by_status
        if queued_seen and store.require_run(blocker).status == "running":
            # Held until the queued row's controls were read too (they draw after the header): then free the CPU slot.
            store.transition(blocker, ["running"], "completed")
        if after.status == "completed" and shot["table"] == "completed" and "Evaluation report" in shot["body"]:
            break
        page.wait_for_timeout(250)
    else:
        pytest.fail(f"the page never showed the completed run; seen: {seen}, store: {store.require_run(run.id).status}")

    assert seen["table"] == ["queued", "running", "completed"], seen  # the table followed the store
    assert seen["header"][:2] == ["queued", "running"], seen  # the header too (a completed run's header: checked below)
    assert buttons_by_status["queued"] >= {"Cancel"} and buttons_by_status["running"] >= {"Stop"}
    wait_idle(page)
    final = _snapshot(page, run.id, "watched run")
    for _ in range(240):  # a redraw in progress still shows the old buttons beside the new ones: read a settled page
        if not final["stale"]:
            break
        page.wait_for_timeout(250)
        final = _snapshot(page, run.id, "watched run")
    assert final["header"] == "completed" and not final["buttons"] & {"Stop", "Cancel"}, final["buttons"]

    # The finishing phases were recorded and logged (what the live view shows instead of a frozen "100 %").
    done = wait_for(run.id, {"completed"})
    assert set(done.info["finish_seconds"]) == {"calibrating on the validation split", "evaluating the test split",
                                                "saving the model", "robustness checks", "measuring latency",
                                                "baseline check", "building the report"}
    log = (paths.run_dir(run.id) / "train.log").read_text()
    assert re.search(r"evaluating the test split \(\d+\)", log) and "building the report took" in log
