"""The docs hold: the generated step reference is current, every step documents itself, and
the code examples of the README and docs/ run (see docs/contributing.md for the markers).
"""

from __future__ import annotations

import linecache
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import DOCS, ROOT, docs_script

from newsclean.steps import STEPS

PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]

pytestmark = pytest.mark.docs

_FENCE = re.compile(r"^(?P<fence>```+|~~~+)\s*(?P<lang>[\w+-]*)")
_MARKER = re.compile(r"^<!--\s*(?P<name>no-test|file|exit)\s*(?::\s*(?P<value>.*?))?\s*-->$")
_CONSOLE = {"console", "sh", "shell", "bash"}
_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
_LOOSE_COMMAND = re.compile(r"^\s*\$ (?:[A-Za-z_]\w*=\S* )*newsclean\b")
_ELLIPSIS = ("...", "…")


def test_reference_is_up_to_date():
    expected = docs_script("gen_reference").render()
    current = (DOCS / "reference.md").read_text(encoding="utf-8")
    assert current == expected, "docs/reference.md is stale: run python docs/gen_reference.py"


@pytest.mark.parametrize("name", sorted(STEPS))
def test_every_step_has_a_docstring(name):
    cls = STEPS[name]
    # A class's own docstring (__doc__ is not inherited, but be explicit about it).
    doc = cls.__dict__.get("__doc__") or ""
    assert doc.strip(), f"step {name!r} ({cls.__name__}) has no docstring"
    assert cls.name == name


@dataclass(frozen=True)
class Block:
    """A fenced code block of a page, with the marker comment on the line before it."""

    page: Path
    line: int  # of the opening fence, 1-based
    lang: str
    code: str
    marker: str | None = None
    value: str | None = None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def fenced_blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a Markdown page, in order."""
    lines = page.read_text(encoding="utf-8").split("\n")
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        fence, start = opening.group("fence"), index
        index += 1
        while index < len(lines) and not lines[index].startswith(fence):
            index += 1
        previous = next((line for line in reversed(lines[:start]) if line.strip()), "")
        marker = _MARKER.match(previous.strip())
        blocks.append(
            Block(
                page,
                start + 1,
                opening.group("lang"),
                "\n".join(lines[start + 1 : index]) + "\n",
                marker and marker.group("name"),
                marker and marker.group("value"),
            )
        )
        index += 1
    return blocks


def _commands(block: Block) -> list[tuple[str, list[str]]]:
    """A console block's ``$ newsclean ...`` commands, each with the output lines shown."""
    commands: list[tuple[str, list[str]]] = []
    for line in block.code.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
    return commands


def _split_command(command: str) -> tuple[dict[str, str], list[str]]:
    """``VAR=value ... newsclean ARGS`` as (the variables, the arguments)."""
    argv = shlex.split(command)
    assigned = {}
    while argv and _ASSIGNMENT.match(argv[0]):
        name, _, value = argv.pop(0).partition("=")
        assigned[name] = value
    return assigned, argv


def _runnable(block: Block) -> bool:
    if block.marker == "no-test":
        return False
    if block.marker == "file" or block.lang == "python":
        return True
    return block.lang in _CONSOLE and any(
        _split_command(command)[1][:1] == ["newsclean"] for command, _ in _commands(block)
    )


def _example_pages() -> list[Path]:
    return [page for page in PAGES if any(_runnable(b) for b in fenced_blocks(page))]


@pytest.fixture
def example_dir(tmp_path, monkeypatch):
    """A working folder as the examples assume it: the repository's fixtures, and scrape.txt."""
    shutil.copytree(ROOT / "fixtures" / "seeds", tmp_path / "fixtures" / "seeds")
    shutil.copy(ROOT / "fixtures" / "seeds" / "000_f7b2b1a91d296620.txt", tmp_path / "scrape.txt")
    monkeypatch.chdir(tmp_path)
    # Modules an example writes (a custom step) are importable, as the docs tell users to make
    # them; forgotten again afterwards so another page's example starts clean.
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        if str(getattr(sys.modules[name], "__file__", "") or "").startswith(str(tmp_path)):
            del sys.modules[name]


def _run_console(block: Block, folder: Path) -> None:
    expected = int(block.value) if block.marker == "exit" else 0
    for command, shown in _commands(block):
        assigned, argv = _split_command(command)
        assert argv[:1] == ["newsclean"], (
            f"{block.where}: only `$ newsclean` commands run; mark the block <!-- no-test -->"
        )
        # The command runs this checkout's newsclean; a PYTHONPATH the example sets comes after.
        paths = [str(ROOT)]
        if "PYTHONPATH" in assigned:
            paths.append(str((folder / assigned.pop("PYTHONPATH")).resolve()))
        env = dict(os.environ, **assigned, PYTHONPATH=os.pathsep.join(paths))
        done = subprocess.run(
            [sys.executable, "-m", "newsclean", *argv[1:]],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        output = done.stdout + done.stderr
        assert done.returncode == expected, (
            f"{block.where}: `{command}` exited {done.returncode}, not {expected}\n{output}"
        )
        # Each output line shown is a line of the real output; one cut short with an ellipsis
        # ("...", "…") only has to begin one.
        actual = [line.rstrip() for line in output.splitlines()]
        for line in shown:
            cut = min((line.index(mark) for mark in _ELLIPSIS if mark in line), default=None)
            wanted = line.rstrip() if cut is None else line[:cut].rstrip()
            if wanted.strip() and not any(
                got == wanted if cut is None else got.startswith(wanted) for got in actual
            ):
                raise AssertionError(
                    f"{block.where}: `{command}` no longer prints {line!r}; it printed:\n{output}"
                )


@pytest.mark.parametrize("page", _example_pages(), ids=lambda page: page.name)
def test_examples_run(page, example_dir):
    """Each page's examples, in order, in one folder: python blocks share one namespace."""
    blocks = [block for block in fenced_blocks(page) if _runnable(block)]
    # A page describes its files in the order that explains them best, not the order they are
    # made in: all are written first.
    for block in blocks:
        if block.marker == "file":
            target = example_dir / block.value
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.code, encoding="utf-8")
    namespace: dict[str, object] = {"__name__": "__doc_example__"}
    for block in blocks:
        if block.marker == "file":
            continue
        if block.lang == "python":
            # In the line cache, a traceback shows the example's failing line.
            linecache.cache[block.where] = (len(block.code), None, block.code.splitlines(True), "")
            exec(compile(block.code, block.where, "exec"), namespace)
        else:
            _run_console(block, example_dir)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_no_console_example_escapes_the_tests(page):
    """A `$ newsclean` line outside a fenced block would never run: fence it as console."""
    text = page.read_text(encoding="utf-8")
    fenced = {b.line + n for b in fenced_blocks(page) for n in range(b.code.count("\n") + 1)}
    loose = [
        number
        for number, line in enumerate(text.split("\n"), 1)
        if _LOOSE_COMMAND.match(line) and number not in fenced
    ]
    assert not loose, f"{page.name}: `$ newsclean` outside a ```console block on lines {loose}"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_markers_name_a_block(page):
    """A marker comment sits right before a fenced block; one anywhere else is a typo."""
    lines = page.read_text(encoding="utf-8").split("\n")
    for number, line in enumerate(lines, 1):
        if _MARKER.match(line.strip()):
            following = next((later for later in lines[number:] if later.strip()), "")
            assert _FENCE.match(following), f"{page.name}:{number}: marker before no code block"
