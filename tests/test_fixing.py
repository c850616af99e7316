"""check / fix: findings, idempotent atomic rewrites, splitting, the index, the pre-commit hook."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsclean import clean, fixing
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
    lines = result.stdout.splitlines()
    # a .txt has no metadata: the URL goes to the sidecar, and the finding says so
    assert f"{scrapes / '000_f7b2b1a91d296620.txt'}:17:1: links: bare URL line; kept in " \
           "000_f7b2b1a91d296620.txt.removed.jsonl" in lines
    assert any(":27:1: related: teaser line" in line for line in lines)
    assert any("001_d457670f2d5ee3dd.txt:12:1: credits:" in line for line in lines)


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
    sidecar = scrapes / "001_d457670f2d5ee3dd.txt.removed.jsonl"
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
    # the line of the record in the file, then where in its text
    assert f"{raw}:2:1: banners: appeal greeting (record r1, line 14 of its text)" \
        in result.stdout.splitlines()
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
    result = CliRunner().invoke(main, [command, "-q", str(target)])
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
    assert result.stdout.startswith("copy.txt:1:1: near_duplicates: near-duplicate of ")
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
    assert "scrape.txt:13:1: banners: " in dirty.stdout
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


def test_fix_of_stdin_is_a_usage_error_that_points_at_check():
    result = CliRunner().invoke(main, ["fix", "-"], input="text\n")
    assert result.exit_code == 2
    assert "newsclean check -" in result.output


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
    assert f"{path}:1:1: encoding: read as utf-16" in result.stdout
    assert invoke("fix", str(path)).exit_code == 0
    assert path.read_bytes().decode("utf-8")
    assert invoke("check", str(path)).exit_code == 0


# --- fix never loses a user's data (issue 10) -------------------------------------------------

# A clean story (the fixed form of a seed): whatever fix removes around it is the test's.
STORY = render_text(clean((SEEDS / "000_f7b2b1a91d296620.txt").read_text("utf-8"))[0])
MULTI = (SEEDS / "004_16fa48a68c6ad7f2.txt").read_text(encoding="utf-8")
JUNK = "Advertisement\n\nSubscribe to our newsletter\n"
LINK = "symbolic link; not followed (fix never writes through a link)"


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every entry under ``folder``, links as their target: what a fix may have changed."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[name] = f"-> {os.readlink(path)}"
        elif path.is_file():
            found[name] = path.read_bytes()
    return found


def no_temporary_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """A folder of scrapes with links in and out of it; ``tmp_path/out`` is outside it."""
    root, outside = tmp_path / "root", tmp_path / "out"
    root.mkdir()
    outside.mkdir()
    (root / "story.txt").write_text("Advertisement\n\n" + STORY, encoding="utf-8")
    (outside / "v.txt").write_text("Advertisement\n\n" + STORY, encoding="utf-8")
    (tmp_path / "parent.txt").write_text("Advertisement\n\n" + STORY, encoding="utf-8")
    (root / "l.txt").symlink_to("../out/v.txt")
    (root / "in.txt").symlink_to("story.txt")
    (root / "up").symlink_to("..")
    return root


@pytest.mark.parametrize("command", ["check", "fix"])
def test_fix_writes_nothing_through_a_link_and_never_leaves_the_folder(linked, command):
    """`fix` used to rewrite ../out/v.txt through l.txt, and walk the parent folder through
    up -> .. (issue 10 item 1). Links are named and skipped; the real file is fixed."""
    tmp_path = linked.parent
    outside_before = {name: data for name, data in tree(tmp_path).items()
                      if not name.startswith("root/")}
    result = CliRunner().invoke(main, [command, "-q", str(linked)])
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        f"error: {linked / name}: {LINK}" for name in ("in.txt", "l.txt", "up")]
    after = tree(tmp_path)
    assert {name: data for name, data in after.items() if not name.startswith("root/")} \
        == outside_before
    assert after["root/l.txt"] == "-> ../out/v.txt"
    assert after["root/in.txt"] == "-> story.txt"
    if command == "fix":
        assert after["root/story.txt"] == STORY.encode()


def test_a_link_named_explicitly_is_refused_by_check_and_fix(linked):
    for command in ("check", "fix"):
        result = CliRunner().invoke(main, [command, "-q", str(linked / "l.txt")])
        assert result.exit_code == 3
        assert result.stderr == f"error: {linked / 'l.txt'}: {LINK}\n"
    assert (linked.parent / "out" / "v.txt").read_text(encoding="utf-8").startswith("Advert")


def test_a_file_swapped_for_a_link_after_it_was_read_is_not_written_through(tmp_path):
    """Checked again at write time, without following: the link is left, its target too."""
    from newsclean.cli.options import build as _build
    from newsclean.cli.options import configured as _configured
    from newsclean.fixing import FileRefused, apply_plan, plan_file

    target = tmp_path / "system.txt"
    target.write_text("Advertisement\n\n" + STORY, encoding="utf-8")
    scrape = tmp_path / "scrape.txt"
    scrape.write_text("Advertisement\n\n" + STORY, encoding="utf-8")
    plan = plan_file(scrape, _build(_configured(None, ())), pytest.fail)
    scrape.unlink()
    scrape.symlink_to(target)
    with pytest.raises(FileRefused, match="not followed"):
        apply_plan(plan)
    assert scrape.is_symlink()
    assert target.read_text(encoding="utf-8").startswith("Advertisement")
    assert no_temporary_files(tmp_path)


def test_the_writer_replaces_a_link_planted_at_the_last_moment_not_its_target(tmp_path):
    """Even if a link appears between the last check and the rename, the rename replaces
    the link itself: nothing is ever written to the file it points to."""
    from newsclean.io import atomic_write

    target = tmp_path / "system.txt"
    target.write_text("system\n", encoding="utf-8")
    name = tmp_path / "scrape.txt"
    name.write_text("old\n", encoding="utf-8")

    def plant_link() -> None:
        name.unlink()
        name.symlink_to(target)

    with atomic_write(name, follow_symlinks=False, before_replace=plant_link) as out:
        out.write("new\n")
    assert not name.is_symlink()
    assert name.read_text(encoding="utf-8") == "new\n"
    assert target.read_text(encoding="utf-8") == "system\n"


def test_the_files_fix_writes_keep_the_originals_permissions_and_owner(tmp_path):
    """Parts and sidecar were new files of the umask's mode (a private 0600 scrape's parts
    readable by all), and a file fixed by root became root's."""
    (tmp_path / "multi.txt").write_text(MULTI, encoding="utf-8")
    (tmp_path / "links.txt").write_text(STORY + "\nhttps://example.org/a-page-of-its-own\n",
                                        encoding="utf-8")
    other = 65534 if os.geteuid() == 0 else os.geteuid()  # only root can give files away
    for original in tmp_path.iterdir():
        original.chmod(0o600)
        os.chown(original, other, other if os.geteuid() == 0 else -1)
    group = (tmp_path / "links.txt").stat().st_gid
    assert invoke("fix", "-q", str(tmp_path)).exit_code == 0
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written == ["links.txt", "links.txt.removed.jsonl", *(
        f"multi.part{n}.txt" for n in range(1, 7))]
    for path in tmp_path.iterdir():
        found = path.stat()
        assert (oct(stat.S_IMODE(found.st_mode)), found.st_uid, found.st_gid) == (
            "0o600", other, group), path.name


