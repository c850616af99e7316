"""Check and fix files in place: what ``newsclean check`` reports and ``newsclean fix`` writes.

A ``.txt`` scrape is rewritten as the canonical text of its record: an optional ``date
YYYY-MM-DD`` line, the standfirst, then the clean paragraphs separated by blank lines. That form
is a fixed point of the pipeline (cleaning it again gives the same record), so a second ``fix``
changes no byte and ``check`` after ``fix`` is clean. A scrape of several articles becomes one
file per article next to it, ``NAME.part1.txt``, ``NAME.part2.txt`` ..., and the original goes.
A ``.jsonl`` file is rewritten with the cleaned records, one per article.

Every write is atomic (temporary file in the same folder, fsync, rename), so an interrupted run
leaves each file either old or new.
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from newsclean.io import (
    DEFAULT_MAX_BYTES,
    InputError,
    atomic_write,
    display_path,
    iter_documents,
    read_utf8,
    split_name,
)
from newsclean.pipeline import Pipeline
from newsclean.record import Document, Record, render_text
from newsclean.steps.base import Draft


@dataclass
class Finding:
    """One thing ``check`` reports: where, which step, why."""

    path: str
    line: int | None
    step: str
    reason: str

    def __str__(self) -> str:
        path = display_path(self.path)
        where = f"{path}:{self.line}" if self.line else path
        return f"{where}: {self.step}: {self.reason}"


@dataclass
class FilePlan:
    """What fixing one file means: its new contents, per output path, and the findings."""

    path: Path
    old_text: str
    outputs: dict[Path, str]
    drafts: list[Draft]
    findings: list[Finding] = field(default_factory=list)

    @property
    def records(self) -> list[Record]:
        """The clean records of the file (corpus marks included once the corpus steps ran)."""
        return [d.to_record() for d in self.drafts if d.kept]

    @property
    def changes(self) -> bool:
        """True when fixing would change, add or remove a file."""
        return self.outputs != {self.path: self.old_text}

    def diff(self) -> str:
        """A unified diff from the file as it is to what ``fix`` would write."""
        chunks = []
        for target, new in self.outputs.items():
            old = self.old_text if target == self.path else ""
            chunks.extend(
                difflib.unified_diff(
                    old.splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    fromfile=display_path(self.path),
                    tofile=display_path(target),
                )
            )
        if self.path not in self.outputs:
            parts = len(self.outputs)
            chunks.append(f"--- {self.path}\n+++ /dev/null (split into {parts} files)\n")
        return "".join(chunks)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _findings(
    path: str, document: Document, records: list[Record], in_record: bool = False
) -> list[Finding]:
    """What cleaning ``document`` changes, located in ``path``: by line of the file, or, for
    a record of a JSONL file (``in_record``), by record id and line of its text.
    """
    found = []

    def add(line: int | None, step: str, reason: str) -> None:
        if in_record:
            where = f"record {document.id}" + (f", line {line} of its text" if line else "")
            found.append(Finding(path, None, step, f"{reason} ({where})"))
        else:
            found.append(Finding(path, line, step, reason))

    for record in records:
        for removal in record.removed:
            if removal.end <= len(document.text) and document.text[
                removal.start : removal.end
            ] == removal.text:
                add(_line_of(document.text, removal.start), removal.step, removal.reason)
        for step, count in sorted(record.metadata.get("fixes", {}).items()):
            add(None, step, f"{count} paragraph(s) rewritten")
    if len(records) > 1:
        add(None, "split", f"{len(records)} articles in one text")
    return found


def _encoding_findings(path: Path, utf8: str | None, documents: list[Document]) -> list[Finding]:
    """A finding when the file is not UTF-8 (fix rewrites it as UTF-8)."""
    # A JSONL file is decoded line by line: any record read in another encoding tells.
    encoding = next((e for d in documents if (e := d.metadata.get("encoding"))), None)
    if utf8 is not None or not encoding:
        return []
    return [Finding(str(path), None, "encoding", f"read as {encoding}; fix writes UTF-8")]


def plan_file(
    path: Path, pipeline: Pipeline, on_error, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> FilePlan | None:
    """Work out what fixing ``path`` means with the pipeline's per-document steps. Corpus
    steps are the caller's: they need every file of the run.

    ``None`` when any of the file could not be read (``on_error`` is told what): rewriting it
    from the part that could would lose the rest, a malformed JSONL line say, so it is left
    as it is.
    """
    errors: list[InputError] = []
    documents = list(iter_documents([str(path)], max_bytes=max_bytes, on_error=errors.append))
    for error in errors:
        on_error(error)
    if errors:
        return None
    stem, suffixes = split_name(path.name)
    if suffixes.lower().startswith(".jsonl"):
        # Its records were streamed (each within the limit); the file may be of any size.
        utf8 = read_utf8(path, max_bytes=None)
        old_text = utf8 or ""
        per_document = [(d, pipeline.draft(d)) for d in documents]
        drafts = [draft for _, ds in per_document for draft in ds]
        plan = FilePlan(path, old_text, {}, drafts)
        plan.outputs = {path: "".join(r.to_json() + "\n" for r in plan.records)}
        if plan.changes:
            for document, ds in per_document:
                records = [d.to_record() for d in ds if d.kept]
                plan.findings += _findings(str(path), document, records, in_record=True)
            plan.findings += _encoding_findings(path, utf8, documents)
        return plan
    utf8 = read_utf8(path, max_bytes)
    old_text = utf8 or ""
    [document] = documents  # a text file read without error is one document
    drafts = pipeline.draft(document)
    plan = FilePlan(path, old_text, {}, drafts)
    records = plan.records
    if len(records) <= 1:
        plan.outputs = {path: render_text(records[0]) if records else ""}
    else:
        plan.outputs = {
            path.with_name(f"{stem}.part{k}{suffixes}"): render_text(record)
            for k, record in enumerate(records, start=1)
        }
    if plan.changes:
        plan.findings = _findings(str(path), document, records)
        plan.findings += _encoding_findings(path, utf8, documents)
        if not plan.findings:
            reason = "paragraphs reflowed or whitespace normalised"
            plan.findings.append(Finding(str(path), None, "layout", reason))
    return plan


def apply_plan(plan: FilePlan, *, keep_removed: bool = False) -> None:
    """Write what ``plan`` says, atomically; with ``keep_removed`` the removed spans go to a
    ``NAME.removed.jsonl`` sidecar next to the file.
    """
    if keep_removed:
        sidecar = plan.path.with_name(f"{split_name(plan.path.name)[0]}.removed.jsonl")
        lines = [
            json.dumps({"record": r.id, **x.to_dict()}, ensure_ascii=False) + "\n"
            for r in plan.records
            for x in r.removed
        ]
        if lines:
            with atomic_write(sidecar) as out:
                out.writelines(lines)
    for target, text in plan.outputs.items():
        if target.exists() and read_utf8(target) == text:
            continue
        with atomic_write(target) as out:
            out.write(text)
    if plan.path not in plan.outputs:
        os.unlink(plan.path)


__all__ = ["FilePlan", "Finding", "InputError", "apply_plan", "plan_file", "render_text"]
