"""`fix --keep-removed` over generated folders never loses a user's data (hypothesis).

Each example builds a folder in a fresh temporary directory: scrapes (`.txt` and `.jsonl`,
clean, with boilerplate, all boilerplate, blank, several articles in one), in UTF-8,
Windows-1252 or UTF-16; part files already there (`a.part1.txt` holding the user's notes);
symbolic links inside the folder and out of it (to a file, to a folder, `up -> ..`). Then:

* every word of every input file is in what fix left of it (the file, its part files) or in
  its sidecar;
* no file outside the folder changed, and no link was replaced or written through;
* a second `fix` changes nothing;
* fix ends with exit 0 or 3, each message one `error:` or `note:` line, never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from click.testing import CliRunner
from conftest import SEEDS
from hypothesis import event, given, settings
from hypothesis import strategies as st

from newsclean.cli import main
from newsclean.io import decode_bytes

WORD = re.compile(r"\w+")
VOCABULARY = (
    "the council met on Monday and agreed a new budget for parks schools roads city mayor "
    "said residents would see changes next year after long debate opposition members voted "
    "against plan which includes higher taxes on property café naïve Zürich"
).split()
BOILERPLATE = [
    "Advertisement",
    "Subscribe to our newsletter",
    "Support independent journalism: donate today. Every contribution helps us keep our "
    "reporting free for readers like you.",
    "Share on Facebook",
    "https://example.com/news/2025/budget",
]
# A real scrape of several articles, which fix splits into part files.
MULTI = (SEEDS / "004_16fa48a68c6ad7f2.txt").read_text(encoding="utf-8")


@st.composite
def paragraphs(draw) -> str:
    sentences = []
    for _ in range(draw(st.integers(1, 3))):
        words = draw(st.lists(st.sampled_from(VOCABULARY), min_size=6, max_size=16))
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


@st.composite
def texts(draw, multi: bool = True) -> str:
    kinds = ["article", "article", "junk", "blank"] + (["multi"] if multi else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "blank":
        return draw(st.sampled_from(["", "\n", "  \n\n"]))
    if kind == "multi":
        return MULTI
    blocks = draw(st.lists(st.sampled_from(BOILERPLATE), min_size=1, max_size=3))
    if kind == "article":
        for _ in range(draw(st.integers(2, 4))):
            at = draw(st.integers(0, len(blocks)))
            blocks.insert(at, draw(paragraphs()))
    return "\n\n".join(blocks) + "\n"


@st.composite
def scrape_files(draw, suffix: str) -> bytes:
    if suffix == ".jsonl":
        records = draw(st.lists(texts(multi=False), min_size=1, max_size=3))
        text = "".join(json.dumps({"id": f"r{k}", "text": t}, ensure_ascii=False) + "\n"
                       for k, t in enumerate(records))
    else:
        text = draw(texts())
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "cp1252", "utf-16"]))
    return text.encode(encoding)


@st.composite
def folders(draw) -> dict:
    """What to build: files by name, and which links to make."""
    files: dict[str, bytes] = {}
    for _ in range(draw(st.integers(1, 4))):
        stem = draw(st.sampled_from(["a", "b", "c"]))
        suffix = draw(st.sampled_from([".txt", ".txt", ".jsonl"]))
        files.setdefault(stem + suffix, draw(scrape_files(suffix)))
    for stem in draw(st.sets(st.sampled_from(["a", "b"]))):
        files.setdefault(f"{stem}.part1.txt", b"My own notes on the budget debate.\n")
    links = draw(st.sets(st.sampled_from(["in", "out_file", "out_folder", "up"])))
    return {"files": files, "links": sorted(links)}


def build(base: Path, spec: dict) -> Path:
    root, outside = base / "root", base / "outside"
    root.mkdir()
    outside.mkdir()
    dirty = ("Advertisement\n\n" + MULTI).encode()
    (outside / "system.txt").write_bytes(dirty)
    (base / "parent.txt").write_bytes(dirty)
    for name, data in spec["files"].items():
        (root / name).write_bytes(data)
    made = {
        "in": ("in.txt", sorted(spec["files"])[0]),
        "out_file": ("out.txt", "../outside/system.txt"),
        "out_folder": ("ext", "../outside"),
        "up": ("up", ".."),
    }
    for link in spec["links"]:
        name, target = made[link]
        (root / name).symlink_to(target)
    return root


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every file under ``folder`` (not through links), links as their targets."""
    found: dict[str, bytes | str] = {}
    for current, folders_in, names in os.walk(folder):
        for name in folders_in + names:
            path = Path(current) / name
            key = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[key] = f"-> {os.readlink(path)}"
            elif path.is_file():
                found[key] = path.read_bytes()
    return found


def strings(value) -> list[str]:
    """Every string in a JSON value (the text of a record, its fields)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def words_of(name: str, data: bytes) -> set[str]:
    text, _ = decode_bytes(data, name)
    if ".jsonl" in name:
        text = "\n".join(s for line in text.splitlines() if line.strip()
                         for s in strings(json.loads(line)))
    return {w.casefold() for w in WORD.findall(text)}


def fix(root: Path):
    result = CliRunner().invoke(main, ["fix", "-q", "--keep-removed", str(root)])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    assert result.exit_code in (0, 3), result.output
    assert all(line.startswith(("error: ", "note: ")) for line in result.stderr.splitlines()), \
        result.stderr
    return result


@settings(max_examples=int(os.environ.get("NEWSCLEAN_FIX_EXAMPLES", "100")))
@given(folders())
def test_fix_keeps_every_word_stays_inside_and_is_a_fixed_point(spec):
    with tempfile.TemporaryDirectory() as temporary:
        base = Path(temporary)
        root = build(base, spec)
        before = tree(base)
        result = fix(root)
        after = tree(base)
        # What the examples reached, for --hypothesis-show-statistics.
        for reason in ("whole file judged boilerplate", "would replace", "not followed",
                       "no record of it has any text"):
            if reason in result.stderr:
                event(f"refused: {reason}")
        if any(".part2." in key for key in after):
            event("a scrape split into parts")

        # Nothing outside the folder changed; every link is still the same link.
        assert {k: v for k, v in after.items() if not k.startswith("root/")} == {
            k: v for k, v in before.items() if not k.startswith("root/")}
        for key, value in before.items():
            if isinstance(value, str):
                assert after.get(key) == value

        # Every input word is in what is left of its file, its part files, or its sidecar.
        for name, data in spec["files"].items():
            stem, _, suffix = name.partition(".")
            left = [k for k in after if k == f"root/{name}"
                    or re.fullmatch(rf"root/{stem}\.part\d+\.{re.escape(suffix)}", k)]
            kept = set().union(*(words_of(k, after[k]) for k in left))
            sidecar = after.get(f"root/{name}.removed.jsonl", b"")
            rows = [json.loads(line) for line in sidecar.decode().splitlines()]
            accounts = [s for row in rows
                        for s in strings([row["record"], row["text"], row.get("fields")])]
            removed = {w.casefold() for w in WORD.findall(" ".join(accounts))}
            lost = words_of(name, data) - kept - removed
            assert not lost, f"{name}: words lost: {sorted(lost)}"

        # A second fix changes nothing.
        fix(root)
        assert tree(base) == after
