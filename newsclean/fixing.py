"""Check and fix files in place: what ``newsclean check`` reports and ``newsclean fix`` writes.

A ``.txt`` scrape is rewritten as the canonical text of its record: an optional ``date
YYYY-MM-DD`` line, the standfirst, then the clean paragraphs, in the file's own layout: separated
by blank lines, or one paragraph a line when that is how the file was written
(:func:`render`). That form is a fixed point of the pipeline (cleaning it again gives the same
record), so a second ``fix`` changes no byte and ``check`` after ``fix`` is clean. A scrape of
several articles becomes one file per article next to it, ``NAME.part1.txt``,
``NAME.part2.txt`` ..., and the original goes. A ``.jsonl`` file is rewritten with the cleaned
records, one per article.

A ``.txt`` file has no metadata: what a step moves out of its text into a record's metadata (a
bare URL, a credit line) is kept in the file's sidecar (:func:`sidecar_path`) by every fix, not
only with ``--keep-removed``; the date is kept as the ``date YYYY-MM-DD`` line, the standfirst
as the opening paragraph. Each finding says where (:class:`Finding`).

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
import re
import stat
from collections.abc import Callable, Iterator
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
from newsclean.record import Block, Document, Record, render_text, stamped
from newsclean.schema import process_added
from newsclean.steps.base import Draft, TextFix

# The paragraph step's module (and its patterns) is imported where a file is planned, not
# here: the command line imports this module for every command, ``--help`` included.

SIDECAR_SUFFIX = ".removed.jsonl"

# What fix says when it leaves a file alone; the CLI prints each after the file's name.
GONE = "no longer there (removed or renamed since it was listed, by another fix perhaps); skipped"
ALREADY_FIXED = "already fixed by another process; skipped"
CHANGED = "changed since it was read; left as it is (fix it again)"
READ_ONLY = "read-only file; left as it is (make it writable to let fix change it)"
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
    """One thing ``check`` reports: where (line and column, from 1), which step, why.

    Printed as ``FILE:LINE:COL: STEP: REASON``, the form editors and CI logs turn into links.
    In a JSONL file the line is the record's; the reason says where in its text.
    """

    path: str
    line: int
    step: str
    reason: str
    column: int = 1

    def __str__(self) -> str:
        return f"{display_path(self.path)}:{self.line}:{self.column}: {self.step}: {self.reason}"

    @property
    def changes_file(self) -> bool:
        """Whether ``fix`` changes something for it (a near-duplicate is only reported)."""
        return self.step != NEAR_DUPLICATE_STEP


# The step whose findings fix reports and leaves: near-duplicates are never deleted.
NEAR_DUPLICATE_STEP = "near_duplicates"


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
    # A .txt file has no metadata: what steps moved into a record's metadata goes to the
    # sidecar on every fix (see the module docstring).
    text_file: bool = False
    # Where each article (by draft id) starts: line, column, and for a JSONL record the words
    # that name it in a finding ("record ID").
    starts: dict[str, tuple[int, int, str]] = field(default_factory=dict)

    @property
    def records(self) -> list[Record]:
        """The clean records of the file (corpus marks included once the corpus steps ran)."""
        return [d.to_record() for d in self.drafts if d.kept]

    @property
    def changes(self) -> bool:
        """True when fixing would change, add or remove a file."""
        return self.outputs != {self.path: self.old_text}

    @property
    def new_paths(self) -> list[Path]:
        """The part files a split writes (the original goes): new files to add to git."""
        return [target for target in self.outputs if target != self.path]

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

    def kept_metadata(self) -> list[str]:
        """The metadata fields (``links``, ``credits``) of removed lines that a ``.txt`` file
        cannot hold, which every fix keeps in the sidecar; empty for a JSONL file.
        """
        if not self.text_file:
            return []
        return sorted({key for block in _moved_blocks(self.drafts) for key in block.meta
                       if key not in _KEPT_IN_TEXT})

    def removal_lines(self, *, everything: bool = True) -> list[str]:
        """The sidecar lines for what this fix removes: one JSON object per removed span, of
        every article, those judged boilerplate as a whole included (an earlier account a
        JSONL record carries stays in the record); then one per JSONL record that goes
        whole, with its other fields under ``fields``. A span that carried metadata has it
        under ``metadata``.

        With ``everything=False``, only the spans whose metadata the file cannot hold (a
        ``.txt`` file's URLs and credits): what every fix keeps.
        """
        kept = set(self.kept_metadata())
        rows = []
        for draft in self.drafts:
            removed = sorted((b for b in draft.blocks if b.removal),
                             key=lambda block: block.removal.start)  # type: ignore[union-attr]
            for block in removed:
                if not everything and not kept & set(block.meta):
                    continue
                assert block.removal is not None
                row = {"record": draft.id, **block.removal.to_dict()}
                if block.meta:
                    row["metadata"] = block.meta
                rows.append(row)
        for document in self.dropped if everything else ():
            fields = {"source": document.source, **document.metadata}
            rows.append({"record": document.id, "step": "fix", "reason": DROPPED, "start": 0,
                         "end": 0, "text": "", "fields": fields})
        return [json.dumps(row, ensure_ascii=False) + "\n" for row in rows]

    def finding_at(self, draft: Draft, step: str, reason: str) -> Finding:
        """A finding about a whole article (a near-duplicate), at the line it starts on."""
        line, column, name = self.starts.get(draft.id, (1, 1, ""))
        return Finding(str(self.path), line, step, reason + (f" ({name})" if name else ""),
                       column)


# Metadata a .txt file keeps in its text: the standfirst is written as the opening paragraph
# (the date as the `date YYYY-MM-DD` line is the record's `created`, not block metadata).
_KEPT_IN_TEXT = frozenset({"standfirst"})


def _moved_blocks(drafts: list[Draft]) -> Iterator[Block]:
    """The removed blocks that carried metadata."""
    for draft in drafts:
        for block in draft.blocks:
            if block.removal is not None and block.meta:
                yield block


def sidecar_path(path: Path) -> Path:
    """Where ``fix`` keeps what it removed from ``path``: ``NAME.removed.jsonl`` with the whole
    name, suffixes and all (``a.txt.removed.jsonl``), so that ``a.txt`` and ``a.jsonl`` each
    have their own. ``--keep-removed`` keeps every removed span there; without it, only
    what a ``.txt`` file cannot hold (URLs, credits).
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


# --- Layout: how a .txt file separates its paragraphs ---------------------------------------

BLANK_LINES = "blank lines"
ONE_PER_LINE = "one per line"


def render(record: Record, layout: str = BLANK_LINES) -> str:
    """The text ``fix`` writes for ``record``: :func:`~newsclean.record.render_text`, its
    paragraphs separated by blank lines, or with ``layout=ONE_PER_LINE`` one paragraph a line.
    """
    text = render_text(record)
    if layout == ONE_PER_LINE:
        return text.replace("\n\n", "\n")
    return text


def _layout_of(text: str, pipeline: Pipeline) -> str:
    """How ``text`` lays out its paragraphs: :data:`ONE_PER_LINE` when it has several lines, no
    blank line between them, and the pipeline's paragraph step reads each line as one
    paragraph (a hard-wrapped text is not that: its lines are joined); else
    :data:`BLANK_LINES`, the canonical form.
    """
    from newsclean.steps.paragraphs import Paragraphs, segment

    if not any(isinstance(step, Paragraphs) for step in pipeline.document_steps):
        return BLANK_LINES
    lines = text.strip().splitlines()
    if len(lines) < 2 or any(not line.strip() for line in lines):
        return BLANK_LINES
    if any(len(paragraph_lines) > 1 for _, _, paragraph_lines in segment(text)):
        return BLANK_LINES
    return ONE_PER_LINE


def _reads_back(text: str) -> bool:
    """Whether the paragraph step reads ``text`` (a record written one paragraph a line) as
    the paragraphs it was written from: each line one paragraph, none joined to the next.
    """
    from newsclean.steps.paragraphs import segment

    written = [line.strip() for line in text.splitlines() if line.strip()]
    return [" ".join(lines) for _, _, lines in segment(text)] == written


def _render_in(record: Record, layout: str) -> str:
    """What fix writes for ``record`` in ``layout``, falling back to blank lines where one
    paragraph a line would not read back as the same paragraphs (so the fixed point holds).
    """
    if layout == ONE_PER_LINE:
        text = render(record, ONE_PER_LINE)
        if _reads_back(text):
            return text
    return render(record)


# --- Findings -------------------------------------------------------------------------------

def _position(text: str, offset: int) -> tuple[int, int]:
    """Line and column (from 1, in characters) of ``offset`` in ``text``."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


class _Locator:
    """Turns offsets into a document's text into finding positions: line and column of the
    file for a ``.txt`` file; for a JSONL record, its line of the file, and the line of its
    text in the reason.
    """

    def __init__(self, path: str, document: Document, record_line: int | None) -> None:
        self.path = path
        self.document = document
        self.record_line = record_line

    def finding(self, offset: int, step: str, reason: str) -> Finding:
        line, column = _position(self.document.text, offset)
        if self.record_line is None:
            return Finding(self.path, line, step, reason, column)
        where = f"record {display_path(self.document.id)}, line {line} of its text"
        return Finding(self.path, self.record_line, step, f"{reason} ({where})")

    def where(self, offset: int) -> str:
        """``line L`` (``.txt``: ``line L:C``) of ``offset``, for a reason's text."""
        line, column = _position(self.document.text, offset)
        return f"line {line}" if self.record_line is not None else f"line {line}:{column}"

    def start(self, offset: int) -> tuple[int, int, str]:
        """Where an article starting at ``offset`` is, for :meth:`FilePlan.finding_at`."""
        if self.record_line is None:
            line, column = _position(self.document.text, offset)
            return line, column, ""
        return self.record_line, 1, f"record {display_path(self.document.id)}"


# "repeat of the paragraph at 120-348 (...)": offsets into the text, which a reader cannot use.
_AT_OFFSETS = re.compile(r"\bat (\d+)-(\d+)\b")
_KEPT_IN_METADATA = re.compile(r"kept in metadata\.\w+")
_KEPT_AS_CREATED = re.compile(r"kept as created=(\S+)")


def _reason(block: Block, at: _Locator, sidecar: str | None) -> str:
    """The removal's reason as a finding says it: offsets as lines, and, in a ``.txt`` file
    (``sidecar`` given), where what the step kept in metadata goes.
    """
    assert block.removal is not None
    reason = _AT_OFFSETS.sub(lambda m: f"at {at.where(int(m.group(1)))}", block.removal.reason)
    if sidecar is None:
        return reason
    reason = _KEPT_AS_CREATED.sub(lambda m: f"kept as the line 'date {m.group(1)}'", reason)
    if any(key not in _KEPT_IN_TEXT for key in block.meta):
        kept = f"kept in {sidecar}"
        # A function, not a template: the name may hold backslashes (shown escapes, too).
        reason = (_KEPT_IN_METADATA.sub(lambda _: kept, reason)
                  if _KEPT_IN_METADATA.search(reason)
                  else f"{reason}; {kept}")
    return reason


def _joined_with_offsets(text: str, start: int) -> tuple[str, list[int]]:
    """A paragraph's source as the paragraph step makes it (its lines stripped and joined),
    and for each character of that the offset in the document it came from.
    """
    from newsclean.steps.paragraphs import join_wrapped

    lines, offsets = [], []
    for match in re.finditer(r"[^\r\n]+", text):
        stripped = match.group().strip()
        if stripped:
            lead = len(match.group()) - len(match.group().lstrip())
            lines.append(stripped)
            offsets.append(start + match.start() + lead)
    if not lines:
        return "", []
    joined = join_wrapped(lines)
    where: list[int] = []
    position = 0
    for k, (line, first) in enumerate(zip(lines, offsets)):
        glue_index = joined.find(line, position)
        # the glue (a space, or nothing after a hyphen) maps to the line break before it
        where.extend([first - 1] * (glue_index - position) if k else [])
        where.extend(range(first, first + len(line)))
        position = glue_index + len(line)
    return joined, where


def _rewrites(block: Block, document: Document, text_fixes: list[TextFix]) -> tuple[
        list[str], int, int]:
    """Which of ``text_fixes`` rewrote a kept block, where the first change is (an offset into
    the document), and how many lines of the input the paragraph was joined from.
    """
    source = document.text[block.start : block.end]
    joined, offsets = _joined_with_offsets(source, block.start)
    lines = len(offsets) and sum(1 for line in source.splitlines() if line.strip())
    if joined == block.text or not offsets:
        return [], block.start, lines
    steps, current = [], joined
    for step in text_fixes:
        fixed = step.fix(current)
        if fixed != current:
            steps.append(step.name)
            current = fixed
    first = next((i for i, (a, b) in enumerate(zip(joined, block.text)) if a != b),
                 min(len(joined), len(block.text)))
    return steps, offsets[min(first, len(offsets) - 1)], lines


def _findings(
    path: str,
    document: Document,
    drafts: list[Draft],
    pipeline: Pipeline,
    *,
    record_line: int | None = None,
    sidecar: str | None = None,
    part_names: list[str] | None = None,
) -> tuple[list[Finding], dict[str, tuple[int, int, str]]]:
    """What cleaning ``document`` changes, each located in ``path``; and where each article
    starts. ``record_line`` is the line of a JSONL record in its file (``None`` for a text
    file); ``sidecar`` names a ``.txt`` file's sidecar; ``part_names`` the files a split
    writes.
    """
    at = _Locator(path, document, record_line)
    text_fixes = [s for s in pipeline.document_steps if isinstance(s, TextFix)]
    found: list[Finding] = []
    starts: dict[str, tuple[int, int, str]] = {}
    kept_drafts = [d for d in drafts if d.kept]
    wrapped: list[tuple[int, int]] = []  # (start, lines) of each hard-wrapped paragraph
    for draft in drafts:
        first = min((b.start for b in draft.blocks), default=0)
        starts[draft.id] = at.start(first)
        if len(kept_drafts) > 1 and draft.kept:
            part = kept_drafts.index(draft) + 1
            writes = f"; fix writes {part_names[part - 1]}" if part_names else ""
            found.append(at.finding(first, "split", f"article {part} of {len(kept_drafts)} "
                                    f"starts here{writes}"))
        for block in draft.blocks:
            if block.removal is not None:
                if sidecar is not None and block.removal.step == "standfirst" and draft.kept:
                    continue  # written back as the opening paragraph: nothing changes
                found.append(at.finding(block.start, block.removal.step,
                                        _reason(block, at, sidecar)))
                continue
            steps, offset, lines = _rewrites(block, document, text_fixes)
            for step in steps:
                found.append(at.finding(offset, step, "paragraph rewritten"))
            if lines > 1 and sidecar is not None:
                wrapped.append((block.start, lines))
    if wrapped:
        # One decision (the file is hard-wrapped), so one finding, at the first such paragraph.
        count, joined = len(wrapped), sum(lines for _, lines in wrapped)
        found.append(at.finding(wrapped[0][0], "paragraphs",
                                f"hard-wrapped lines joined: {_count(count, 'paragraph')} of "
                                f"{joined} lines, written one line each"))
    found.sort(key=lambda f: (f.line, f.column))
    return found, starts


def _count(number: int, word: str) -> str:
    return f"{number:,} {word}{'' if number == 1 else 's'}"


def _dropped_findings(path: str, document: Document, drafts: list[Draft],
                      record_line: int) -> list[Finding]:
    """A finding for each removal of a JSONL record judged boilerplate as a whole: it has no
    record left to carry them, and it goes from the file.
    """
    at = _Locator(path, document, record_line)
    found = []
    for draft in drafts:
        for block in draft.blocks:
            if block.removal and block.text.strip():
                reason = f"{_reason(block, at, None)}; the whole record goes"
                found.append(at.finding(block.start, block.removal.step, reason))
    if not found:
        where = f"record {display_path(document.id)}"
        found.append(Finding(path, record_line, "empty",
                             f"no text; the whole record goes ({where})"))
    return found


def _encoding_findings(path: Path, utf8: str | None, documents: list[Document]) -> list[Finding]:
    """A finding when the file is not UTF-8 (fix rewrites it as UTF-8)."""
    # A JSONL file is decoded line by line: any record read in another encoding tells.
    encoding = next((e for d in documents if (e := d.metadata.get("encoding"))), None)
    if utf8 is not None or not encoding:
        return []
    return [Finding(str(path), 1, "encoding", f"read as {encoding}; fix writes UTF-8")]


def _layout_finding(path: Path, old: str, new: str, layout: str) -> Finding:
    """Where what fix writes first differs from the file, when no step says why: spacing,
    line ends, the last newline.
    """
    first = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old),
                                                                               len(new)))
    line, column = _position(old, first)
    if old[first : first + 1] == "\r":
        reason = "line ends written as LF (the file has CR or CRLF line ends)"
    elif old.rstrip("\n") == new.rstrip("\n"):
        reason = ("no newline at the end of the file" if not old.endswith("\n")
                  else "blank lines at the end of the file")
    elif layout == ONE_PER_LINE:
        reason = "spacing normalised: one paragraph a line"
    else:
        reason = "spacing normalised: one blank line between paragraphs"
    return Finding(str(path), line, "layout", reason, column)