def test_a_read_only_file_is_refused_not_replaced(tmp_path):
    """The rename needs only the folder's permission: a file made read-only by its owner was
    replaced all the same."""
    locked = tmp_path / "locked.txt"
    locked.write_text("Advertisement\n\n" + STORY, encoding="utf-8")
    locked.chmod(0o444)  # read-only for everyone, root included
    (tmp_path / "open.txt").write_text("Advertisement\n\n" + STORY, encoding="utf-8")
    result = invoke("fix", "-q", str(tmp_path))
    assert result.exit_code == 3
    assert result.stderr == (f"error: {locked}: read-only file; left as it is (make it "
                             "writable to let fix change it)\n")
    assert locked.read_text(encoding="utf-8") == "Advertisement\n\n" + STORY
    assert (tmp_path / "open.txt").read_text(encoding="utf-8") == STORY


@pytest.mark.parametrize(("sidecar", "why"), [
    ("folder", "is not a regular file (a folder, a named pipe ...)"),
    ("pipe", "is not a regular file (a folder, a named pipe ...)"),
    ("read-only", "is a read-only file"),
])
def test_a_sidecar_that_is_not_a_writable_file_is_refused(tmp_path, sidecar, why):
    """A folder or a named pipe there was called 'not UTF-8 text'; a read-only sidecar was
    replaced all the same."""
    scrape = tmp_path / "a.txt"
    dirty = STORY + "\nhttps://example.org/a-page-of-its-own\n"
    scrape.write_text(dirty, encoding="utf-8")
    beside = tmp_path / "a.txt.removed.jsonl"
    if sidecar == "folder":
        beside.mkdir()
    elif sidecar == "pipe":
        if not hasattr(os, "mkfifo"):
            pytest.skip("named pipes are POSIX")
        os.mkfifo(beside)
    else:
        beside.write_text("", encoding="utf-8")
        beside.chmod(0o444)
    result = invoke("fix", "-q", str(scrape))
    assert result.exit_code == 3
    assert result.stderr == (f"error: {scrape}: its sidecar a.txt.removed.jsonl {why}; "
                             "left as it is\n")
    assert scrape.read_text(encoding="utf-8") == dirty


