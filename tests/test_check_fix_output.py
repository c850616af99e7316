"""check and fix as a linter and a formatter (issue 14): FILE:LINE:COL findings, a closing
summary, one line per fixed file, the new files to add, --jobs, --exclude, stdin, the file's
own paragraph layout, and no URL, credit or date dropped without a word.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BUDGET_STORY, SEEDS
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.cli import main

FINDING = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+): (?P<step>\w+): "
                     r"(?P<reason>.+)$")
STORY = "\n\n".join(BUDGET_STORY) + "\n"
ONE_PER_LINE = "\n".join(BUDGET_STORY) + "\n"


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def scrapes(tmp_path: Path) -> Path:
    folder = tmp_path / "scrapes"
    shutil.copytree(SEEDS, folder)
    return folder


def test_every_finding_has_file_line_and_column(scrapes):
    """Findings without a line (`whitespace: 1 paragraph(s) rewritten`, `split: 3 articles`)
    and repeats pointing at character offsets were issue 14's first complaint."""
    result = invoke("check", str(scrapes))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines and all(FINDING.match(line) for line in lines), lines
    split = [line for line in lines if ": split: " in line]
    assert len(split) == 6
    assert split[1].endswith("article 2 of 6 starts here; fix writes "
                             "004_16fa48a68c6ad7f2.part2.txt")
    repeats = [line for line in lines if ": repeats: " in line]
    assert repeats and all(re.search(r"repeat of the paragraph at line \d+:\d+ ", line)
                           for line in repeats)


def test_a_rewritten_paragraph_is_pointed_at_where_it_changes(tmp_path):
    scrape = tmp_path / "a.txt"
    scrape.write_text(f"{BUDGET_STORY[0]}\n\nOfficials  expect the new plan to work, they said "
                      "on Wednesday.\n\nThe cafÃ© owners were pleased with the outcome of the "
                      "long talks in the city.\n", encoding="utf-8")
    lines = invoke("check", str(scrape)).stdout.splitlines()
    assert lines == [f"{scrape}:3:11: whitespace: paragraph rewritten",
                     f"{scrape}:5:8: unicode: paragraph rewritten"]


@pytest.mark.parametrize(("text", "where", "reason"), [
    (STORY.replace("\n\n", "\n\n\n\n", 1), "3:1", "spacing normalised: one blank line "
     "between paragraphs"),
    (STORY.rstrip("\n"), "7:" + str(len(BUDGET_STORY[3]) + 1), "no newline at the end of the file"),
    (STORY.replace("\n", "\r\n"), "1:" + str(len(BUDGET_STORY[0]) + 1),
     "line ends written as LF (the file has CR or CRLF line ends)"),
])
def test_a_change_of_layout_alone_is_a_located_finding(tmp_path, text, where, reason):
    scrape = tmp_path / "a.txt"
    scrape.write_bytes(text.encode())
    assert invoke("check", str(scrape)).stdout == f"{scrape}:{where}: layout: {reason}\n"


def test_check_ends_with_a_summary_on_stderr(scrapes, tmp_path):
    (scrapes / "clean.txt").write_text(STORY, encoding="utf-8")
    (scrapes / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    result = invoke("check", str(scrapes))
    findings = len(result.stdout.splitlines())
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1] == (
        f"checked 7 files: 5 would change ({findings} findings), 1 clean, 1 error (named above)")
    assert invoke("check", "-q", str(scrapes)).stderr.startswith("error: ")
    assert invoke("check", str(scrapes / "clean.txt")).stderr == (
        "checked 1 file: 0 would change, 1 clean\n")


def test_fix_prints_one_line_per_changed_file_and_v_adds_the_findings(scrapes, tmp_path):
    findings = invoke("check", str(scrapes)).stdout.splitlines()
    copy = tmp_path / "copy"
    shutil.copytree(scrapes, copy)
    quiet = invoke("fix", str(scrapes))
    assert quiet.exit_code == 0
    lines = quiet.stdout.splitlines()
    assert len(lines) == 5
    assert lines[0].startswith(f"{scrapes / '000_f7b2b1a91d296620.txt'}: fixed (")
    assert lines[4].startswith(f"{scrapes / '004_16fa48a68c6ad7f2.txt'}: split into 6 files, "
                               "004_16fa48a68c6ad7f2.part1.txt, ")
    counted = sum(int(re.search(r"\((\d+) findings?\)", line).group(1)) for line in lines)
    assert counted == len(findings)
    assert re.fullmatch(rf"fixed 5 of 5 files \({counted} findings\), 0 already clean",
                        quiet.stderr.splitlines()[0])
    verbose = invoke("fix", "-v", str(copy)).stdout.splitlines()
    assert [line for line in verbose if FINDING.match(line)] == [
        line.replace(str(scrapes), str(copy)) for line in findings]