def _boilerplate_steps(drafts: list[Draft]) -> str:
    steps = sorted({b.removal.step for d in drafts for b in d.blocks
                    if b.removal and b.text.strip()})
    return ", ".join(steps) or "the pipeline"


def _record_lines(text: str | None, count: int) -> list[int | None]:
    """The line of the file each of ``count`` JSONL records is on (the reader skips blank
    lines); ``None`` each when the text is not known (not UTF-8).
    """
    if text is not None:
        numbers = [k for k, line in enumerate(text.split("\n"), start=1)
                   if line.strip(" \t\r\n\x0b\x0c")]
        if len(numbers) == count:
            return list(numbers)
    return [None] * count


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
    if split_name(path.name)[1].lower().startswith(".jsonl"):
        # Its records were streamed (each within the limit); the file may be of any size.
        utf8 = read_utf8(path, max_bytes=None)
        plan = plan_jsonl(path, documents, utf8, pipeline)
    else:
        utf8 = read_utf8(path, max_bytes)
        [document] = documents  # a text file read without error is one document
        plan = plan_text(path, document, utf8, pipeline)
    plan.identity = identity
    plan.refusal = _refusal(plan, documents)
    return plan


def plan_text(path: Path, document: Document, utf8: str | None,
              pipeline: Pipeline) -> FilePlan:
    """The plan of a text file (``utf8``: its text when it is UTF-8) holding ``document``:
    its clean text in its own layout, or part files for a multi-article scrape.
    """
    old_text = utf8 or ""
    # A text file has no metadata: steps that only fill it have nothing to do here.
    drafts = pipeline.draft(document, metadata=False)
    plan = FilePlan(path, old_text, {}, drafts, text_file=True)
    records = plan.records
    layout = _layout_of(document.text, pipeline)
    stem, suffixes = split_name(path.name)
    if len(records) <= 1:
        plan.outputs = {path: _render_in(records[0], layout) if records else ""}
    else:
        plan.outputs = {
            path.with_name(f"{stem}.part{k}{suffixes}"): _render_in(record, layout)
            for k, record in enumerate(records, start=1)
        }
    names = [display_path(target.name) for target in plan.outputs]
    plan.findings, plan.starts = _findings(
        str(path), document, drafts, pipeline, sidecar=display_path(sidecar_path(path).name),
        part_names=names if len(records) > 1 else None)
    if plan.changes:
        plan.findings += _encoding_findings(path, utf8, [document])
        if not plan.findings and path in plan.outputs:
            plan.findings.append(_layout_finding(path, old_text, plan.outputs[path], layout))
    else:
        plan.findings = []
    return plan


