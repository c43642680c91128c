"""Fixtures of the black-box suite: the contract, and a service stack (graph-sim + serve) in a temp dir."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from contract import Api, Contract  # noqa: E402
from harness import BINARY, FIXTURES, GraphSim, Serve, free_port  # noqa: E402


def pytest_sessionstart(session):
    if not BINARY.exists():
        raise pytest.UsageError(f"{BINARY} does not exist: run `swift build` first (or set CLICKUNLOCK_BINARY)")


@pytest.fixture(scope="session")
def contract() -> Contract:
    return Contract()


class Stack:
    """graph-sim and serve over one data directory; `restart()` keeps the data and the simulator."""

    def __init__(self, workdir: Path, contract: Contract, sim_args: list[str], serve_args: list[str],
                 serve_env: dict[str, str] | None = None):
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.data_dir.mkdir(exist_ok=True)
        # The default content pack (`DefaultManifest`): 3 images and 3 texts for `unlock:{date}`.
        shutil.copy(FIXTURES / "content.yaml", self.data_dir / "content.yaml")
        self.contract = contract
        self.serve_args = serve_args
        self.serve_env = serve_env or {}
        self.webhook_port = free_port()
        self.sim = GraphSim(workdir, self.webhook_port, sim_args)
        self.serve: Serve | None = None
        self.starts = 0
        try:
            self.start()
        except BaseException:
            self.sim.stop()
            raise

    def start(self) -> None:
        self.starts += 1
        self.serve = Serve(self.workdir, self.data_dir, self.webhook_port, self.sim, self.serve_args,
                           self.serve_env, name=f"serve-{self.starts}")
        self.api = Api(self.serve.api_url, self.contract)

    def stop_serve(self) -> int:
        status = self.serve.stop() if self.serve else 0
        self.serve = None
        return status

    def close(self) -> None:
        try:
            self.stop_serve()
        finally:
            self.sim.stop()


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
