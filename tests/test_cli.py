"""The command line: run, explain, steps, exit codes, stdin/stdout, --jobs, bad inputs, Ctrl-C."""

import itertools
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing

import click
import pytest
from click.testing import CliRunner
from conftest import ROOT, SEEDS

from newsclean import DEFAULT_STEPS, Record
from newsclean.cli import main
from newsclean.dedup import DEFAULT_SCHEME, SQLiteStore, open_index, text_signatures

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
ARTICLE = (
    "The minister said on Tuesday that the government would present a revised budget to "
    "parliament next month, after weeks of pressure from coalition partners.\n\n"
    "Officials expect the new plan to reduce the deficit by a third within two years, "
    "economists at the central bank said on Wednesday.\n\n"
    "Support independent journalism: donate today. Every contribution helps us keep our "
    "reporting free for readers like you.\n"
)


@pytest.fixture
def in_repo(monkeypatch):
    monkeypatch.chdir(ROOT)
    return ROOT


@pytest.fixture
def runner():
    return CliRunner()


def records_of(text):
    return [Record.from_json(line) for line in text.splitlines() if line.strip()]


def test_run_seeds_to_file(runner, in_repo, tmp_path):
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["run", "fixtures/seeds", "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = records_of(out.read_text(encoding="utf-8"))
    assert len(records) == 10
    sources = [r.source for r in records]
    assert sources == sorted(sources)
    # relative to the folder given, whatever folder the run is in (issue 14)
    assert {s.split("_")[0] for s in sources} == {"000", "001", "002", "003", "004"}
    assert len({r.id for r in records}) == 10
    created = {r.source[:3]: r.created for r in records}
    assert created["002"] == "2025-09-03" and created["003"] == "2025-09-01"
    assert sum(1 for r in records if r.source.endswith("004_16fa48a68c6ad7f2.txt")) == 6
    assert "documents in: 5" in result.stderr and "records out: 10" in result.stderr
    assert result.stdout == ""


def test_run_to_stdout_is_jsonl_and_summary_on_stderr_only(runner, in_repo):
    result = runner.invoke(main, ["run", "fixtures/seeds", "-o", "-"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 10
    for line in lines:
        assert isinstance(json.loads(line), dict)
    assert "records out" not in result.stdout
    assert "records out: 10" in result.stderr


def test_quiet_prints_no_summary(runner, in_repo):
    result = runner.invoke(main, ["run", "-q", "fixtures/seeds"])
    assert result.exit_code == 0
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 10


def test_stdin_input(runner):
    result = runner.invoke(main, ["run", "-", "-o", "-"], input=ARTICLE)
    assert result.exit_code == 0, result.stderr
    (record,) = records_of(result.stdout)
    assert record.source == "-"
    assert "donate" not in record.text
    assert record.text.startswith("The minister said")


def test_stdin_jsonl_input(runner):
    lines = [json.dumps({"text": ARTICLE, "id": "a"}), json.dumps({"text": "Short one."})]
    result = runner.invoke(main, ["run", "-"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.stderr
    assert len(records_of(result.stdout)) == 2


def test_jobs_two_output_identical_to_jobs_one(runner, in_repo, tmp_path):
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.jsonl"
        result = runner.invoke(main, ["run", "fixtures/seeds", "--jobs", jobs, "-o", str(out),
                                      "--added", "2025-01-01"])
        assert result.exit_code == 0, result.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0].count(b"\n") == 10


def test_bad_files_reported_others_processed_exit_3(runner, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEEDS / "000_f7b2b1a91d296620.txt", folder / "a.txt")
    (folder / "image.txt").write_bytes(PNG)
    (folder / "records.jsonl").write_text(
        json.dumps({"text": ARTICLE}) + "\n{not json\n" + json.dumps({"text": ARTICLE + "x"})
        + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["run", str(folder), "-o", str(out)])
    assert result.exit_code == 3
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert any("image.txt" in e for e in errors)
    assert any("records.jsonl:2" in e for e in errors)
    records = records_of(out.read_text(encoding="utf-8"))
    assert len(records) == 3  # a.txt + the two good JSONL lines
    assert "failed: 2" in result.stderr


def test_files_that_clean_to_nothing_give_no_record_and_the_summary_names_them(
    runner, tmp_path
):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "blank.txt").write_text(" \n\t\n", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    appeal = ARTICLE.split("\n\n")[-1]
    (folder / "only-appeal.txt").write_text(appeal, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["run", str(folder), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert [r.source for r in records_of(out.read_text(encoding="utf-8"))] == ["a.txt"]
    assert "empty: 3" in result.stderr
    assert (
        "3 document(s) gave no record (2 empty or whitespace only; 1 all removed by banners): "
        f"{folder}/blank.txt, {folder}/empty.txt, {folder}/only-appeal.txt"
    ) in result.stderr


def test_a_corpus_step_that_empties_documents_names_them_and_warns_for_the_site(
    runner, tmp_path
):
    # Templated pages of one site: each is two of six stock paragraphs, so no two are
    # near-duplicates, yet every paragraph recurs on five pages and corpus boilerplate
    # removes them whole. Each is counted and named, and the site gets a warning.
    site = tmp_path / "site"
    site.mkdir()
    stock = [" ".join(f"{word}{k}" for k in range(12)).capitalize() + "."
             for word in ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot")]
    pairs = list(itertools.combinations(stock, 2))
    for i, pair in enumerate(pairs):
        (site / f"page{i:02d}.txt").write_text("\n\n".join(pair), encoding="utf-8")
    (site / "story.txt").write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["run", str(site), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert len(records_of(out.read_text(encoding="utf-8"))) == 1
    assert "empty: 15" in result.stderr
    assert "15 document(s) gave no record (15 all removed by corpus_boilerplate)" in result.stderr
    assert (f"warning: corpus_boilerplate removed all of 15 of the 16 documents of site "
            f"'{site}'") in result.stderr
    assert "--disable corpus_boilerplate" in result.stderr


def test_the_summary_names_ten_empty_documents_and_counts_the_rest(runner, tmp_path):
    for i in range(13):
        (tmp_path / f"{i:02d}.txt").write_bytes(b"")
    result = runner.invoke(main, ["run", str(tmp_path), "-o", str(tmp_path / "out.jsonl")])
    assert f"{tmp_path}/09.txt and 3 more" in result.stderr
    assert f"{tmp_path}/10.txt" not in result.stderr


def test_max_bytes_limits_each_record_of_a_jsonl_file_not_the_file(runner, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    rows = [{"id": f"a{i}", "text": f"Story {i}. {ARTICLE}"} for i in range(20)]
    rows[7]["text"] += "x" * 5000
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["run", str(corpus), "-o", str(out), "--max-bytes", "2000"])
    assert result.exit_code == 3
    assert f"error: {corpus}:8: record too large" in result.stderr
    assert [r.id for r in records_of(out.read_text(encoding="utf-8"))] == [
        f"a{i}" for i in range(20) if i != 7
    ]


def test_an_output_that_cannot_be_written_fails_at_once_exit_2(runner, tmp_path):
    (tmp_path / "bad.txt").write_bytes(PNG)  # would be reported, were any input read
    out = tmp_path / "missing" / "out.jsonl"
    result = runner.invoke(main, ["run", str(tmp_path / "bad.txt"), "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: cannot write {out} (No such file or directory); no output written\n"
    )


def scrapes_and_index(tmp_path):
    """A folder with one scrape, and an index file of 300 articles beside it."""
    scrapes = tmp_path / "scrapes"
    scrapes.mkdir()
    (scrapes / "story.txt").write_text(ARTICLE, encoding="utf-8")
    index = open_index(tmp_path / "index.db")
    words = ARTICLE.split()
    for i in range(300):
        text = " ".join(words[i % 20 :] + [f"variant{i}"])
        index.add(f"doc{i}", text_signatures([text], DEFAULT_SCHEME)[0], path=f"f{i}.txt")
    index.commit()
    index.close()
    return scrapes, tmp_path / "index.db"


def index_command(command, tmp_path, scrapes, index):
    output = ["-o", str(tmp_path / "out.jsonl")] if command == "run" else []
    # catch_exceptions=False: an exception that escaped the command would fail the test.
    return CliRunner().invoke(main, [command, "--index", str(index), *output, str(scrapes)],
                              catch_exceptions=False)


@pytest.mark.parametrize("command", ["run", "check"])
def test_a_damaged_index_is_one_line_and_exit_2(tmp_path, command):
    scrapes, index = scrapes_and_index(tmp_path)
    data = bytearray(index.read_bytes())  # garbage over pages past the schema
    data[len(data) // 2 : len(data) // 2 + 16384] = b"\xde\xad\xbe\xef" * 4096
    index.write_bytes(bytes(data))
    result = index_command(command, tmp_path, scrapes, index)
    assert result.exit_code == 2  # check used to exit 1 with a traceback: "would change"
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        f"error: step 'near_duplicates': {index} is damaged (database disk image is malformed)"
    )
    assert "delete it and run again" in line and result.stdout == ""
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("command", ["run", "check"])
def test_a_database_that_is_not_an_index_is_refused_untouched_exit_2(tmp_path, command):
    scrapes, _ = scrapes_and_index(tmp_path)
    other = tmp_path / "app.db"
    with closing(sqlite3.connect(other, isolation_level=None)) as db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    before = other.read_bytes()
    result = index_command(command, tmp_path, scrapes, other)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: step 'near_duplicates': {other} is not a newsclean index")
    assert other.read_bytes() == before
    assert not (tmp_path / "app.db-wal").exists()


def test_a_locked_index_is_reported_as_a_lock_exit_2(tmp_path, monkeypatch):
    scrapes, index = scrapes_and_index(tmp_path)
    # The command waits 30 s for a lock; the test does not.
    monkeypatch.setattr(SQLiteStore, "busy_timeout", 0.01)
    with closing(sqlite3.connect(index, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        result = index_command("check", tmp_path, scrapes, index)
        other.execute("ROLLBACK")
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: step 'near_duplicates': {index} is locked by another process")
    assert "not a newsclean index" not in line


def test_a_file_name_that_is_not_utf8_is_read_and_named_with_escapes(runner, tmp_path):
    folder = os.fsencode(tmp_path)
    try:
        with open(folder + b"/caf\xe9.txt", "wb") as scrape:
            scrape.write(ARTICLE.encode())
        with open(folder + b"/\xff.txt", "wb") as image:
            image.write(PNG)
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["run", str(tmp_path), "-o", str(out)])
    assert result.exit_code == 3
    assert f"error: {tmp_path}/\\xff.txt: binary file (a PNG image)" in result.stderr
    [record] = records_of(out.read_text(encoding="utf-8"))
    assert record.source == "caf\\xe9.txt"


def test_missing_input_is_reported(runner, tmp_path):
    result = runner.invoke(main, ["run", str(tmp_path / "nope.txt"), "-o", "-"])
    assert result.exit_code == 3
    assert "nope.txt" in result.stderr


@pytest.mark.parametrize("output", ["x.jsonl", "shards/"])
def test_a_run_that_reads_no_input_writes_no_output_exit_3(runner, tmp_path, output):
    """`run missing -o x.jsonl` used to leave an empty x.jsonl, exit 1 (issue 14)."""
    (tmp_path / "image.txt").write_bytes(PNG)
    out = f"{tmp_path}/{output}"  # a Path would drop the slash that asks for shards
    result = runner.invoke(main, ["run", str(tmp_path / "missing.txt"), str(tmp_path / "image.txt"),
                                  "-o", out])
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1] == "error: no input could be read; no output written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["image.txt"]


def test_a_run_whose_inputs_clean_to_nothing_writes_an_empty_output_exit_0(runner, tmp_path):
    (tmp_path / "blank.txt").write_text("\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["run", str(tmp_path / "blank.txt"), "-o", str(out)])
    assert result.exit_code == 0
    assert out.read_bytes() == b""


def test_disable_banners_changes_output(runner, in_repo):
    plain = runner.invoke(main, ["run", "fixtures/seeds/001_d457670f2d5ee3dd.txt"])
    disabled = runner.invoke(main, ["run", "--disable", "banners",
                                    "fixtures/seeds/001_d457670f2d5ee3dd.txt"])
    assert plain.exit_code == disabled.exit_code == 0
    (a,) = records_of(plain.stdout)
    (b,) = records_of(disabled.stdout)
    assert "Dear readers," not in a.text
    assert "Dear readers," in b.text
    assert not any(r.step == "banners" for r in b.removed)


def test_unknown_disable_is_usage_error(runner, in_repo, tmp_path):
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["run", "--disable", "nope", "fixtures/seeds", "-o", str(out)])
    assert result.exit_code == 2
    assert "nope" in result.stderr
    assert not out.exists()


def test_config_file_option_and_bad_config(runner, tmp_path):
    good = tmp_path / "newsclean.toml"
    good.write_text('disable = ["banners"]\n', encoding="utf-8")
    result = runner.invoke(main, ["run", "--config", str(good), "-"], input=ARTICLE)
    assert result.exit_code == 0
    (record,) = records_of(result.stdout)
    assert "donate today" in record.text
    bad = tmp_path / "bad.toml"
    bad.write_text("steps = [\n", encoding="utf-8")
    result = runner.invoke(main, ["run", "--config", str(bad), "-"], input=ARTICLE)
    assert result.exit_code == 2
    assert "bad.toml" in result.stderr


def test_explain_shows_removed_spans_with_step_and_reason(runner, in_repo):
    result = runner.invoke(main, ["explain", "fixtures/seeds/001_d457670f2d5ee3dd.txt"])
    assert result.exit_code == 0
    out = result.stdout
    assert "- [banners: " in out
    assert "- [credits: credit line; kept in metadata.credits] AFP contributed reporting." in out
    assert "Remind me later." in out
    # Metadata as JSON, one field a line (it was a Python dict: {'credits': [...]}).
    assert '  metadata.credits: ["AFP contributed reporting."]' in out.splitlines()
    assert "\x1b[" not in out  # no colour when not a terminal
    coloured = runner.invoke(main, ["explain", "--color",
                                    "fixtures/seeds/001_d457670f2d5ee3dd.txt"])
    assert "\x1b[" in coloured.stdout


def test_explain_bad_file_exit_3(runner, tmp_path):
    bad = tmp_path / "image.txt"
    bad.write_bytes(PNG)
    result = runner.invoke(main, ["explain", str(bad)])
    assert result.exit_code == 3
    assert "image.txt" in result.stderr


def test_steps_lists_every_step_with_a_description(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["steps"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(DEFAULT_STEPS)
    assert all(len(line.split()) > 2 for line in lines)


COMMANDS = ["run", "check", "fix", "explain", "steps", "report"]


def test_help_lists_every_command_with_its_summary(runner):
    from newsclean.cli import _COMMANDS

    result = runner.invoke(main, ["--help"])
    listed = result.output.split("Commands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [line.split()[0] for line in listed] == sorted(_COMMANDS)
    for line in listed:
        name, summary = line.split(maxsplit=1)
        assert summary == _COMMANDS[name].summary
        assert isinstance(main.get_command(None, name), click.Command)


@pytest.mark.parametrize("command", [*COMMANDS, None])
def test_every_help_shows_the_one_exit_code_table_whole(runner, command):
    """The table was cut mid-sentence ("the rest were"), and check/fix had another (issue 14);
    ``newsclean --help`` itself shows it too."""
    from newsclean.cli.exit_codes import EXIT_CODES_HELP

    result = runner.invoke(main, [*([command] if command else []), "--help"])
    assert result.exit_code == 0
    table = result.stdout[result.stdout.index("Exit codes"):]
    expected = [line.strip() for line in EXIT_CODES_HELP.removeprefix("\b\n").splitlines()]
    assert [line.strip() for line in table.splitlines()] == expected
    for code in ("0", "1", "2", "3", "130"):
        assert any(line.startswith(code + " ") for line in expected)
    # every sentence ends: a line that does not end one goes on on the next
    assert expected[-1].endswith("no worker left")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_shows_a_metavar_and_its_default(runner, command):
    result = runner.invoke(main, [command, "--help"])
    options = result.stdout[result.stdout.index("Options:"):result.stdout.index("Exit codes")]
    assert "TEXT" not in options and "INTEGER" not in options and "FLOAT" not in options
    for line in options.splitlines():
        option = line.strip()
        if option.startswith("-") and not option.startswith("-h"):
            name = option.split()[0].rstrip(",")
            if name in ("--diff", "--keep-removed", "--fail-on-change", "--drop-duplicates",
                        "-q", "-v", "--disable", "--exclude", "--from-records"):
                continue  # flags (off unless given) and repeatable lists (empty)
            chunk = " ".join(options[options.index(line):].split("\n  -", 1)[0].split())
            assert "[default: " in chunk or "[required]" in chunk, f"{command} {name}"


def test_explain_says_it_takes_any_input_not_a_file(runner):
    result = runner.invoke(main, ["explain", "--help"])
    assert "explain [OPTIONS] INPUT\n" in result.stdout.splitlines(keepends=True)[0]
    assert "a folder" in result.stdout


def newsclean_command():
    exe = shutil.which("newsclean")
    if exe:
        return [exe]
    return [sys.executable, "-c", "import sys; from newsclean.cli import main; sys.exit(main())"]


@pytest.mark.parametrize("output", ["clean.jsonl", "shards/"])
def test_a_run_does_not_read_its_own_earlier_output_in_the_folder_it_cleans(runner, tmp_path,
                                                                          output):
    """`run scrapes/ -o scrapes/clean.jsonl` read the first run's output as an input of the
    second: every run added the records again (10, 20, 40 ...)."""
    folder = tmp_path / "scrapes"
    shutil.copytree(ROOT / "fixtures" / "seeds", folder)
    written = folder / output
    args = ["run", str(folder), "-o", f"{folder}/{output}", "--added", "2025-01-01", "-q"]
    first = runner.invoke(main, args)
    assert (first.exit_code, first.stderr) == (0, "")
    shown = written / "part-00000.jsonl" if output.endswith("/") else written
    before = shown.read_bytes()
    again = runner.invoke(main, args)
    assert again.exit_code == 0
    assert again.stderr == f"note: {shown}: the output of this run (-o); not read\n"
    assert shown.read_bytes() == before
    assert len(records_of(before.decode("utf-8"))) == 10


def test_an_output_named_through_a_link_is_not_read_back_either(runner, tmp_path):
    folder = tmp_path / "scrapes"
    shutil.copytree(ROOT / "fixtures" / "seeds", folder)
    (folder / "clean.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "out.jsonl").symlink_to(folder / "clean.jsonl")
    args = ["run", str(folder), "-o", str(tmp_path / "out.jsonl"), "-q"]
    assert runner.invoke(main, args).exit_code == 0
    again = runner.invoke(main, args)
    shown = folder / "clean.jsonl"
    assert again.stderr == f"note: {shown}: the output of this run (-o); not read\n"
    assert len(records_of((folder / "clean.jsonl").read_text(encoding="utf-8"))) == 10


def test_real_subprocess_run(tmp_path):
    out = tmp_path / "out.jsonl"
    proc = subprocess.run([*newsclean_command(), "run", "fixtures/seeds", "-o", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert len(records_of(out.read_text(encoding="utf-8"))) == 10
    assert proc.stdout == ""
    assert "records out: 10" in proc.stderr


def test_a_reader_that_closes_the_pipe_early_gets_one_line_and_exit_2(tmp_path):
    """`run ... | head -c 1`: the closed pipe used to be a bare BrokenPipeError, exit 1."""
    proc = subprocess.Popen([*newsclean_command(), "run", "fixtures/seeds", "-q"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # before any record is written, or with the pipe full: either fails
    stderr = proc.stderr.read()
    assert proc.wait(timeout=120) == 2
    assert stderr == "error: cannot write - (Broken pipe); no output written\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")
@pytest.mark.parametrize(("args", "then"), [
    (["run", "-q", "fixtures/seeds"], "no output written"),
    (["run", "-q", "fixtures/seeds", "-o", "OUT", "--stats", "-"],
     "the output OUT is written; no statistics written to -"),
    (["explain", "fixtures/seeds/000_f7b2b1a91d296620.txt"], "the rest not shown"),
    (["steps"], "the rest not shown"),
])
def test_stdout_on_a_full_disk_is_one_line_and_exit_2(tmp_path, args, then):
    """Each ended in a traceback and exit 1 (which these commands never use)."""
    out = str(tmp_path / "out.jsonl")
    with open("/dev/full", "w") as full:
        done = subprocess.run([*newsclean_command(), *(out if a == "OUT" else a for a in args)],
                              cwd=ROOT, stdout=full, stderr=subprocess.PIPE, text=True,
                              timeout=300)
    assert done.returncode == 2
    assert done.stderr == (f"error: cannot write - (No space left on device); "
                           f"{then.replace('OUT', out)}\n")


def test_stats_file_has_the_counts_and_per_step_removals_and_seconds(runner, in_repo, tmp_path):
    stats_file = tmp_path / "stats.json"
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["run", "fixtures/seeds", "-o", str(out), "--stats",
                                  str(stats_file)])
    assert result.exit_code == 0, result.stderr
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    assert {k: stats[k] for k in ("documents", "records", "empty", "failed", "duplicates")} == {
        "documents": 5, "records": 10, "empty": 0, "failed": 0, "duplicates": 0}
    assert list(stats["steps"]) == list(DEFAULT_STEPS)  # pipeline order
    removed = {name: step["removed"] for name, step in stats["steps"].items() if step["removed"]}
    summary = result.stderr.splitlines()[1].removeprefix("removed paragraphs by step: ")
    assert removed == {name: int(n) for name, n in (p.split() for p in summary.split(", "))}
    for name, step in stats["steps"].items():
        keys = ({"removed", "link_seconds", "apply_seconds"}
                if name in ("near_duplicates", "corpus_boilerplate") else {"removed", "seconds"})
        assert set(step) == keys
        assert all(step[k] >= 0 for k in keys - {"removed"})
    assert stats["wall_seconds"] > 0


def test_a_stats_file_that_cannot_be_written_fails_before_cleaning_exit_2(runner, in_repo,
                                                                          tmp_path):
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["run", "fixtures/seeds", "-o", str(out), "--stats",
                                  str(tmp_path / "missing" / "stats.json")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: cannot write {tmp_path / 'missing' / 'stats.json'}")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_failed_run_writes_no_stats_file(runner, tmp_path):
    stats_file = tmp_path / "stats.json"
    result = runner.invoke(main, ["run", str(tmp_path / "missing.txt"), "-o",
                                  str(tmp_path / "out.jsonl"), "--stats", str(stats_file)])
    assert result.exit_code == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_stats_and_records_both_on_stdout_is_a_usage_error(runner, in_repo):
    result = runner.invoke(main, ["run", "fixtures/seeds", "--stats", "-"])
    assert result.exit_code == 2 and "--stats -" in result.stderr


def test_run_skips_excluded_paths(runner, in_repo, tmp_path):
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["run", "fixtures/seeds", "-o", str(out),
                                  "--exclude", "00[0-2]_*.txt"])
    assert result.exit_code == 0, result.stderr
    assert "documents in: 2 " in result.stderr
    assert {r.source[:3] for r in records_of(out.read_text("utf-8"))} == {"003", "004"}