@pytest.mark.parametrize("command", ["check", "fix"])
def test_a_part_or_sidecar_name_too_long_for_the_folder_is_refused(tmp_path, command):
    """A scrape named near the 255-byte limit has parts and a sidecar with longer names: check
    and fix stopped with a traceback ("File name too long"), the other files unhandled."""
    split = tmp_path / ("s" * 248 + ".txt")
    split.write_text(MULTI, encoding="utf-8")
    links = tmp_path / ("l" * 248 + ".txt")
    links.write_text(STORY + "\nhttps://example.org/a-page-of-its-own\n", encoding="utf-8")
    (tmp_path / "short.txt").write_text("Advertisement\n\n" + STORY, encoding="utf-8")
    before = tree(tmp_path)
    result = invoke(command, "-q", str(tmp_path))
    assert result.exit_code == 3
    why = "a name longer than its folder allows; left as it is (give the file a shorter name)"
    assert result.stderr.splitlines() == [
        f"error: {links}: would write {links.name}.removed.jsonl, {why}",
        f"error: {split}: would write {split.stem}.part1.txt, {why}"]
    unchanged = {name: data for name, data in before.items() if name != "short.txt"}
    assert {name: data for name, data in tree(tmp_path).items() if name != "short.txt"} == (
        unchanged)
    assert (tmp_path / "short.txt").read_text(encoding="utf-8") == (
        STORY if command == "fix" else "Advertisement\n\n" + STORY)


@pytest.mark.parametrize("command", ["check", "fix"])
def test_a_part_file_in_the_way_is_never_replaced(tmp_path, command):
    """`fix story.txt` of a two-article scrape used to replace an existing story.part1.txt
    (issue 10 item 2): the file is refused and nothing of it changes."""
    (tmp_path / "story.txt").write_text(MULTI, encoding="utf-8")
    (tmp_path / "story.part1.txt").write_text("My own notes.\n", encoding="utf-8")
    before = tree(tmp_path)
    result = CliRunner().invoke(main, [command, "-q", str(tmp_path / "story.txt")])
    assert result.exit_code == 3
    assert result.stderr == (
        f"error: {tmp_path / 'story.txt'}: would replace story.part1.txt, which it did not "
        "make; left as it is (move that file away and fix it again)\n")
    assert tree(tmp_path) == before


def test_parts_already_written_with_the_same_text_complete_an_interrupted_split(tmp_path):
    """A split interrupted after some parts (or done by another fix) is completed: a part
    that holds exactly what fix writes is not in the way."""
    story = tmp_path / "story.txt"
    story.write_text(MULTI, encoding="utf-8")
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / "story.txt").write_text(MULTI, encoding="utf-8")
    assert invoke("fix", str(reference)).exit_code == 0
    (tmp_path / "story.part1.txt").write_bytes((reference / "story.part1.txt").read_bytes())
    assert invoke("fix", str(story)).exit_code == 0
    assert {k: v for k, v in tree(tmp_path).items() if not k.startswith("reference/")} \
        == {k.removeprefix("reference/"): v for k, v in tree(reference).items()}


