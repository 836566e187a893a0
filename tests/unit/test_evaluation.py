"""The end-of-run phases: what the worker writes into the run's progress while it evaluates (issue 14, item 5)."""

import numpy as np

from core import store
from core.train import finish as evaluation


def test_phase_reporter_writes_phase_progress_and_keeps_durations():
    run = store.create_run({"model": "x"}, name="r", dataset_id=None, status="running")
    store.update_run(run.id, progress={"step": 60, "total_steps": 60, "phase": "training", "eta_s": 0.0})
    phases = evaluation.PhaseReporter(run.id, min_interval_s=3600)  # throttled: only forced writes land
    phases.start(evaluation.TEST, 1829)
    p = store.require_run(run.id).progress
    assert (p["phase"], p["phase_done"], p["phase_total"], p["step"], p["eta_s"]) == (evaluation.TEST, 0, 1829, 60, None)
    phases.update(430, 1829)  # within the throttle interval: not written
    assert store.require_run(run.id).progress["phase_done"] == 0
    phases.update(1829, 1829)  # the last unit always is
    assert store.require_run(run.id).progress["phase_done"] == 1829
    phases.start(evaluation.LATENCY)
    p = store.require_run(run.id).progress
    assert p["phase"] == evaluation.LATENCY and p["phase_total"] is None
    phases.end()
    assert set(phases.timings) == {evaluation.TEST, evaluation.LATENCY}
    assert all(t >= 0 for t in phases.timings.values())


class _Tokenizer:
    """Case-insensitive 'tokenizer': one id per lower-cased word (like an uncased model's)."""

    def __call__(self, texts, truncation=True, max_length=128, padding=False):
        return {"input_ids": [[hash(w.lower()) % 1000 for w in t.split()] for t in texts]}


def test_cached_predictor_runs_the_model_only_on_unseen_token_ids(monkeypatch):
    calls: list[list[str]] = []

    def fake_predict(model, tokenizer, texts, **kwargs):
        calls.append(list(texts))
        return np.tile([0.25, 0.75], (len(texts), 1)).astype(np.float32)

    monkeypatch.setattr(evaluation, "predict_proba", fake_predict)
    tok = _Tokenizer()
    known = ["good film", "bad film"]
    proba = np.array([[0.1, 0.9], [0.8, 0.2]], dtype=np.float32)
    predict = evaluation.cached_predictor(None, tok, tok(known)["input_ids"], proba, max_length=128, device="cpu")
    out = predict(["GOOD FILM", "new words", "bad film"])
    assert calls == [["new words"]]  # same token ids as a test text: its prediction is reused
    np.testing.assert_allclose(out, [[0.1, 0.9], [0.25, 0.75], [0.8, 0.2]])
