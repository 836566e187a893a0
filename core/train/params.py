"""Counting total vs trainable parameters for a run configuration (before training).

Loading a model needs torch, which the UI process must not import, so the UI calls
:func:`count_in_subprocess`, which runs ``python -m core.train.params`` with the config as JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys

from core import paths
from core.config import RunConfig
from core.errors import ModelError, TuneboardError
from core.i18n import Message, catalogue, message


def count_parameters_for(config: RunConfig, n_labels: int) -> dict[str, int]:
    """Build the model as training would (head, freezing, PEFT) and count its parameters."""
    from core.evaluate.efficiency import count_parameters
    from core.train import models
    from core.train.adapters import apply_freezing, apply_peft

    model = models.load_classifier(config.model, [f"class_{i}" for i in range(n_labels)],
                                   trust_remote_code=config.trust_remote_code)
    apply_freezing(model, config)
    model, _ = apply_peft(model, config)
    return count_parameters(model)


def count_in_subprocess(config: RunConfig, n_labels: int, *, timeout: float = 120) -> dict[str, int]:
    """:func:`count_parameters_for` in a separate Python process; raises a one-sentence error on failure."""
    payload = json.dumps({"config": config.to_dict(), "n_labels": n_labels})
    try:
        result = subprocess.run([sys.executable, "-m", "core.train.params"], input=payload, capture_output=True, text=True,
                                timeout=timeout, cwd=paths.PROJECT_ROOT)
    except subprocess.TimeoutExpired:
        raise ModelError(message("error.model.count_timeout")) from None
    lines = result.stdout.strip().splitlines()
    answer = json.loads(lines[-1]) if lines else {"error": result.stderr.strip().splitlines()[-1:] or ["unknown error"]}
    if "error" in answer:
        raise ModelError(_sentence(answer))
    return answer


def _sentence(answer: dict) -> str | Message:
    """The subprocess's error: its stored Message (so the UI can show it in its language), else the English text."""
    said, text = answer.get("message"), str(answer["error"])
    if isinstance(said, dict) and said.get("key") in catalogue("en"):
        rebuilt = Message(said["key"], said.get("params") or {})
        if str(rebuilt) == text:
            return rebuilt
    return text


def main() -> int:
    """Read {"config", "n_labels"} JSON on stdin; print {"total", "trainable"} or {"error", "message"}."""
    request = json.loads(sys.stdin.read())
    try:
        counts = count_parameters_for(RunConfig.from_dict(request["config"]), int(request["n_labels"]))
    except TuneboardError as exc:
        said = exc.message.to_dict() if isinstance(exc.message, Message) else None
        print(json.dumps({"error": str(exc), "message": said}))
        return 0
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