def test_every_input_has_its_own_sidecar(tmp_path):
    """a.txt and a.jsonl used to share a.removed.jsonl, and one account was lost (item 2)."""
    (tmp_path / "a.txt").write_text("Advertisement\n\n" + STORY, encoding="utf-8")
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"id": "j1", "text": "Subscribe to our newsletter\n\n" + STORY}) + "\n",
        encoding="utf-8")
    assert invoke("fix", "--keep-removed", str(tmp_path)).exit_code == 0
    rows = {name: [json.loads(line) for line in
                   (tmp_path / name).read_text(encoding="utf-8").splitlines()]
            for name in ("a.txt.removed.jsonl", "a.jsonl.removed.jsonl")}
    assert [row["text"].strip() for row in rows["a.txt.removed.jsonl"]] == ["Advertisement"]
    assert [(row["record"], row["text"].strip()) for row in rows["a.jsonl.removed.jsonl"]] \
        == [("j1", "Subscribe to our newsletter")]
    # The sidecars are not scrapes: the folder checks clean.
    assert invoke("check", str(tmp_path)).exit_code == 0


def test_a_sidecar_keeps_the_account_of_every_fix(tmp_path):
    scrape = tmp_path / "a.txt"
    scrape.write_text("Advertisement\n\n" + STORY, encoding="utf-8")
    invoke("fix", "--keep-removed", str(scrape))
    scrape.write_text("Subscribe to our newsletter\n\n" + scrape.read_text("utf-8"), "utf-8")
    invoke("fix", "--keep-removed", str(scrape))
    rows = (tmp_path / "a.txt.removed.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(row)["text"].strip() for row in rows] == [
        "Advertisement", "Subscribe to our newsletter"]


@pytest.mark.parametrize("keep_removed", [[], ["--keep-removed"]])
@pytest.mark.parametrize("suffix", [".txt", ".jsonl"])
def test_a_whole_file_judged_boilerplate_is_left_as_it_is(tmp_path, suffix, keep_removed):
    """Such a file used to become 0 bytes, with no sidecar and a 'layout' message (item 3):
    emptying it cannot be told from a wrong judgement, so fix refuses and says why."""
    scrape = tmp_path / f"junk{suffix}"
    if suffix == ".jsonl":
        scrape.write_text(json.dumps({"id": "j", "text": JUNK}) + "\n", encoding="utf-8")
    else:
        scrape.write_text(JUNK, encoding="utf-8")
    before = tree(tmp_path)
    for args in (["check"], ["fix", *keep_removed]):
        result = CliRunner().invoke(main, [*args, "-q", str(scrape)])
        assert result.exit_code == 3
        assert result.stderr == (
            f"error: {scrape}: whole file judged boilerplate by banners; left as it is\n")
        assert result.stdout == ""
    assert tree(tmp_path) == before


def test_a_jsonl_record_judged_boilerplate_goes_with_an_account(tmp_path):
    """Its text and its other fields are in the sidecar; the finding says the record goes."""
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"id": "junk", "text": JUNK, "url": "https://example.com/a",
                                  "title": "Kept"}) + "\n"
                      + json.dumps({"id": "story", "text": STORY}) + "\n", encoding="utf-8")
    result = invoke("fix", "-v", "--keep-removed", str(corpus))
    assert result.exit_code == 0
    reasons = [("advertisement label", 1), ("donation or subscription appeal", 3)]
    assert result.stdout.splitlines() == [
        f"{corpus}:1:1: banners: {reason}; the whole record goes (record junk, line {line} of "
        "its text)" for reason, line in reasons] + [f"{corpus}: fixed (2 findings)"]
    assert [json.loads(line)["id"] for line in corpus.read_text("utf-8").splitlines()] == [
        "story"]
    rows = [json.loads(line) for line in
            (tmp_path / "corpus.jsonl.removed.jsonl").read_text("utf-8").splitlines()]
    kept = "".join(row["text"] for row in rows if row["record"] == "junk")
    assert "Advertisement" in kept and "Subscribe to our newsletter" in kept
    assert rows[-1] == {"record": "junk", "step": "fix", "reason": fixing.DROPPED, "start": 0,
                        "end": 0, "text": "", "fields": {"source": f"{corpus.name}:1",
                                                         "url": "https://example.com/a",
                                                         "title": "Kept"}}