def plan_jsonl(path: Path, documents: list[Document], utf8: str | None,
               pipeline: Pipeline, record_lines: list[int | None] | None = None) -> FilePlan:
    """The plan of a JSONL file (``utf8``: its text when it is UTF-8) of ``documents``: its
    cleaned records, one per article, with the full removal account. ``record_lines`` says
    where each record is, when the text is not at hand (standard input). A record keeps its
    ``added``; one without gets this process's (:func:`~newsclean.schema.process_added`).
    """
    old_text = utf8 or ""
    per_document = [(d, pipeline.draft(d)) for d in documents]
    drafts = [draft for _, ds in per_document for draft in ds]
    plan = FilePlan(path, old_text, {}, drafts)
    added = process_added()
    plan.outputs = {path: "".join(stamped(r, added).to_json() + "\n" for r in plan.records)}
    lines = record_lines or _record_lines(utf8, len(documents))
    for (document, ds), line in zip(per_document, lines):
        found, starts = _findings(str(path), document, ds, pipeline, record_line=line or 1)
        plan.starts.update(starts)
        if not plan.changes:
            continue
        if any(d.kept for d in ds):
            plan.findings += found
        else:  # the record goes whole: each removal says so
            plan.findings += _dropped_findings(str(path), document, ds, line or 1)
            plan.dropped.append(document)
    if plan.changes:
        plan.findings += _encoding_findings(path, utf8, documents)
        if not plan.findings:
            plan.findings.append(_jsonl_layout_finding(path, old_text, plan.outputs[path]))
    plan.findings.sort(key=lambda f: (f.line, f.column))
    return plan


