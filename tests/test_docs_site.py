"""The documentation site builds with warnings as errors, offline, with its generated parts."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys

import pytest
from conftest import ROOT, docs_script

from newsclean.steps import DEFAULT_STEPS

pytestmark = pytest.mark.docs

# An asset the browser would fetch on opening a page (a link the reader follows is fine).
_REMOTE_ASSET = re.compile(r"<(?:script|img|iframe|link)\b[^>]*\b(?:src|href)=\"(?:https?:)?//")


def _plots():
    return docs_script("plots")


TABLE = """\
Before.

<!-- plot: kind=bars; values=fast, slow; skip=all; title=Seconds <per> run -->

| case | fast | slow |
|---|---|---|
| small | 1.5 | **3** |
| big | 1,200 | |
| **all** | 1,201.5 | 3 |

After.
"""


def test_bars_plot_follows_its_table():
    out = _plots().render_plots(TABLE)
    table_end = out.index("| **all** | 1,201.5 | 3 |")
    figure = out.index('<figure class="plot"><svg')
    assert table_end < figure < out.index("After.")
    assert "<!-- plot" not in out
    svg = out[figure:]
    # small: two bars, big: one (its slow cell is empty), the skipped row none; plus the key.
    assert svg.count('<rect x="280"') == 3
    assert ">1,200</text>" in svg and ">small</text>" in svg and ">all</text>" not in svg
    assert "Seconds &lt;per&gt; run" in svg


def test_lines_plot_one_line_per_series():
    table = [
        "| input | lines | before | after |",
        "|---|---|---|---|",
        "| nav | 10 | 1.0 | 0.5 |",
        "| nav | 20 | 4.0 | 1.0 |",
        "| text | 10 | 2.0 | 0.1 |",
    ]
    svg = _plots().plot("kind=lines; x=lines; series=input; values=before, after; title=t", table)
    assert svg.count("<polyline") == 4
    assert ">nav, before</text>" in svg and ">text, after</text>" in svg


def test_a_plot_comment_in_a_code_block_is_left_alone():
    example = "```text\n<!-- plot: kind=bars; values=x; title=t -->\n```\n"
    assert _plots().render_plots(example) == example


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("kind=bars; values=nope; title=t", "no column 'nope'"),
        ("kind=pie; values=fast; title=t", "plot kind 'pie'"),
        ("kind=bars; title=t", "without values="),
    ],
)
def test_a_plot_that_does_not_fit_its_table_is_an_error(spec, message):
    plots = _plots()
    table = ["| case | fast |", "|---|---|", "| small | 1 |"]
    with pytest.raises(plots.PlotError, match=message):
        plots.plot(spec, table)


def test_site_builds_strict(tmp_path):
    for module in ("mkdocs", "material", "mkdocstrings_handlers"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install -e '.[test]' installs it)")
    site = tmp_path / "site"
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_MKDOCS_2_WARNING="1")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}{done.stderr}"
    reference = (site / "reference" / "index.html").read_text(encoding="utf-8")
    for name in DEFAULT_STEPS:
        assert f'id="{name}"' in reference, f"step {name} missing from the site's reference"
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert "newsclean.clean" in api or 'id="newsclean.clean"' in api
    assert "<svg" in (site / "benchmarks" / "index.html").read_text(encoding="utf-8")
    for page in site.rglob("*.html"):
        found = _REMOTE_ASSET.search(page.read_text(encoding="utf-8"))
        assert not found, f"{page.relative_to(site)} loads {found.group()!r} from the network"