@pytest.mark.parametrize("command", ["check", "fix"])
def test_a_jsonl_file_of_records_without_text_is_left_as_it_is(tmp_path, command):
    """Emptying it would lose the records' ids and fields."""
    corpus = tmp_path / "blank.jsonl"
    corpus.write_text('{"id": "a", "text": ""}\n{"id": "b", "text": " ", "title": "T"}\n',
                      encoding="utf-8")
    before = tree(tmp_path)
    options = ["--keep-removed"] if command == "fix" else []
    result = CliRunner().invoke(main, [command, "-q", *options, str(corpus)])
    assert result.exit_code == 3
    assert result.stderr == f"error: {corpus}: no record of it has any text; left as it is\n"
    assert tree(tmp_path) == before


def fixed_once(tmp_path: Path, name: str, text: str) -> dict[str, bytes | str]:
    """What one fix alone makes of a file ``name`` holding ``text``."""
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / name).write_text(text, encoding="utf-8")
    assert invoke("fix", str(alone)).exit_code == 0
    result = tree(alone)
    shutil.rmtree(alone)
    return result


def document_pipeline():
    """The pipeline fix uses without --index (no corpus steps)."""
    from newsclean.cli.options import build as _build
    from newsclean.cli.options import configured as _configured

    return _build(_configured(None, ("near_duplicates", "corpus_boilerplate")))