def _jsonl_layout_finding(path: Path, old: str, new: str) -> Finding:
    """The first record fix writes in another form when no step changed anything in it."""
    old_lines = [line for line in old.split("\n") if line.strip()]
    new_lines = new.split("\n")
    numbers = _record_lines(old, len(old_lines))
    for k, (before, after) in enumerate(zip(old_lines, new_lines)):
        if before != after:
            return Finding(str(path), numbers[k] or 1, "layout",
                           "record written in newsclean's form (its fields, order, spacing)")
    return Finding(str(path), 1, "layout", "records written in newsclean's form")


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
    # A name the folder cannot hold (a part or sidecar of a name near the limit) would stop
    # the write half-way; check and fix say so before anything is written.
    new_names = [t for t in plan.outputs if t != plan.path]
    if plan.removal_lines(everything=False):
        new_names.append(sidecar_path(plan.path))
    too_long = [target for target in new_names if _name_too_long(target)]
    if too_long:
        return (f"would write {display_path(too_long[0].name)}, a name longer than its folder "
                "allows; left as it is (give the file a shorter name)")
    taken = [target for target, text in plan.outputs.items()
             if target != plan.path and not _holds_or_free(target, text)]
    if taken:
        names = ", ".join(display_path(t.name) for t in taken)
        return (f"would replace {names}, which it did not make; left as it is (move "
                f"{'that file' if len(taken) == 1 else 'those files'} away and fix it again)")
    return None


