"""The data of a report: one plain-JSON entry per document, and the run's summary.

An entry holds what the page of one input shows: its original text, the spans removed from
it (``[start, end, step, reason]``, by position; the reason becomes its number in the
summary's ``reasons`` once :meth:`Tally.share_reasons` has seen it), where a split scrape's
articles begin, and per article its record's metadata. Entries are made one document at a
time and handed on (the writer streams them into the HTML file), so a report of a large run
never holds more than one original text; :class:`Tally` keeps the counts the summary shows,
the shared reasons, and the members of each near-duplicate cluster by record id only.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from newsclean.io import InputError
from newsclean.record import Record, Removal
from newsclean.steps.base import Draft

# The kind of a reason, for the chart by reason: the reason up to its details (what was kept
# and where, quoted text), numbers as N, so "repeat of the paragraph at 20-31 ('A…')" and
# "repeat of the paragraph at 5-9 ('B…')" are one bar.
_DETAILS = re.compile(r"\s*[;(:].*$", re.DOTALL)
_NUMBER = re.compile(r"\d+")

# Reasons shown in the chart by reason (the rest are summed into one bar).
REASON_BARS = 30
# Distinct reasons written once, in the summary, and referred to by number in each span (most
# spans share a few reasons, which would otherwise be most of the page). Past this many, a new
# reason is written out in its span: runs whose reasons are mostly unique (naming where a
# repeat was first seen) keep a bounded table in memory.
SHARED_REASONS = 50_000


def reason_kind(reason: str) -> str:
    """The reason without its details, numbers written as ``N`` (the chart's grouping)."""
    kind = _NUMBER.sub("N", _DETAILS.sub("", reason)).strip()
    return kind or reason.strip() or "(no reason)"


def words(text: str | None) -> int:
    """How many words (whitespace-separated runs) ``text`` holds; 0 for a span whose text
    is unknown (records written with ``--removed spans``, their originals not found).
    """
    return len(text.split()) if text is not None else 0


def _article(record: Record, kept: bool) -> dict[str, Any]:
    """What a document's page shows of one of its articles: the record's fields less the
    account of removals (shown in the text) and the text itself (but for cluster members,
    whose texts the near-duplicate view sets side by side).
    """
    article: dict[str, Any] = {
        "id": record.id,
        "kept": kept,
        "words": words(record.text),
        "created": record.created,
        "url": record.url,
        "metadata": record.metadata,
    }
    if record.cluster is not None:
        article["cluster"] = record.cluster
        article["text"] = record.text
    if record.duplicate_of is not None:
        article["duplicate_of"] = record.duplicate_of
    return article


def _span(removal: Removal) -> list[Any]:
    return [removal.start, removal.end, removal.step, removal.reason]


def draft_entry(
    source: str, text: str, drafts: list[Draft], records: list[Record]
) -> dict[str, Any]:
    """The entry of a document cleaned in this run: ``drafts`` are all its drafts (those of a
    split scrape, and any a corpus step left out), ``records`` the records it gave.
    """
    written = {record.id for record in records}
    spans = sorted(
        (_span(b.removal) for d in drafts for b in d.blocks if b.removal),
        key=lambda span: (span[0], span[1]),
    )
    splits = sorted(min(b.start for b in d.blocks) for d in drafts[1:] if d.blocks)
    articles = [_article(d.to_record(), d.id in written) for d in drafts]
    return _entry(source, text, spans, splits, articles)


def records_entry(source: str, records: list[Record], text: str | None) -> dict[str, Any]:
    """The entry of a document known from its records (a records file): with its original
    ``text`` (read again from the source, ``None`` when it cannot be) the spans are shown in
    place; without it each span carries its own text, and each article its clean text.
    """
    spans = []
    for record in records:
        for removal in record.removed:
            if text is None:
                spans.append([*_span(removal), removal.text])
            elif removal.end <= len(text) and removal.text in (
                None,
                text[removal.start : removal.end],
            ):
                # A span of an earlier cleaning (a record cleaned again) indexes another text;
                # a span written without its text (--removed spans) is taken at its word, the
                # text being the document the record's id was made from.
                spans.append(_span(removal))
    spans.sort(key=lambda span: (span[0], span[1]))
    articles = [_article(record, True) for record in records]
    if text is None:
        for article, record in zip(articles, records):
            article["text"] = record.text
    return _entry(source, text, spans, [], articles)


def _entry(
    source: str,
    text: str | None,
    spans: list[list[Any]],
    splits: list[int],
    articles: list[dict[str, Any]],
) -> dict[str, Any]:
    removed_words = sum(
        words(span[4] if text is None else text[span[0] : span[1]]) for span in spans
    )
    return {
        "source": source,
        "text": text,
        "spans": spans,
        "splits": splits,
        "articles": articles,
        "kept_words": sum(a["words"] for a in articles if a["kept"]),
        "removed_words": removed_words,
    }


def failure(exc: Exception) -> dict[str, str]:
    """A file that failed, as the report lists it: the file (with the line of a JSONL
    record) and why.
    """
    if isinstance(exc, InputError):
        where = exc.path if exc.line is None else f"{exc.path}:{exc.line}"
        return {"file": where, "reason": exc.message}
    return {"file": "", "reason": str(exc)}


@dataclass
class Tally:
    """The summary's counts, added up entry by entry (the entries themselves are not kept)."""

    steps: list[str] = field(default_factory=list)
    documents: int = 0
    records: int = 0
    empty: int = 0
    kept_words: int = 0
    removed_words: int = 0
    spans_by_step: Counter[str] = field(default_factory=Counter)
    words_by_step: Counter[str] = field(default_factory=Counter)
    by_reason: Counter[tuple[str, str]] = field(default_factory=Counter)
    # Cluster id -> its members as (document number, record id, kept), in input order.
    clusters: dict[str, list[tuple[int, str, bool]]] = field(default_factory=dict)
    failures: list[dict[str, str]] = field(default_factory=list)
    # Reason -> its number in the summary's list of shared reasons.
    reasons: dict[str, int] = field(default_factory=dict)

    def share_reasons(self, entry: dict[str, Any]) -> None:
        """Put the number of each span's reason in its place (``span[3]``), where the reason
        is or can be made a shared one (after :meth:`add`, which reads the reasons).
        """
        for span in entry["spans"]:
            number = self.reasons.get(span[3])
            if number is None and len(self.reasons) < SHARED_REASONS:
                number = self.reasons[span[3]] = len(self.reasons)
            if number is not None:
                span[3] = number

    def add(self, entry: dict[str, Any]) -> int:
        """Count ``entry``; returns its document number (its place in the report)."""
        number = self.documents
        self.documents += 1
        kept = [a for a in entry["articles"] if a["kept"]]
        self.records += len(kept)
        self.empty += not kept
        self.kept_words += entry["kept_words"]
        self.removed_words += entry["removed_words"]
        text = entry["text"]
        for span in entry["spans"]:
            start, end, step, reason = span[:4]
            self.spans_by_step[step] += 1
            self.words_by_step[step] += words(span[4] if text is None else text[start:end])
            self.by_reason[step, reason_kind(reason)] += 1
        for article in entry["articles"]:
            if "cluster" in article:
                self.clusters.setdefault(article["cluster"], []).append(
                    (number, article["id"], "duplicate_of" not in article)
                )
        return number

    def summary(self, title: str, inputs: list[str]) -> dict[str, Any]:
        """The summary as the report embeds it."""
        steps = [*self.steps, *sorted(set(self.spans_by_step) - set(self.steps))]
        reasons = self.by_reason.most_common()
        bars = [[step, kind, n] for (step, kind), n in reasons[:REASON_BARS]]
        rest = sum(n for _, n in reasons[REASON_BARS:])
        clusters = [
            {
                "id": cluster,
                "members": [
                    [number, record_id]
                    for number, record_id, _ in sorted(members, key=lambda m: not m[2])
                ],
            }
            for cluster, members in sorted(self.clusters.items())
        ]
        return {
            "title": title,
            "inputs": inputs,
            "steps": steps,
            "documents": self.documents,
            "records": self.records,
            "empty": self.empty,
            "kept_words": self.kept_words,
            "removed_words": self.removed_words,
            "by_step": [
                [step, self.spans_by_step[step], self.words_by_step[step]] for step in steps
            ],
            "by_reason": bars,
            "other_reasons": rest,
            "clusters": clusters,
            "duplicates": sum(len(c["members"]) - 1 for c in clusters),
            "failures": self.failures,
            "reasons": list(self.reasons),
        }
