"""Loading a labelled dataset from the Hugging Face Hub (via `datasets`), with an offline message."""

from __future__ import annotations

from core.data import library as datasets
from core.data.clean import clean_examples
from core.data.columns import detect_columns
from core.errors import DataError
from core.i18n import message
from core.store import DatasetRecord


def load_hub_dataset(name: str, config: str | None = None, split: str = "train", *, max_rows: int = 200_000) -> DatasetRecord:
    """Download ``name``/``config``/``split`` and store it like an uploaded file."""
    try:
        import datasets as hf_datasets

        data = hf_datasets.load_dataset(name, config, split=split)
    except Exception as exc:
        text = str(exc).lower()
        if any(word in text for word in ("connect", "offline", "resolve", "network", "internet", "couldn't reach")):
            raise DataError(message("error.data.hub_offline", name=name)) from exc
        detail = str(exc).splitlines()[0][:200]
        raise DataError(message("error.data.hub_failed", name=name, config=config or "default", split=split,
                                detail=detail)) from exc
    frame = data.select(range(min(len(data), max_rows))).to_pandas()
    # ClassLabel columns hold integers; turn them into their names so labels read well.
    for column, feature in data.features.items():
        if hasattr(feature, "names") and column in frame:
            frame[column] = frame[column].map(lambda i, names=feature.names: names[i] if 0 <= i < len(names) else i)
    guess = detect_columns(frame)
    clean = clean_examples(frame, guess.text, guess.label)
    default_name = datasets.unique_name(f"{name}{'/' + config if config else ''} ({split})")
    return datasets.save_frame(clean.df, name=default_name,
                               text_column=guess.text, label_column=guess.label,
                               meta={"source": f"Hugging Face Hub: {name}", "format": "hub", "dropped": clean.dropped})
