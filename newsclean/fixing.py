"""Check and fix files in place: what ``newsclean check`` reports and ``newsclean fix`` writes.

A ``.txt`` scrape is rewritten as the canonical text of its record: an optional ``date
YYYY-MM-DD`` line, the standfirst, then the clean paragraphs separated by blank lines. That form
is a fixed point of the pipeline (cleaning it again gives the same record), so a second ``fix``
changes no byte and ``check`` after ``fix`` is clean. A scrape of several articles becomes one
file per article next to it, ``NAME.part1.txt``, ``NAME.part2.txt`` ..., and the original goes.
A ``.jsonl`` file is rewritten with the cleaned records, one per article.

Every write is atomic (temporary file in the same folder, fsync, rename), so an interrupted run
leaves each file either old or new. ``fix`` never loses what it did not make: it writes no
file through a symbolic link, replaces no file but the one it read (and only if that is still
the file it read, see :func:`apply_plan`), and leaves a file whose whole text it would remove
as it is (:class:`FileRefused`). A file another process fixed first is skipped
(:class:`FileSkipped`).
"""

from __future__ import annotations

import difflib
import json
import os
import stat
from collections.abc import Callable
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
from newsclean.io.readers import NOT_FOLLOWED
from newsclean.pipeline import Pipeline
from newsclean.record import Document, Record, render_text
from newsclean.steps.base import Draft

SIDECAR_SUFFIX = ".removed.jsonl"

# What fix says when it leaves a file alone; the CLI prints each after the file's name.
GONE = "no longer there (removed or renamed since it was listed, by another fix perhaps); skipped"
ALREADY_FIXED = "already fixed by another process; skipped"
CHANGED = "changed since it was read; left as it is (fix it again)"
DROPPED = "record dropped, nothing of its text being left; its other fields are kept here"

# (device, inode, size, mtime_ns, ctime_ns) of a file as lstat saw it: the same file, unchanged.
FileIdentity = tuple[int, int, int, int, int]


