"""The health report of a named-entity (NER) file: what it holds and what may go wrong when a model learns from it.

Computed from the file's *own* reading (:class:`core.ner.sentence.Reading`, before the tags are converted to BIO),
so tag-scheme errors — an ``I-PER`` with no ``B-PER`` before it — are still visible: converting reads them the way
conlleval does (an orphan ``I-`` starts an entity), which hides them.  Counts sentences, words, entities per type,
sentences without entities, sentence lengths in words and, with a model's token counter, in sub-word tokens (how
many sentences are longer than the maximum length: training splits those into overlapping windows rather than
cutting them); lists duplicate sentences, rare entity types, spans the span reader dropped or widened, and turns all
of it into :class:`core.data.findings.Finding` objects worded through the catalogue (``ner_health.*``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from core.data.findings import MIN_ROWS, SEVERITIES, SOFT_MIN_CLASS, Finding, share
from core.i18n import message
from core.ner import schemes
from core.ner.sentence import Reading, Sentence

MAX_EXAMPLES = 20
"""How many malformed tags the report (and the dataset's meta) lists by place; the rest are only counted."""
SMALL_NER = 100  # fewer sentences than this rarely teach a model every entity type
NO_ENTITY_NOTE = 0.5  # more than half the sentences without any entity is worth a sentence


@dataclass
class NerHealth:
    """What :func:`ner_health_report` found (every field plain JSON, so ``to_dict`` can be stored in a dataset's meta).

    ``sentence_lengths`` are in words, one per sentence; ``token_lengths`` in sub-word tokens of the chosen model
    (special tokens included) or None without a tokenizer; ``n_long`` the sentences with more tokens than
    ``max_length``.  ``problem_counts`` counts malformed tags by :data:`core.ner.schemes.PROBLEMS` code in the file's
    ``scheme``; ``problem_examples`` lists the first :data:`MAX_EXAMPLES` (1-based ``sentence``, 0-based
    ``position``, ``tag``, ``problem``).
    """

    n_sentences: int
    n_words: int
    format: str
    scheme: str
    entity_counts: dict[str, int]
    no_entity: int
    sentence_lengths: list[int]
    length_stats: dict[str, float]
    problem_counts: dict[str, int]
    problem_examples: list[dict[str, Any]]
    duplicates: int
    conflicts: int
    dropped_spans: dict[str, int]
    snapped_spans: int
    max_length: int
    token_lengths: list[int] | None = None
    n_long: int | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def converted(self) -> bool:
        """Whether the tags were converted to BIO when stored (the file used another scheme)."""
        return self.scheme != schemes.BIO

    @property
    def n_entities(self) -> int:
        """Entities of every type together."""
        return sum(self.entity_counts.values())

    @property
    def trainable(self) -> bool:
        """False when a finding is an error (too few sentences): such data is not saved from the page."""
        return not any(f.severity == "error" for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON of every field (findings as dicts), for the dataset's meta and ``--json`` output."""
        out = asdict(self)
        out["findings"] = [asdict(f) for f in self.findings]
        return out

    def to_text(self) -> str:
        """The report in English lines for the command line (``core check-data file.conll``)."""
        types = ", ".join(f"{k} {n:,}" for k, n in self.entity_counts.items()) or "none"
        stats = self.length_stats
        lines = [f"Named entities · {self.format} · tags in {self.scheme}"
                 + (" (converted to BIO when stored)" if self.converted else ""),
                 f"Sentences: {self.n_sentences:,} · words: {self.n_words:,} · entities: {self.n_entities:,} ({types}) · "
                 f"without entities: {self.no_entity:,}",
                 f"Sentence length (words): median {stats['median']:g}, p95 {stats['p95']:g}, longest {stats['max']:g}"]
        if self.n_long is not None:
            lines.append(f"Longer than {self.max_length} tokens: {self.n_long:,} (split into overlapping windows)")
        lines += [f"[{f.severity.upper()}] {f.title}: {f.message}" for f in self.findings]
        lines += [f"  sentence {p['sentence']}, word {p['position'] + 1}: {p['tag']} ({p['problem']})"
                  for p in self.problem_examples]
        return "\n".join(lines)


def scheme_problems(sentences: Sequence[Sentence], scheme: str) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Malformed tags of every sentence in ``scheme``: counts per problem code and the first :data:`MAX_EXAMPLES`."""
    counts: Counter[str] = Counter()
    examples: list[dict[str, Any]] = []
    for number, sentence in enumerate(sentences, 1):
        for problem in schemes.scheme_errors(sentence.tags, scheme):
            counts[problem.problem] += 1
            if len(examples) < MAX_EXAMPLES:
                examples.append({"sentence": number, "position": problem.position, "tag": problem.tag,
                                 "problem": problem.problem})
    return dict(counts), examples


def entity_counts(sentences: Sequence[Sentence]) -> dict[str, int]:
    """Entities per type, most frequent first (read as conlleval does, so any scheme gives what BIO will hold)."""
    counts = Counter(type_ for s in sentences for type_, _, _ in schemes.entities(s.tags))
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _length_stats(lengths: Sequence[int]) -> dict[str, float]:
    values = np.asarray(lengths, dtype=float)
    if not len(values):
        return {"min": 0, "median": 0, "mean": 0, "p95": 0, "max": 0}
    return {"min": float(values.min()), "median": float(np.median(values)), "mean": round(float(values.mean()), 2),
            "p95": float(np.percentile(values, 95)), "max": float(values.max())}


def _duplicates(sentences: Sequence[Sentence]) -> tuple[int, int]:
    """Sentences repeating an earlier one word for word with the same tags, and those with the same words but other
    tags (the same text annotated twice, differently: one of them is wrong)."""
    seen: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    duplicates = conflicts = 0
    for s in sentences:
        tagged = seen.setdefault(s.tokens, set())
        if s.tags in tagged:
            duplicates += 1
        elif tagged:
            conflicts += 1
        tagged.add(s.tags)
    return duplicates, conflicts


def ner_health_report(reading: Reading, *, count_tokens: Callable[[list[str]], list[int]] | None = None,
                      max_length: int = 128, min_per_type: int = SOFT_MIN_CLASS) -> NerHealth:
    """The health report of one read NER file (see the module docstring).

    ``count_tokens`` maps texts (the words joined by single spaces) to sub-word counts, as
    :func:`core.models.token_counter` gives; without it the token lengths and ``n_long`` stay None.
    """
    sentences = reading.sentences
    scheme = schemes.detect_scheme(s.tags for s in sentences)
    problems, examples = scheme_problems(sentences, scheme)
    lengths = [len(s) for s in sentences]
    counts = entity_counts(sentences)
    duplicates, conflicts = _duplicates(sentences)
    report = NerHealth(
        n_sentences=len(sentences), n_words=sum(lengths), format=reading.format, scheme=scheme, entity_counts=counts,
        no_entity=sum(all(t == schemes.OUTSIDE for t in s.tags) for s in sentences), sentence_lengths=lengths,
        length_stats=_length_stats(lengths), problem_counts=problems, problem_examples=examples,
        duplicates=duplicates, conflicts=conflicts, dropped_spans=dict(Counter(d.reason for d in reading.dropped)),
        snapped_spans=reading.snapped, max_length=max_length)
    if count_tokens is not None and sentences:
        report.token_lengths = [int(n) for n in count_tokens([" ".join(s.tokens) for s in sentences])]
        report.n_long = sum(n > max_length for n in report.token_lengths)
    report.findings = _findings(report, min_per_type)
    return report


def _finding(code: str, severity: str, variant: str = "", *, count: int = 0, **params: object) -> Finding:
    """A finding worded by ``ner_health.<code>.title`` and ``ner_health.<code>.message<variant>``."""
    title, text = message(f"ner_health.{code}.title"), message(f"ner_health.{code}.message{variant}", **params)
    return Finding(code, severity, str(title), str(text), count=count,
                   messages={"title": title.to_dict(), "message": text.to_dict()})


def _one(n: int) -> str:
    return "_one" if n == 1 else "_other"


def _listed(counts: dict[str, int], limit: int = 6) -> str:
    """``‘PER’: 3, ‘LOC’: 1`` (smallest first, at most ``limit``, then "…")."""
    items = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]))
    return ", ".join(f"‘{k}’: {n:,}" for k, n in items[:limit]) + (", …" if len(items) > limit else "")


def _findings(report: NerHealth, min_per_type: int) -> list[Finding]:
    n = report.n_sentences
    out: list[Finding] = []
    if n < MIN_ROWS:
        out.append(_finding("too_few", "error", count=n, n=n, min=MIN_ROWS))
    elif n < SMALL_NER:
        out.append(_finding("small", "warning", count=n, n=n))
    if report.converted:
        out.append(_finding("converted", "info", scheme=report.scheme))
    for code, bad in sorted(report.problem_counts.items()):
        # One finding per kind of problem, so each is worded in the page's language (ner_health.problem.<code>).
        out.append(_finding("scheme_errors", "warning", _one(bad), count=bad, n=bad, scheme=report.scheme,
                            problem=message(f"ner_health.problem.{code}")))
    rare = {k: c for k, c in report.entity_counts.items() if c < min_per_type}
    if rare:
        out.append(_finding("rare_types", "warning", _one(len(rare)), count=len(rare), n=len(rare), min=min_per_type,
                            names=_listed(rare)))
    if report.n_long:
        out.append(_finding("long", "info", _one(report.n_long), count=report.n_long, n=report.n_long,
                            max_length=report.max_length, share=share(report.n_long, n)))
    if report.duplicates:
        out.append(_finding("duplicates", "warning", _one(report.duplicates), count=report.duplicates,
                            n=report.duplicates))
    if report.conflicts:
        out.append(_finding("conflicts", "warning", _one(report.conflicts), count=report.conflicts, n=report.conflicts))
    for reason, dropped in sorted(report.dropped_spans.items()):
        out.append(_finding("dropped_spans", "warning", _one(dropped), count=dropped, n=dropped,
                            reason=message(f"ner_health.dropped_reason.{reason}")))
    if report.snapped_spans:
        out.append(_finding("snapped_spans", "info", _one(report.snapped_spans), count=report.snapped_spans,
                            n=report.snapped_spans))
    if n and report.no_entity / n > NO_ENTITY_NOTE:
        out.append(_finding("no_entity", "info", count=report.no_entity, n=report.no_entity,
                            share=share(report.no_entity, n)))
    return sorted(out, key=lambda f: SEVERITIES.index(f.severity))


def summary(report: NerHealth) -> dict[str, Any]:
    """What a stored dataset keeps of its report: counts and findings, not the per-sentence lengths."""
    out = report.to_dict()
    for key in ("sentence_lengths", "token_lengths"):
        out.pop(key)
    return out


__all__ = ["MAX_EXAMPLES", "NerHealth", "entity_counts", "ner_health_report", "scheme_problems", "summary"]
