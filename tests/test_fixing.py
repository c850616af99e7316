"""check / fix: findings, idempotent atomic rewrites, splitting, the index, the pre-commit hook."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsclean import clean
from newsclean.cli import main
from newsclean.record import render_text

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def scrapes(tmp_path: Path) -> Path:
    folder = tmp_path / "scrapes"
    shutil.copytree(SEEDS, folder)
    return folder


def test_check_reports_file_line_step_reason_and_exits_1(scrapes):
    result = invoke("check", str(scrapes))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{scrapes / '000_f7b2b1a91d296620.txt'}:17: links: bare URL line; kept in " \
           "metadata.links" in lines
    assert any(":27: related: teaser line" in line for line in lines)
    assert any("001_d457670f2d5ee3dd.txt:12: credits:" in line for line in lines)


def test_fix_then_check_is_clean_and_second_fix_changes_no_byte(scrapes):
    assert invoke("fix", str(scrapes)).exit_code == 0
    after_first = snapshot(scrapes)
    assert invoke("check", str(scrapes)).exit_code == 0
    assert invoke("fix", str(scrapes)).exit_code == 0
    assert snapshot(scrapes) == after_first


def test_multi_article_scrape_becomes_one_file_per_article(scrapes):
    invoke("fix", str(scrapes))
    parts = sorted(p.name for p in scrapes.glob("004_*"))
    assert parts == [f"004_16fa48a68c6ad7f2.part{k}.txt" for k in range(1, 7)]
    first = (scrapes / parts[0]).read_text(encoding="utf-8")
    assert first.startswith("Russia has ruled out a Western military presence")


def test_fixed_text_keeps_date_and_standfirst_as_a_fixed_point(scrapes):
    invoke("fix", str(scrapes))
    text = (scrapes / "003_a0942955b23086af.txt").read_text(encoding="utf-8")
    assert text.startswith("date 2025-09-01\n\n")
    assert "Your support helps us" not in text
    (record,) = clean(text)
    assert render_text(record) == text


def test_fix_fail_on_change_exits_1_then_0(scrapes):
    assert invoke("fix", "--fail-on-change", str(scrapes)).exit_code == 1
    assert invoke("fix", "--fail-on-change", str(scrapes)).exit_code == 0


def test_keep_removed_writes_a_sidecar(scrapes):
    invoke("fix", "--keep-removed", str(scrapes / "001_d457670f2d5ee3dd.txt"))
    sidecar = scrapes / "001_d457670f2d5ee3dd.removed.jsonl"
    rows = [json.loads(line) for line in sidecar.read_text(encoding="utf-8").splitlines()]
    assert {"credits", "banners"} <= {row["step"] for row in rows}
    assert any(row["text"].strip() == "Remind me later." for row in rows)
    # The sidecar is not itself a scrape to check.
    assert invoke("check", str(scrapes / "001_d457670f2d5ee3dd.txt")).exit_code == 0


def test_jsonl_fix_is_idempotent(tmp_path):
    raw = tmp_path / "raw.jsonl"
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir())[:4]]
    raw.write_text("".join(json.dumps({"id": f"r{i}", "text": t}) + "\n"
                           for i, t in enumerate(texts)), encoding="utf-8")
    result = invoke("check", str(raw))
    assert result.exit_code == 1
    assert f"{raw}: banners: appeal greeting (record r1, line 14 of its text)" in result.output
    invoke("fix", str(raw))
    once = raw.read_bytes()
    assert invoke("check", str(raw)).exit_code == 0
    invoke("fix", str(raw))
    assert raw.read_bytes() == once
    records = [json.loads(line) for line in once.decode().splitlines()]
    assert [r["id"] for r in records] == ["r0", "r1", "r2", "r3"]
    assert all(r["removed"] or i == 0 for i, r in enumerate(records))


def test_compressed_scrapes_are_fixed_in_their_compression(tmp_path):
    import gzip

    from newsclean.io import read_utf8

    gzip_path = tmp_path / "one.txt.gz"
    gzip_path.write_bytes(gzip.compress((SEEDS / "001_d457670f2d5ee3dd.txt").read_bytes()))
    multi = tmp_path / "multi.txt.gz"
    multi.write_bytes(gzip.compress((SEEDS / "004_16fa48a68c6ad7f2.txt").read_bytes()))
    assert invoke("check", str(tmp_path)).exit_code == 1
    assert invoke("fix", str(tmp_path)).exit_code == 0
    assert gzip.decompress(gzip_path.read_bytes()).decode().startswith("President Vladimir")
    parts = sorted(p.name for p in tmp_path.glob("multi.*"))
    assert parts == [f"multi.part{k}.txt.gz" for k in range(1, 7)]
    assert all(read_utf8(tmp_path / p) for p in parts)
    once = snapshot(tmp_path)
    assert invoke("check", str(tmp_path)).exit_code == 0
    assert invoke("fix", str(tmp_path)).exit_code == 0
    assert snapshot(tmp_path) == once


def test_interrupted_write_leaves_the_old_file(scrapes, monkeypatch):
    import newsclean.io.writers as writers

    target = scrapes / "000_f7b2b1a91d296620.txt"
    before = target.read_bytes()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(writers.os, "replace", interrupted)
    result = CliRunner().invoke(main, ["fix", str(target)])
    assert result.exit_code == 130
    assert target.read_bytes() == before
    assert not [p for p in scrapes.iterdir() if p.name.endswith(".tmp")]


def test_a_file_that_cannot_be_written_is_named_and_the_others_are_fixed(scrapes, monkeypatch):
    import os

    from newsclean.io import writers

    stuck = scrapes / "000_f7b2b1a91d296620.txt"
    before = stuck.read_bytes()
    real_replace = os.replace

    def replace(src, dst):
        if os.path.realpath(dst) == os.path.realpath(stuck):
            raise PermissionError(1, "Operation not permitted")
        real_replace(src, dst)

    monkeypatch.setattr(writers.os, "replace", replace)
    result = CliRunner().invoke(main, ["fix", str(scrapes)])
    assert result.exit_code == 3
    assert f"error: cannot write {stuck} (Operation not permitted)" in result.stderr
    assert stuck.read_bytes() == before
    monkeypatch.setattr(writers.os, "replace", real_replace)
    again = CliRunner().invoke(main, ["check", str(scrapes)])
    assert {line.split(":")[0] for line in again.stdout.splitlines()} == {str(stuck)}
    assert not [p for p in scrapes.iterdir() if p.name.endswith(".tmp")]


def test_check_and_fix_take_max_bytes(scrapes):
    big = scrapes / "004_16fa48a68c6ad7f2.txt"
    before = big.read_bytes()
    for command in ("check", "fix"):
        result = CliRunner().invoke(main, [command, str(big), "--max-bytes", "1000"])
        assert result.exit_code == 3
        assert f"error: {big}: too large: over the limit of 1,000 bytes" in result.stderr
        assert big.read_bytes() == before


def test_unreadable_input_is_named_and_exits_3(scrapes):
    (scrapes / "bad.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    result = CliRunner().invoke(main, ["check", str(scrapes)])
    assert result.exit_code == 3
    assert "bad.txt" in result.output


@pytest.mark.parametrize("command", ["check", "fix"])
@pytest.mark.parametrize("damage", ["malformed line", "truncated archive"])
def test_a_file_read_only_in_part_is_never_rewritten(tmp_path, command, damage):
    """Fixing from the readable part would drop the rest: the file stays byte for byte."""
    story = (SEEDS / "000_f7b2b1a91d296620.txt").read_text(encoding="utf-8")
    lines = [json.dumps({"id": f"a{i}", "text": f"Part {i}.\n\n{story}"}) for i in range(3)]
    if damage == "malformed line":
        target = tmp_path / "corpus.jsonl"
        lines.insert(1, '{"id": "cut", "text": "the scraper died here')
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        target = tmp_path / "corpus.jsonl.gz"
        packed = gzip.compress(("\n".join(lines) + "\n").encode())
        target.write_bytes(packed[: len(packed) * 3 // 4])
    before = target.read_bytes()
    result = CliRunner().invoke(main, [command, str(target)])
    assert result.exit_code == 3
    assert result.output.startswith(f"error: {target}")
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_index_finds_duplicates_across_separate_invocations(tmp_path):
    """pre-commit may split the files over several runs: the index links them."""
    story = (SEEDS / "000_f7b2b1a91d296620.txt").read_text(encoding="utf-8")
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "story.txt").write_text(story, encoding="utf-8")
    (second / "repost.txt").write_text("Advertisement\n\n" + story, encoding="utf-8")
    index = tmp_path / "index.db"
    invoke("fix", "--index", str(index), str(first))
    invoke("fix", "--index", str(index), str(second))
    result = invoke("check", "--index", str(index), str(second))
    assert result.exit_code == 1
    assert "near_duplicates: " in result.output


def test_index_workflow_check_fix_check_copy_delete_rename(scrapes, monkeypatch):
    """What a pre-commit hook with --index goes through: the index follows the files, so a
    fixed file is not a duplicate of its own dirty version, a copy is one until it is deleted,
    and a renamed file is not a duplicate of its old name."""
    monkeypatch.chdir(scrapes)
    index = ".newsclean-index.db"
    assert invoke("check", "--index", index, ".").exit_code == 1
    assert invoke("fix", "--index", index, ".").exit_code == 0
    result = invoke("check", "--index", index, ".")
    assert result.exit_code == 0, result.output
    story = Path("000_f7b2b1a91d296620.txt")
    Path("copy.txt").write_bytes(story.read_bytes())
    result = invoke("check", "--index", index, "copy.txt")
    assert result.exit_code == 1
    assert result.output.startswith("copy.txt: near_duplicates: near-duplicate of ")
    # the original is the kept copy: it passes, also checked alone
    assert invoke("check", "--index", index, str(story)).exit_code == 0
    Path("copy.txt").unlink()
    story.rename("renamed.txt")
    result = invoke("check", "--index", index, ".")
    assert result.exit_code == 0, result.output
    result = invoke("check", "--index", index, "renamed.txt")
    assert result.exit_code == 0, result.output


def pre_commit_or_skip() -> str:
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    if not Path(pre_commit).exists():
        pytest.skip("the pre-commit package is not installed (pip install -e '.[test]')")
    return pre_commit


def git_repo_of_scrapes(tmp_path: Path) -> Path:
    repo = tmp_path / "data"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    shutil.copy(SEEDS / "001_d457670f2d5ee3dd.txt", repo / "scrape.txt")
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    return repo


@pytest.mark.slow
def test_pre_commit_try_repo_check_then_fix(tmp_path):
    """`pre-commit try-repo` against this working tree (uncommitted changes included): both
    hooks fail on a dirty scrape, the fix hook having cleaned it; then both pass."""
    pre_commit = pre_commit_or_skip()
    repo = git_repo_of_scrapes(tmp_path)

    def try_repo() -> subprocess.CompletedProcess:
        return subprocess.run([pre_commit, "try-repo", str(ROOT), "--files", "scrape.txt"],
                              cwd=repo, capture_output=True, text=True, timeout=900)

    dirty = try_repo()
    assert dirty.returncode == 1, dirty.stdout + dirty.stderr
    assert "scrape.txt:13: banners: " in dirty.stdout
    assert "files were modified by this hook" in dirty.stdout
    assert "Remind me later." not in (repo / "scrape.txt").read_text(encoding="utf-8")
    fixed = try_repo()
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert fixed.stdout.count("Passed") == 2


@pytest.mark.slow
def test_pre_commit_hook_end_to_end(tmp_path):
    """In a git repository of scrapes with the hook installed: a dirty scrape makes the commit
    fail, `newsclean fix` cleans it, the next commit passes. Runs the real pre-commit."""
    pre_commit = pre_commit_or_skip()
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True)
    if head.returncode != 0:
        pytest.skip("the hook is installed from this repository's git checkout")
    repo = git_repo_of_scrapes(tmp_path)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {ROOT}\n  rev: {head.stdout.strip()}\n  hooks:\n"
        "  - id: newsclean-check\n", encoding="utf-8")
    subprocess.run([pre_commit, "install"], cwd=repo, check=True, capture_output=True)
    subprocess.run(["git", "add", "."], cwd=repo, check=True)

    def commit() -> subprocess.CompletedProcess:
        return subprocess.run([*git, "commit", "-m", "scrapes"], cwd=repo, capture_output=True,
                              text=True, timeout=900)

    dirty = commit()
    assert dirty.returncode != 0, dirty.stdout + dirty.stderr
    assert "banners" in dirty.stdout + dirty.stderr
    assert invoke("fix", str(repo / "scrape.txt")).exit_code == 0
    assert "Remind me later." not in (repo / "scrape.txt").read_text(encoding="utf-8")
    subprocess.run(["git", "add", "scrape.txt"], cwd=repo, check=True)
    clean_commit = commit()
    assert clean_commit.returncode == 0, clean_commit.stdout + clean_commit.stderr


def test_stdin_is_a_usage_error_that_points_at_run():
    result = CliRunner().invoke(main, ["check", "-"], input="text\n")
    assert result.exit_code == 2
    assert "newsclean run -" in result.output


@pytest.mark.parametrize("suffix", [".txt", ".jsonl"])
def test_a_file_in_another_encoding_is_named_and_fixed_to_utf8(tmp_path, suffix):
    clean_text = render_text(clean((SEEDS / "003_a0942955b23086af.txt").read_text("utf-8"))[0])
    if suffix == ".jsonl":
        clean_text = json.dumps({"id": "a", "text": "Une phrase en français, déjà propre."},
                                ensure_ascii=False) + "\n"
    path = tmp_path / f"utf16{suffix}"
    path.write_bytes(clean_text.encode("utf-16"))
    result = invoke("check", str(path))
    assert result.exit_code == 1
    assert f"{path}: encoding: read as utf-16" in result.output
    assert invoke("fix", str(path)).exit_code == 0
    assert path.read_bytes().decode("utf-8")
    assert invoke("check", str(path)).exit_code == 0