def test_fix_names_the_new_files_and_git_add_of_them_leaves_nothing_behind(tmp_path):
    """A split leaves NAME.partN.txt files that `git add -u` does not pick up (issue 14)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "data"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    for name in ("000_f7b2b1a91d296620.txt", "004_16fa48a68c6ad7f2.txt"):
        shutil.copy(SEEDS / name, repo / name)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "scrapes"], cwd=repo, check=True)
    result = subprocess.run([*_newsclean(), "fix", "."], cwd=repo, capture_output=True,
                            text=True, check=True)
    note = result.stderr.splitlines()[-1]
    assert note.startswith("7 new files, which 'git add -u' does not pick up: git add -- ")
    command = shlex.split(note.split(": ", 1)[1])
    assert "000_f7b2b1a91d296620.txt.removed.jsonl" in command
    assert "004_16fa48a68c6ad7f2.part6.txt" in command
    subprocess.run([*git, "add", "-u"], cwd=repo, check=True)
    subprocess.run([*git, *command[1:]], cwd=repo, check=True)
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True,
                            text=True, check=True).stdout
    assert status and not [line for line in status.splitlines() if line.startswith("??")]


def _newsclean() -> list[str]:
    import sys

    return [sys.executable, "-c", "import sys; from newsclean.cli import run_command; "
            "run_command(sys.argv[1:])"]


def test_urls_and_credits_of_a_txt_go_to_its_sidecar_on_every_fix(tmp_path):
    """fix said 'kept in metadata' of a .txt, which has none: they were gone (issue 14)."""
    scrape = tmp_path / "a.txt"
    text = (f"date 2025-09-01 {BUDGET_STORY[0]}\n\nhttps://example.com/news/budget\n\n"
            f"{BUDGET_STORY[1]}\n\nAFP contributed reporting.\n\n{BUDGET_STORY[2]}\n")
    scrape.write_text(text, encoding="utf-8")
    sidecar = tmp_path / "a.txt.removed.jsonl"
    check = invoke("check", str(scrape)).stdout.splitlines()
    assert check == [
        f"{scrape}:1:1: date_prefix: date prefix; kept as the line 'date 2025-09-01'",
        f"{scrape}:3:1: links: bare URL line; kept in a.txt.removed.jsonl",
        f"{scrape}:7:1: credits: credit line; kept in a.txt.removed.jsonl",
    ]
    result = invoke("fix", str(scrape))  # no --keep-removed
    assert result.stdout == (f"{scrape}: fixed (3 findings); metadata.credits, metadata.links "
                             "kept in a.txt.removed.jsonl\n")
    rows = [json.loads(line) for line in sidecar.read_text(encoding="utf-8").splitlines()]
    assert [(row["step"], row["text"], row["metadata"]) for row in rows] == [
        ("links", "https://example.com/news/budget",
         {"links": ["https://example.com/news/budget"]}),
        ("credits", "AFP contributed reporting.", {"credits": ["AFP contributed reporting."]}),
    ]
    fixed = scrape.read_text(encoding="utf-8")
    assert fixed.startswith("date 2025-09-01\n\n")  # the date, in a form that checks clean
    assert invoke("check", str(tmp_path)).exit_code == 0
    once = tree(tmp_path)
    invoke("fix", str(tmp_path))
    assert tree(tmp_path) == once


def test_a_jsonl_file_keeps_urls_in_its_records_and_gets_no_sidecar(tmp_path):
    corpus = tmp_path / "a.jsonl"
    text = f"{BUDGET_STORY[0]}\n\nhttps://example.com/news/budget\n\n{BUDGET_STORY[1]}\n"
    corpus.write_text(json.dumps({"id": "a", "text": text}) + "\n", encoding="utf-8")
    assert invoke("check", str(corpus)).stdout == (
        f"{corpus}:1:1: links: bare URL line; kept in metadata.links (record a, line 3 of its "
        "text)\n")
    assert invoke("fix", str(corpus)).stdout == f"{corpus}: fixed (1 finding)\n"
    [record] = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    assert record["metadata"]["links"] == ["https://example.com/news/budget"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl"]


def test_a_clean_file_of_one_paragraph_a_line_is_left_as_it_is(tmp_path):
    """The first fix used to rewrite every such file with blank lines (issue 14)."""
    scrape = tmp_path / "a.txt"
    scrape.write_text(ONE_PER_LINE, encoding="utf-8")
    assert invoke("check", str(scrape)).exit_code == 0
    assert invoke("fix", str(scrape)).stdout == ""
    assert scrape.read_text(encoding="utf-8") == ONE_PER_LINE


def test_a_file_of_one_paragraph_a_line_is_fixed_in_that_layout(tmp_path):
    scrape = tmp_path / "a.txt"
    lines = list(BUDGET_STORY)
    lines.insert(2, "Advertisement")
    lines.insert(0, "date 2025-09-01")
    scrape.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert invoke("fix", str(scrape)).exit_code == 0
    assert scrape.read_text(encoding="utf-8") == "date 2025-09-01\n" + ONE_PER_LINE
    assert invoke("check", str(scrape)).exit_code == 0


def test_a_split_of_one_paragraph_a_line_keeps_that_layout_in_its_parts(scrapes):
    invoke("fix", str(scrapes / "004_16fa48a68c6ad7f2.txt"))
    parts = sorted(scrapes.glob("004_*.part*.txt"))
    assert len(parts) == 6
    for part in parts:
        text = part.read_text(encoding="utf-8")
        assert "\n\n" not in text and text.count("\n") > 2


SENTENCES = st.lists(st.sampled_from(
    "the council met on Monday and agreed a new budget for parks schools roads city mayor "
    "said residents would see changes next year after long debate".split()),
    min_size=6, max_size=30).map(lambda words: " ".join(words).capitalize() + ".")
NOISE = ["Advertisement", "Subscribe to our newsletter", "https://example.com/a/b",
         "AFP contributed reporting.", "Share on Facebook"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(SENTENCES, st.sampled_from(NOISE)), min_size=2, max_size=8))
def test_fix_of_one_paragraph_a_line_is_a_fixed_point(tmp_path_factory, lines):
    """Whatever fix writes in that layout checks clean and fixes to the same bytes."""
    folder = tmp_path_factory.mktemp("one")
    (folder / "a.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke("fix", "-q", str(folder))
    assert result.exit_code in (0, 3), result.output
    once = tree(folder)
    assert invoke("check", "-q", str(folder)).exit_code in (0, 3)
    assert invoke("check", "-q", str(folder)).stdout == ""
    invoke("fix", "-q", str(folder))
    assert tree(folder) == once


@pytest.mark.parametrize("command", ["check", "fix"])
def test_jobs_give_the_same_output_and_files(tmp_path, monkeypatch, command):
    outputs = []
    for jobs in ("1", "2"):
        folder = tmp_path / f"jobs{jobs}" / "scrapes"
        shutil.copytree(SEEDS, folder)
        monkeypatch.chdir(folder.parent)  # the same names, so the same ids in sidecars
        result = invoke(command, "-j", jobs, "-v", "scrapes") if command == "fix" else \
            invoke(command, "-j", jobs, "scrapes")
        outputs.append((result.exit_code, result.stdout, result.stderr, tree(folder)))
    assert outputs[0] == outputs[1]
    assert outputs[0][1]


def test_exclude_globs_skip_files_named_and_found(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("keep/a.txt", "archive/b.txt", "keep/c.draft.txt", "keep/archive/d.txt"):
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text("Advertisement\n\n" + STORY, encoding="utf-8")
    result = invoke("check", "--exclude", "archive/", "--exclude", "*.draft.txt", ".",
                    "keep/c.draft.txt")
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["keep/a.txt"]
    assert result.stderr == "checked 1 file: 1 would change (1 finding), 0 clean\n"
    # the config's globs are relative to its folder: /archive/ is only the top one
    (tmp_path / "newsclean.toml").write_text('exclude = ["/archive/"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path / "keep")
    result = invoke("fix", "..")
    assert sorted(line.split(":")[0] for line in result.stdout.splitlines()) == [
        "../keep/a.txt", "../keep/archive/d.txt", "../keep/c.draft.txt"]
    assert (tmp_path / "archive" / "b.txt").read_text(encoding="utf-8").startswith("Advert")


def test_config_exclude_must_be_a_list_of_globs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("newsclean.toml").write_text('exclude = "archive/"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "."])
    assert result.exit_code == 2
    assert "exclude must be a list of glob strings" in result.stderr


def test_check_reads_standard_input_as_dash(tmp_path):
    dirty = invoke("check", "-", input="Advertisement\n\n" + STORY)
    assert (dirty.exit_code, dirty.stdout) == (1, "-:1:1: banners: advertisement label\n")
    clean = invoke("check", "-", input=STORY)
    assert (clean.exit_code, clean.stdout) == (0, "")
    records = "".join(json.dumps({"id": f"r{k}", "text": text}) + "\n"
                      for k, text in enumerate([STORY, "Advertisement\n\n" + STORY]))
    jsonl = invoke("check", "-", input=records)
    assert jsonl.exit_code == 1
    assert jsonl.stdout == "-:2:1: banners: advertisement label (record r1, line 1 of its text)\n"


def test_standard_input_is_checked_against_the_index_and_never_added(tmp_path, monkeypatch):
    import sqlite3

    monkeypatch.chdir(tmp_path)
    Path("a.txt").write_text(STORY, encoding="utf-8")
    assert invoke("check", "--index", "idx.db", "a.txt").exit_code == 0

    def rows() -> int:
        with sqlite3.connect("idx.db") as db:
            return db.execute("SELECT COUNT(*) FROM signatures").fetchone()[0]

    before = rows()
    copy = invoke("check", "--index", "idx.db", "-", input=STORY)
    assert copy.exit_code == 1
    assert copy.stdout.startswith("-:1:1: near_duplicates: near-duplicate of ")
    other = "\n\n".join(reversed(BUDGET_STORY)).replace("minister", "mayor") + "\n"
    assert invoke("check", "--index", "idx.db", "-", input=other + "x").exit_code in (0, 1)
    assert rows() == before
