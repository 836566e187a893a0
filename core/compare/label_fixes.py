"""What a comparison must say when one run is another retrained on a label-fixed version of its data (issue 20):
the fix, and whether both runs are judged on the same test rows with the same labels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core import store
from core.config import RunConfig
from core.i18n import Message, message


def _same_exam(old: store.Run, lineage: dict) -> bool:
    """The version froze ``old``'s split and left its test rows alone, so both runs sit the same test."""
    split = lineage.get("split") or {}
    config = RunConfig.from_dict(old.config)
    return (lineage.get("parent") == old.dataset_id and not lineage.get("test_changed")
            and split == {"seed": config.seed, "test_size": config.test_size,
                          "validation_size": config.validation_size})


def fix_notes(runs: Sequence[store.Run], names: Mapping[str, str]) -> list[Message]:
    """One sentence for each run in ``runs`` that retrains another run in ``runs`` on fixed labels."""
    by_id = {run.id: run for run in runs}
    notes = []
    for run in runs:
        old = by_id.get((run.info or {}).get("label_fix_of") or "")
        record = store.get_dataset(run.dataset_id) if run.dataset_id else None
        if old is None or record is None:
            continue
        lineage = record.meta.get("lineage") or {}
        changes = lineage.get("changes") or []
        relabelled = sum(c.get("action") == "relabel" for c in changes)
        key = "same_test" if _same_exam(old, lineage) else "other_test"
        notes.append(message(f"compare.label_fix.{key}", new=names.get(run.id, run.name), old=names.get(old.id, old.name),
                             relabelled=relabelled, excluded=len(changes) - relabelled))
    return notes
