"""The code stays in the shape the project agreed on: ruff's lint rules and formatting."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True)


def test_the_code_passes_the_linter():
    result = run_ruff("check", ".")
    assert result.returncode == 0, result.stdout


def test_the_code_is_formatted():
    result = run_ruff("format", "--check", ".")
    assert result.returncode == 0, result.stdout
