"""Progress bars (issue 14): on only when stderr is a terminal and -q is not given; walking,
cleaning, linking and writing each end with their count, total and rate. A real process on a
pseudo-terminal, read to its end: no timing is involved, only what the bars ended on.
"""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SEEDS

from newsclean.cli import main
from newsclean.cli.progress import Bar, RunProgress, wanted


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bars_are_wanted_on_a_terminal_unless_quiet():
    assert wanted(False, FakeTerminal())
    assert not wanted(True, FakeTerminal())
    assert not wanted(False, io.StringIO())  # a pipe or a log file
    closed = io.StringIO()
    closed.close()
    assert not wanted(False, closed)  # isatty() of a closed stream raises


def test_a_bar_that_is_not_enabled_does_nothing():
    bar = Bar(False, "cleaning", "files", 3)
    bar.update()
    bar.to(2)
    bar.total(5)
    bar.close()
    progress = RunProgress(False)
    progress.walking().update()
    progress.stage("link", 3)
    assert progress.stage_name == "link"
    progress.close()


@pytest.mark.parametrize("command", ["run", "check"])
def test_no_bar_when_stderr_is_not_a_terminal(tmp_path, command):
    args = [command, str(SEEDS)] + (["-o", str(tmp_path / "o.jsonl")] if command == "run" else [])
    result = CliRunner().invoke(main, args)
    assert "\r" not in result.stderr and "it/s" not in result.stderr


def on_a_terminal(*args: str, cwd: Path) -> tuple[int, str]:
    """Run newsclean with stderr on a pseudo-terminal (120 columns); its exit code and all
    it wrote there, read until the process closed it.
    """
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    program = [sys.executable, "-c",
               "import sys; from newsclean.cli import run_command; run_command(sys.argv[1:])"]
    with open(os.devnull, "wb") as nowhere:
        process = subprocess.Popen([*program, *args], stdin=subprocess.DEVNULL, stdout=nowhere,
                                   stderr=terminal, cwd=cwd)
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: every writer has closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    return process.wait(timeout=600), b"".join(chunks).decode("utf-8", "replace")


def final_lines(screen: str) -> list[str]:
    """What stays on the screen: each line's text after its last carriage return."""
    return [line.rsplit("\r", 1)[-1] for line in screen.replace("\r\n", "\n").split("\n")]


def shows_a_rate(bar: str, unit: str) -> bool:
    """Whether a bar ends with its rate: ``N unit/s`` or, when one item takes more than a second
    (a loaded machine), tqdm's inverted ``N s/ unit``."""
    return re.search(rf"(\d ?{unit}/s|s/ ?{unit})]$", bar) is not None


def test_a_rate_is_recognised_fast_or_slow():
    assert shows_a_rate("cleaning: 100%|###| 5/5 [00:01<00:00, 4.61files/s]", "files")
    assert shows_a_rate("cleaning: 100%|###| 5/5 [00:07<00:00,  1.43s/ files]", "files")
    assert shows_a_rate("cleaning: 7 documents [00:07,  1.11s/ documents]", "documents")
    assert not shows_a_rate("cleaning: 100%|###| 5/5 [00:07<00:00]", "files")


def test_run_shows_walking_cleaning_linking_and_writing_to_the_end(tmp_path):
    code, screen = on_a_terminal("run", "fixtures/seeds", "-o", str(tmp_path / "o.jsonl"),
                                 cwd=ROOT)
    assert code == 0, screen
    lines = final_lines(screen)
    walking = next(line for line in lines if line.startswith("walking:"))
    assert walking.startswith("walking: 5 files [") and shows_a_rate(walking, "files")
    cleaning = next(line for line in lines if line.startswith("cleaning:"))
    assert cleaning.startswith("cleaning: 100%") and "| 5/5 [" in cleaning
    assert shows_a_rate(cleaning, "files")
    linking = next(line for line in lines if line.startswith("linking:"))
    assert "| 10/10 [" in linking
    writing = next(line for line in lines if line.startswith("writing:"))
    assert writing.startswith("writing: 100%") and "| 5/5 [" in writing
    # the bars come first, then the summary
    assert lines.index(writing) < next(i for i, line in enumerate(lines)
                                       if line.startswith("documents in: 5"))


def test_a_jsonl_input_is_counted_in_documents_without_a_total(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(f'{{"text": "Story number {k} about the budget."}}\n'
                              for k in range(7)), encoding="utf-8")
    code, screen = on_a_terminal("run", str(corpus), "-o", str(tmp_path / "o.jsonl"),
                                 cwd=tmp_path)
    assert code == 0, screen
    cleaning = next(line for line in final_lines(screen) if line.startswith("cleaning:"))
    assert cleaning.startswith("cleaning: 7 documents [") and shows_a_rate(cleaning, "documents")


def test_quiet_draws_nothing_on_a_terminal(tmp_path):
    code, screen = on_a_terminal("run", "-q", "fixtures/seeds", "-o", str(tmp_path / "o.jsonl"),
                                 cwd=ROOT)
    assert (code, screen) == (0, "")


def test_check_shows_its_files_to_the_end(tmp_path):
    code, screen = on_a_terminal("check", "fixtures/seeds", cwd=ROOT)
    assert code == 1
    checking = next(line for line in final_lines(screen) if line.startswith("checking:"))
    assert checking.startswith("checking: 100%") and "| 5/5 [" in checking
