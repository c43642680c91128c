"""The deploy suite reuses the API suite's harness (child processes, the simulator, made-up secrets)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from harness import BINARY  # noqa: E402


def pytest_sessionstart(session):
    if not BINARY.exists():
        raise pytest.UsageError(f"{BINARY} does not exist: run `swift build` first (or set CLICKUNLOCK_BINARY)")
