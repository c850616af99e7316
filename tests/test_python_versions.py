"""The oldest Python the package says it supports runs it, with the same output."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, SEEDS

OLDEST = "3.10"


def oldest_python() -> str | None:
    """An interpreter of the oldest supported version that actually starts (a pyenv shim of
    a version not selected exits 127).
    """
    pattern = f"~/.pyenv/versions/{OLDEST}.*/bin/python{OLDEST}"
    candidates = [*sorted(glob.glob(os.path.expanduser(pattern)), reverse=True),
                  shutil.which(f"python{OLDEST}")]
    for candidate in filter(None, candidates):
        started = subprocess.run([candidate, "--version"], capture_output=True, text=True)
        if started.returncode == 0 and OLDEST in started.stdout:
            return candidate
    return None


@pytest.mark.slow
@pytest.mark.skipif(oldest_python() is None, reason=f"no python{OLDEST} on this machine")
def test_the_oldest_supported_python_installs_and_cleans_the_same(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([oldest_python(), "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(ROOT)],
                         capture_output=True, text=True)
    if pip.returncode != 0:
        pytest.skip(f"the package's dependencies could not be installed for {OLDEST}: "
                    f"{pip.stderr.strip().splitlines()[-1:]}")
    outputs = {}
    for name, python in (("oldest", str(venv / "bin" / "python")), ("this", sys.executable)):
        out = tmp_path / f"{name}.jsonl"
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        # One 'added' time for both, so the outputs compare byte for byte.
        subprocess.run([python, "-m", "newsclean", "run", "-q", str(SEEDS), "-o", str(out),
                        "--added", "2025-01-01"],
                       check=True, cwd=tmp_path, env=env if name == "oldest" else None)
        outputs[name] = out.read_bytes()
    assert outputs["oldest"] == outputs["this"]