def _name_too_long(path: Path) -> bool:
    """Whether ``path``'s name is longer than its folder's file system allows."""
    try:
        limit = os.pathconf(path.parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255  # the limit of the common file systems
    return len(os.fsencode(path.name)) > limit


def _holds_or_free(target: Path, text: str) -> bool:
    """Whether writing ``text`` to ``target`` loses nothing: no file there, or that text."""
    return _identity(target) is None or _holds(target, text)


def apply_plan(plan: FilePlan, *, keep_removed: bool = False) -> list[Path]:
    """Write what ``plan`` says, atomically, and return the files it made that were not there
    before (part files, a new sidecar: what ``git add -u`` does not pick up). The sidecar
    (:func:`sidecar_path`) gets, after what it holds already, the spans whose metadata a
    ``.txt`` file cannot hold (URLs, credits), and with ``keep_removed`` every removed span.

    Nothing is written through a symbolic link, and no file is replaced that the plan did not
    read: the file must still be the one read (same inode, size and times), checked before
    anything is written and again just before each rename; a part file to write must not
    exist (or hold exactly its text). Else :class:`FileRefused` is raised and nothing of the
    file changes (part files and sidecar lines this call wrote are taken back), or
    :class:`FileSkipped` when another process fixed or removed the file first. A file this
    process may not write (read-only) is refused, though its folder would allow the rename.
    :class:`~newsclean.io.OutputError` when a file cannot be written.
    """
    if plan.refusal is not None:
        raise FileRefused(plan.path, plan.refusal)
    _check_source(plan)
    if _read_only(plan.path):
        raise FileRefused(plan.path, READ_ONLY)
    refusal = _refusal(plan, [])
    if refusal is not None:  # a part file appeared since the plan was made
        raise FileRefused(plan.path, refusal)
    undo: list[Callable[[], None]] = []
    made: list[Path] = []
    try:
        if _add_to_sidecar(plan, undo, everything=keep_removed):
            made.append(sidecar_path(plan.path))
        for target, text in plan.outputs.items():
            if target == plan.path:
                _write(target, text, lambda x=text: _check_source(plan, x), plan.path)
            elif not _holds(target, text):
                if _write(target, text, lambda t=target, x=text: _check_free(plan, t, x),
                          plan.path):
                    undo.append(_undo_new_file(target))
                    made.append(target)
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
    return made


def _read_only(path: Path) -> bool:
    """Whether ``path`` is read-only: for this process, or for everyone (root included). A
    rename needs only the folder's permission, so without asking, a file its owner made
    read-only to keep it as it is would be replaced all the same (an editor asks first).
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False  # gone: the checks before each rename say so
    writable = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    return not mode & writable or not os.access(path, os.W_OK)


def _write(target: Path, text: str, check: Callable[[], None], like: Path) -> bool:
    """Write ``text`` to ``target`` atomically, never through a link, ``check`` passing just
    before the rename; ``False`` when the target turned out to hold that text already. A new
    file takes the permissions and owner of ``like``, the file it comes from.
    """
    try:
        with atomic_write(target, follow_symlinks=False, before_replace=check,
                          like=like) as out:
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


def _add_to_sidecar(plan: FilePlan, undo: list[Callable[[], None]], *,
                    everything: bool) -> bool:
    """Add this fix's removals to the sidecar (``everything``, or only what the file cannot
    hold), keeping what it holds (earlier fixes); whether the sidecar is a new file.
    """
    lines = plan.removal_lines(everything=everything)
    if not lines:
        return False
    sidecar = sidecar_path(plan.path)
    if _name_too_long(sidecar):  # --keep-removed: not known when the plan was made
        raise FileRefused(plan.path, f"would write {display_path(sidecar.name)}, a name "
                          "longer than its folder allows; left as it is (give the file a "
                          "shorter name)")
    if _is_link(sidecar):
        raise FileRefused(plan.path, f"its sidecar {display_path(sidecar.name)} is a "
                          "symbolic link; left as it is")
    before = _identity(sidecar)
    if before is not None and not sidecar.is_file():
        raise FileRefused(plan.path, f"its sidecar {display_path(sidecar.name)} is not a "
                          "regular file (a folder, a named pipe ...); left as it is")
    if before is not None and _read_only(sidecar):
        raise FileRefused(plan.path, f"its sidecar {display_path(sidecar.name)} is a "
                          "read-only file; left as it is")
    old = "" if before is None else read_utf8(sidecar, max_bytes=None)
    if old is None:
        raise FileRefused(plan.path, f"its sidecar {display_path(sidecar.name)} is not "
                          "UTF-8 text; left as it is")
    if old and not old.endswith("\n"):
        old += "\n"
    added = "".join(lines)
    if old.endswith(added):
        # Another fix of this same file (same text, so same record ids and spans) wrote
        # them: the account is there once, and stays once.
        return False

    def unchanged() -> None:
        if _identity(sidecar) != before:
            if (read_utf8(sidecar, max_bytes=None) or "").endswith(added):
                raise _AlreadyThere  # the other fix of this file got there first
            raise FileRefused(plan.path, f"its sidecar {display_path(sidecar.name)} "
                              "changed while it was written; left as it is")

    if not _write(sidecar, old + added, unchanged, plan.path):
        return False  # those rows are the other process's: not ours to take back
    written = _identity(sidecar)

    def restore() -> None:
        if _identity(sidecar) != written:
            return  # written since by another process: theirs stays
        if before is None:
            _remove(sidecar)
        else:
            _write(sidecar, old, lambda: None, plan.path)

    undo.append(restore)
    return before is None


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


__all__ = [
    "BLANK_LINES",
    "NEAR_DUPLICATE_STEP",
    "ONE_PER_LINE",
    "FilePlan",
    "FileRefused",
    "FileSkipped",
    "Finding",
    "InputError",
    "apply_plan",
    "plan_file",
    "plan_jsonl",
    "plan_text",
    "render",
    "render_text",
    "sidecar_path",
]
