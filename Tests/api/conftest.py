"""Fixtures of the black-box suite: the contract, and a service stack (graph-sim + serve) in a temp dir."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from contract import Contract  # noqa: E402
from harness import BINARY  # noqa: E402
from stack import Stack  # noqa: E402


def pytest_sessionstart(session):
    if not BINARY.exists():
        raise pytest.UsageError(f"{BINARY} does not exist: run `swift build` first (or set CLICKUNLOCK_BINARY)")


@pytest.fixture(scope="session")
def contract() -> Contract:
    return Contract()


@pytest.fixture(scope="module")
def make_stack(tmp_path_factory, contract):
    stacks: list[Stack] = []

    def make(name: str, sim_args: list[str] | None = None, serve_args: list[str] | None = None,
             serve_env: dict[str, str] | None = None) -> Stack:
        stack = Stack(tmp_path_factory.mktemp(name), contract, sim_args or [], serve_args or [], serve_env)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.close()