@pytest.mark.parametrize("text", ["Advertisement\n\n" + STORY, MULTI], ids=["one", "split"])
def test_a_file_another_fix_handled_first_is_skipped_with_a_note(tmp_path, monkeypatch, text):
    """Two fixes of one folder: the second used to exit 1 with a FileNotFoundError traceback
    (issue 10 item 9). Here the other fix runs to its end between this one's plan and its
    write, deterministically."""
    import newsclean.cli.check as cli
    from newsclean.fixing import plan_file

    expected = fixed_once(tmp_path, "story.txt", text)
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "story.txt").write_text(text, encoding="utf-8")
    real_apply = cli.apply_plan

    def other_fix_first(plan, **options):
        real_apply(plan_file(plan.path, document_pipeline(), pytest.fail))
        real_apply(plan, **options)

    monkeypatch.setattr(cli, "apply_plan", other_fix_first)
    result = CliRunner().invoke(main, ["fix", "-q", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"note: {folder / 'story.txt'}: already fixed by another process; skipped\n")
    assert tree(folder) == expected


def test_a_file_removed_before_it_was_read_is_skipped_with_a_note(tmp_path, monkeypatch):
    import newsclean.cli.check as cli

    (tmp_path / "a.txt").write_text("Advertisement\n\n" + STORY, encoding="utf-8")
    (tmp_path / "b.txt").write_text("Advertisement\n\n" + STORY, encoding="utf-8")
    real_plan = cli.plan_file

    def removed_first(path, *args, **options):
        if path.name == "a.txt":
            path.unlink()  # as another fix splitting it would, between the listing and now
        return real_plan(path, *args, **options)

    monkeypatch.setattr(cli, "plan_file", removed_first)
    result = CliRunner().invoke(main, ["fix", "-q", str(tmp_path)])
    assert result.exit_code == 0
    assert result.stderr == (f"note: {tmp_path / 'a.txt'}: no longer there (removed or renamed "
                             "since it was listed, by another fix perhaps); skipped\n")
    assert sorted(tree(tmp_path)) == ["b.txt"]
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == STORY


@pytest.mark.parametrize("when", ["before the write", "just before the rename"])
def test_a_file_changed_after_it_was_read_keeps_the_newer_text(tmp_path, monkeypatch, when):
    """Compare-and-swap: the file must still be the one read (inode, size, times) when it is
    replaced, else it is left as it is; the newer text is never overwritten."""
    import newsclean.cli.check as cli
    import newsclean.fixing as fixing

    scrape = tmp_path / "story.txt"
    scrape.write_text("Advertisement\n\n" + STORY, encoding="utf-8")
    newer = "The writer's newer text, saved while fix was running.\n"
    if when == "before the write":
        real_apply = cli.apply_plan

        def edited_meanwhile(plan, **options):
            scrape.write_text(newer, encoding="utf-8")
            real_apply(plan, **options)

        monkeypatch.setattr(cli, "apply_plan", edited_meanwhile)
    else:
        real_write = fixing.atomic_write

        def edited_meanwhile(target, **options):  # the first checks have passed by now
            scrape.write_text(newer, encoding="utf-8")
            return real_write(target, **options)

        monkeypatch.setattr(fixing, "atomic_write", edited_meanwhile)
    result = CliRunner().invoke(main, ["fix", "-q", "--keep-removed", str(scrape)])
    assert result.exit_code == 3
    assert result.stderr == (
        f"error: {scrape}: changed since it was read; left as it is (fix it again)\n")
    assert tree(tmp_path) == {"story.txt": newer.encode()}


def test_a_split_whose_original_changed_meanwhile_takes_its_parts_back(tmp_path, monkeypatch):
    import newsclean.fixing as fixing

    scrape = tmp_path / "story.txt"
    scrape.write_text(MULTI, encoding="utf-8")
    newer = MULTI + "\nOne more paragraph the writer added while fix was running.\n"
    real_write = fixing.atomic_write

    def edited_at_the_last_part(target, **options):
        if target.name == "story.part6.txt":
            scrape.write_text(newer, encoding="utf-8")
        return real_write(target, **options)

    monkeypatch.setattr(fixing, "atomic_write", edited_at_the_last_part)
    result = CliRunner().invoke(main, ["fix", "-q", "--keep-removed", str(scrape)])
    assert result.exit_code == 3
    assert "changed since it was read; left as it is" in result.stderr
    assert tree(tmp_path) == {"story.txt": newer.encode()}


def test_two_fix_processes_on_one_folder_end_with_one_fix_and_no_traceback(tmp_path,
                                                                          monkeypatch):
    """Whichever order the two take, both exit 0 and the folder is what one fix makes (its
    sidecars of URLs and credits included: each row once)."""
    folder = tmp_path / "scrapes"
    shutil.copytree(SEEDS, folder)
    # The same relative name, so the same record ids in the sidecars.
    reference = tmp_path / "reference" / "scrapes"
    shutil.copytree(SEEDS, reference)
    monkeypatch.chdir(reference.parent)
    assert invoke("fix", "scrapes").exit_code == 0
    command = [sys.executable, "-c", "import sys; from newsclean.cli import main; sys.exit(main())"]
    processes = [subprocess.Popen([*command, "fix", "-q", "scrapes"], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, cwd=tmp_path)
                 for _ in range(2)]
    for process in processes:
        _, stderr = process.communicate(timeout=600)
        assert "Traceback" not in stderr
        assert process.returncode == 0, stderr
        assert all(line.startswith("note: ") for line in stderr.splitlines()), stderr
    assert tree(folder) == tree(reference)
    assert no_temporary_files(folder)


def nested_list(levels: int) -> list:
    value: list = []
    for _ in range(levels - 1):
        value = [value]
    return value


def test_what_fix_writes_reads_back_at_the_nesting_limit(tmp_path):
    """A record nested exactly 64 levels was fixed, then refused by the next fix (its fields
    are written one level down, under 'metadata'); issue 10 item 10."""
    deepest = tmp_path / "deepest.jsonl"
    deepest.write_text(json.dumps({"id": "d", "text": "Advertisement\n\n" + STORY,
                                   "extra": nested_list(63)}) + "\n", encoding="utf-8")
    before = deepest.read_bytes()
    result = CliRunner().invoke(main, ["fix", "-q", str(deepest)])
    assert result.exit_code == 3
    assert result.stderr == (f"error: {deepest}:1: nested more than 64 levels deep once its "
                             "fields are written under 'metadata'\n")
    assert deepest.read_bytes() == before
    deep = tmp_path / "deep.jsonl"
    deep.write_text(json.dumps({"id": "d", "text": "Advertisement\n\n" + STORY,
                                "extra": nested_list(62)}) + "\n", encoding="utf-8")
    assert invoke("fix", str(deep)).exit_code == 0
    once = deep.read_bytes()
    assert invoke("check", str(deep)).exit_code == 0
    assert invoke("fix", str(deep)).exit_code == 0
    assert deep.read_bytes() == once
    # a field newsclean does not know is kept in metadata.extra (docs/schema.md)
    assert json.loads(json.loads(once)["metadata"]["extra"]) == {"extra": nested_list(62)}


def test_file_names_with_terminal_escapes_are_printed_escaped(tmp_path):
    """check printed such names raw: they could retitle or clear the terminal and break the
    FILE:LINE form (issue 10 item 11)."""
    hostile = ["title\x1b]0;owned\x07.txt", "two\nlines.txt", "rtl\u202etxt.exe.txt"]
    for name in hostile:
        (tmp_path / name).write_text("Advertisement\n\n" + STORY, encoding="utf-8")
    (tmp_path / "gone\x1b[2J.txt").symlink_to("nowhere")
    result = CliRunner().invoke(main, ["check", "-q", str(tmp_path)])
    assert result.exit_code == 3
    shown = ["title\\x1b]0;owned\\x07.txt", "two\\nlines.txt", "rtl\\u202etxt.exe.txt"]
    assert sorted(result.stdout.splitlines()) == sorted(
        f"{tmp_path}/{name}:1:1: banners: advertisement label" for name in shown)
    assert result.stderr == f"error: {tmp_path}/gone\\x1b[2J.txt: {LINK}\n"
    assert all(line.isprintable() for line in result.output.splitlines())


@pytest.mark.parametrize("name", ["back\\1slash.txt", "new\\nline.txt", "esc\x1b[2J.txt"])
def test_a_sidecar_name_with_a_backslash_is_named_as_it_is(tmp_path, name):
    """The sidecar's name went into the finding as a regular-expression template: a name
    shown with an escape (``\\x1b``) or holding a backslash stopped check with a traceback
    (``bad escape \\x``, ``invalid group reference``), or put a raw newline in the line."""
    (tmp_path / name).write_text(STORY + "\nhttps://example.org/a-page-of-its-own\n",
                                 encoding="utf-8")
    result = invoke("check", "-q", str(tmp_path))
    assert result.exit_code == 1
    shown = name.replace("\x1b", "\\x1b")
    [finding] = [line for line in result.stdout.splitlines() if ": links: " in line]
    assert finding.endswith(f": links: bare URL line; kept in {shown}.removed.jsonl")

@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")
@pytest.mark.parametrize("command", ["check", "fix"])
def test_findings_to_a_full_disk_are_one_line_and_exit_2(tmp_path, command):
    """`check > /dev/full` ended in a traceback and exit 1, which a hook reads as "would
    change"; a closed pipe (`check | head -1`) the same."""
    (tmp_path / "a.txt").write_text("Advertisement\n\n" + STORY, encoding="utf-8")
    program = [sys.executable, "-c", "import sys; from newsclean.cli import main; sys.exit(main())"]
    with open("/dev/full", "w") as full:
        done = subprocess.run([*program, command, "-q", str(tmp_path)], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr == ("error: cannot write - (No space left on device); every file is "
                           "either old or new, the index untouched\n")


@pytest.mark.skipif(shutil.which("bash") is None, reason="the $'...' quoting is bash's")
def test_the_git_add_command_names_files_with_escapes_as_they_are(tmp_path):
    """It quoted the escaped form ('esc\\x1b.txt.removed.jsonl'), which names no file."""
    names = ["esc\x1b[2J.txt", "it's\\.txt", "caf\udce9.txt"]  # the last: byte 0xe9
    for name in names:
        (tmp_path / name).write_text(STORY + "\nhttps://example.org/a-page-of-its-own\n",
                                     encoding="utf-8")
    result = invoke("fix", str(tmp_path))
    assert result.exit_code == 0
    command = result.stderr.splitlines()[-1].split(": ", 1)[1]
    assert command.isprintable()
    listed = subprocess.run(["bash", "-c", command.replace("git add", "ls -b", 1)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == 3


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("command", ["run", "explain", "check", "fix"])
def test_a_named_pipe_named_on_the_command_line_is_refused(tmp_path, command):
    """It used to block forever (issue 10 item 12); a real process, so a regression fails on
    the timeout instead of hanging the session."""
    pipe = tmp_path / "pipe.txt"
    os.mkfifo(pipe)
    program = [sys.executable, "-c", "import sys; from newsclean.cli import main; sys.exit(main())"]
    done = subprocess.run([*program, command, str(pipe)], capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 3  # the same cause, the same code in every command
    assert f"error: {pipe}: not a regular file (a named pipe); refused" in done.stderr