class FileRefused(Exception):
    """A file ``fix`` will not rewrite because that could lose data (it is a link, a part file
    it would write exists, its whole text would go, it changed since it was read); nothing of
    it changes. ``check`` reports the same, so the two agree.
    """

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(display_path(path), reason)
        self.path = display_path(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class FileSkipped(FileRefused):
    """A file left alone with nothing lost: another process fixed or removed it first. A
    note, not an error.
    """


class _AlreadyThere(Exception):
    """Raised at the last moment of a write: the target already holds exactly that text."""


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
    """What fixing one file means: its new contents, per output path, and the findings.

    ``identity`` is the file as it was when read, which :func:`apply_plan` requires it still
    to be; ``refusal`` says why ``fix`` would leave it as it is (``None``: it may be fixed).
    """

    path: Path
    old_text: str
    outputs: dict[Path, str]
    drafts: list[Draft]
    findings: list[Finding] = field(default_factory=list)
    identity: FileIdentity | None = None
    refusal: str | None = None
    # JSONL records that clean to nothing: they go from the file, so the sidecar keeps them.
    dropped: list[Document] = field(default_factory=list)

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
            chunks.append(
                f"--- {display_path(self.path)}\n+++ /dev/null (split into {parts} files)\n")
        return "".join(chunks)

    def removal_lines(self) -> list[str]:
        """The sidecar lines for what this fix removes: one JSON object per removed span, of
        every article, those judged boilerplate as a whole included (an earlier account a
        JSONL record carries stays in the record); then one per JSONL record that goes
        whole, with its other fields under ``fields``.
        """
        rows = []
        for draft in self.drafts:
            removed = sorted((b.removal for b in draft.blocks if b.removal),
                             key=lambda removal: removal.start)
            rows.extend({"record": draft.id, **removal.to_dict()} for removal in removed)
        for document in self.dropped:
            fields = {"source": document.source, **document.metadata}
            rows.append({"record": document.id, "step": "fix", "reason": DROPPED, "start": 0,
                         "end": 0, "text": "", "fields": fields})
        return [json.dumps(row, ensure_ascii=False) + "\n" for row in rows]


def sidecar_path(path: Path) -> Path:
    """Where ``fix --keep-removed`` keeps what it removed from ``path``: ``NAME.removed.jsonl``
    with the whole name, suffixes and all (``a.txt.removed.jsonl``), so that ``a.txt`` and
    ``a.jsonl`` each have their own.
    """
    return path.with_name(path.name + SIDECAR_SUFFIX)


def _identity(path: Path) -> FileIdentity | None:
    """The file at ``path`` (not following a link), or ``None`` when there is none."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _is_link(path: Path) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return False


def _holds(path: Path, text: str) -> bool:
    """Whether ``path`` is a regular file (not a link) whose text is exactly ``text``."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
    except OSError:
        return False
    return read_utf8(path, max_bytes=None) == text


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
            where = f"record {display_path(document.id)}" + (
                f", line {line} of its text" if line else "")
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


def _dropped_findings(path: str, document: Document, drafts: list[Draft]) -> list[Finding]:
    """A finding for each removal of a JSONL record judged boilerplate as a whole: it has no
    record left to carry them, and it goes from the file.
    """
    found = []
    for draft in drafts:
        for block in draft.blocks:
            if block.removal and block.text.strip():
                line = _line_of(document.text, block.start)
                where = f"record {display_path(document.id)}, line {line} of its text"
                reason = f"{block.removal.reason}; the whole record goes ({where})"
                found.append(Finding(path, None, block.removal.step, reason))
    if not found:
        where = f"record {display_path(document.id)}"
        found.append(Finding(path, None, "empty", f"no text; the whole record goes ({where})"))
    return found


def _encoding_findings(path: Path, utf8: str | None, documents: list[Document]) -> list[Finding]:
    """A finding when the file is not UTF-8 (fix rewrites it as UTF-8)."""
    # A JSONL file is decoded line by line: any record read in another encoding tells.
    encoding = next((e for d in documents if (e := d.metadata.get("encoding"))), None)
    if utf8 is not None or not encoding:
        return []
    return [Finding(str(path), None, "encoding", f"read as {encoding}; fix writes UTF-8")]


def _boilerplate_steps(drafts: list[Draft]) -> str:
    steps = sorted({b.removal.step for d in drafts for b in d.blocks
                    if b.removal and b.text.strip()})
    return ", ".join(steps) or "the pipeline"


def plan_file(
    path: Path,
    pipeline: Pipeline,
    on_error: Callable[[Exception], None],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> FilePlan | None:
    """Work out what fixing ``path`` means with the pipeline's per-document steps. Corpus
    steps are the caller's: they need every file of the run.

    ``None`` when the file is not planned, ``on_error`` being told why: an
    :class:`~newsclean.io.InputError` when any of it could not be read (rewriting it from the
    part that could would lose the rest, a malformed JSONL line say), a :class:`FileRefused`
    for a symbolic link, a :class:`FileSkipped` when it went away before it was read (another
    fix may have split it). A plan's ``refusal`` is set when fixing would lose data: the whole
    text would go, or a part file to write already exists with other contents.
    """
    if _is_link(path):
        on_error(FileRefused(path, NOT_FOLLOWED))
        return None
    identity = _identity(path)
    if identity is None:
        on_error(FileSkipped(path, GONE))
        return None
    errors: list[InputError] = []
    documents = list(iter_documents([str(path)], max_bytes=max_bytes, on_error=errors.append))
    if errors and _identity(path) is None:
        on_error(FileSkipped(path, GONE))  # it went while it was read: nothing to say of it
        return None
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
        plan = FilePlan(path, old_text, {}, drafts, identity=identity)
        plan.outputs = {path: "".join(r.to_json() + "\n" for r in plan.records)}
        if plan.changes:
            for document, ds in per_document:
                records = [d.to_record() for d in ds if d.kept]
                plan.findings += _findings(str(path), document, records, in_record=True)
                if not records:
                    plan.findings += _dropped_findings(str(path), document, ds)
                    plan.dropped.append(document)
            plan.findings += _encoding_findings(path, utf8, documents)
    else:
        utf8 = read_utf8(path, max_bytes)
        old_text = utf8 or ""
        [document] = documents  # a text file read without error is one document
        drafts = pipeline.draft(document)
        plan = FilePlan(path, old_text, {}, drafts, identity=identity)
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
    plan.refusal = _refusal(plan, documents)
    return plan


def _refusal(plan: FilePlan, documents: list[Document]) -> str | None:
    """Why fixing ``plan`` would lose data, or ``None``."""
    if not plan.records and any(d.text.strip() for d in documents):
        # Emptying (or deleting) a file because every line of it looks like boilerplate is
        # the one fix that cannot be told from a wrong judgement: leave it for a person.
        return (f"whole file judged boilerplate by {_boilerplate_steps(plan.drafts)}; "
                "left as it is")
    if not plan.records and plan.dropped:
        # Records with blank text only: emptying the file would lose their ids and fields.
        return "no record of it has any text; left as it is"
    taken = [target for target, text in plan.outputs.items()
             if target != plan.path and not _holds_or_free(target, text)]
    if taken:
        names = ", ".join(display_path(t.name) for t in taken)
        return (f"would replace {names}, which it did not make; left as it is (move "
                f"{'that file' if len(taken) == 1 else 'those files'} away and fix it again)")
    return None


def _holds_or_free(target: Path, text: str) -> bool:
    """Whether writing ``text`` to ``target`` loses nothing: no file there, or that text."""
    return _identity(target) is None or _holds(target, text)


def apply_plan(plan: FilePlan, *, keep_removed: bool = False) -> None:
    """Write what ``plan`` says, atomically; with ``keep_removed`` the spans removed go to
    the file's sidecar (:func:`sidecar_path`), added after what it holds already.

    Nothing is written through a symbolic link, and no file is replaced that the plan did not
    read: the file must still be the one read (same inode, size and times), checked before
    anything is written and again just before each rename; a part file to write must not
    exist (or hold exactly its text). Else :class:`FileRefused` is raised and nothing of the
    file changes (part files and sidecar lines this call wrote are taken back), or
    :class:`FileSkipped` when another process fixed or removed the file first.
    :class:`~newsclean.io.OutputError` when a file cannot be written.
    """
    if plan.refusal is not None:
        raise FileRefused(plan.path, plan.refusal)
    _check_source(plan)
    refusal = _refusal(plan, [])
    if refusal is not None:  # a part file appeared since the plan was made
        raise FileRefused(plan.path, refusal)
    undo: list[Callable[[], None]] = []
    try:
        if keep_removed:
            _add_to_sidecar(plan, undo)
        for target, text in plan.outputs.items():
            if target == plan.path:
                _write(target, text, lambda x=text: _check_source(plan, x))
            elif not _holds(target, text):
                if _write(target, text, lambda t=target, x=text: _check_free(plan, t, x)):
                    undo.append(_undo_new_file(target))
        if plan.path not in plan.outputs:
            current = _identity(plan.path)
            if current is not None and current != plan.identity:
                raise FileRefused(plan.path, CHANGED)
            # Gone already: another fix split it too, having written these same parts.
            _remove(plan.path)
    except BaseException:
        # Each undo leaves alone a file another process wrote since: that one is theirs.
        for step in reversed(undo):
            step()
        raise


def _write(target: Path, text: str, check: Callable[[], None]) -> bool:
    """Write ``text`` to ``target`` atomically, never through a link, ``check`` passing just
    before the rename; ``False`` when the target turned out to hold that text already.
    """
    try:
        with atomic_write(target, follow_symlinks=False, before_replace=check) as out:
            out.write(text)
    except _AlreadyThere:
        return False
    return True


def _undo_new_file(target: Path) -> Callable[[], None]:
    written = _identity(target)

    def undo() -> None:
        if _identity(target) == written:
            _remove(target)

    return undo


def _check_source(plan: FilePlan, text: str | None = None) -> None:
    """Raise unless ``plan.path`` is still the file the plan read. When it holds what would
    be written (``text``, about to be written, or all the plan's outputs), another fix got
    there first.
    """
    current = _identity(plan.path)
    if _is_link(plan.path):
        raise FileRefused(plan.path, NOT_FOLLOWED)
    if current == plan.identity or plan.identity is None:  # None: a plan made by hand
        return
    if text is not None and current is not None and _holds(plan.path, text):
        raise _AlreadyThere
    if (current is None) == (plan.path not in plan.outputs) and all(
        _holds(t, x) for t, x in plan.outputs.items()
    ):
        raise FileSkipped(plan.path, ALREADY_FIXED)
    if current is None:
        raise FileSkipped(plan.path, GONE)
    raise FileRefused(plan.path, CHANGED)


def _check_free(plan: FilePlan, target: Path, text: str) -> None:
    """Raise unless ``target`` (a part file about to be written) is still free."""
    if _identity(target) is None:
        return
    if _holds(target, text):
        raise _AlreadyThere
    raise FileRefused(plan.path, f"would replace {display_path(target.name)}, which it did not "
                      "make; left as it is")


def _add_to_sidecar(plan: FilePlan, undo: list[Callable[[], None]]) -> None:
    """Add this fix's removals to the sidecar, keeping what it holds (earlier fixes)."""
    lines = plan.removal_lines()
    if not lines:
        return
    sidecar = sidecar_path(plan.path)
    if _is_link(sidecar):
        raise FileRefused(plan.path, f"its sidecar {display_path(sidecar.name)} is a "
                          "symbolic link; left as it is")
    before = _identity(sidecar)
    old = "" if before is None else read_utf8(sidecar, max_bytes=None)
    if old is None:
        raise FileRefused(plan.path, f"its sidecar {display_path(sidecar.name)} is not "
                          "UTF-8 text; left as it is")
    if old and not old.endswith("\n"):
        old += "\n"

    def unchanged() -> None:
        if _identity(sidecar) != before:
            raise FileRefused(plan.path, f"its sidecar {display_path(sidecar.name)} "
                              "changed while it was written; left as it is")

    _write(sidecar, old + "".join(lines), unchanged)
    written = _identity(sidecar)

    def restore() -> None:
        if _identity(sidecar) != written:
            return  # written since by another process: theirs stays
        if before is None:
            _remove(sidecar)
        else:
            _write(sidecar, old, lambda: None)

    undo.append(restore)


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


__all__ = [
    "FilePlan",
    "FileRefused",
    "FileSkipped",
    "Finding",
    "InputError",
    "apply_plan",
    "plan_file",
    "render_text",
    "sidecar_path",
]
