"""A service stack for the black-box suites (Tests/api, Tests/web): graph-sim and serve over one data
directory in a temp dir."""

from __future__ import annotations

import shutil
from pathlib import Path

from contract import Api, Contract
from harness import FIXTURES, GraphSim, Serve, free_port


class Stack:
    """graph-sim and serve over one data directory; `stop_serve()` then `start()` restarts serve over the
    same data and simulator."""

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
