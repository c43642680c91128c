"""The blocks of docs/deploy.md and what the test does with each (the convention is at the end of the page).

Every fenced `sh` block has, on the line before it, `<!-- deploy-test: ACTION; KEY=VALUE; ... -->`:
`run` (run by bash as written), `build` (what it builds, the test has: the binary under test), `skip=REASON`
(not run). Options of `run`: `expect=TEXT` (in its output), `retry=SECONDS` (run again until TEXT is there),
`input=secrets` (the suite's made-up secrets on standard input)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

MARK = re.compile(r"^<!--\s*deploy-test:\s*(.*?)\s*-->\s*$")


@dataclass
class Block:
    line: int
    script: str
    action: str | None
    options: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        first = next((line for line in self.script.splitlines() if line.strip()), "")
        return f"line {self.line}: {first.strip()[:60]}"


def parse(path: Path) -> list[Block]:
    lines = path.read_text().splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        fence = re.match(r"^(```+)\s*([\w-]*)\s*$", lines[index])
        if not fence:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end] != fence.group(1):
            end += 1
        if fence.group(2) == "sh":
            mark = MARK.match(lines[index - 1]) if index > 0 else None
            action, options = None, {}
            if mark:
                parts = [part.strip() for part in mark.group(1).split(";") if part.strip()]
                for part in parts:
                    key, _, value = part.partition("=")
                    options[key.strip()] = value
                action = next((key for key in ("run", "build", "skip") if key in options), None)
            blocks.append(Block(index + 1, "\n".join(lines[index + 1:end]), action, options))
        index = end + 1
    return blocks


def localize(text: str, prefix: Path, ports: dict[str, str]) -> str:
    """The paths the page installs into (/etc, /usr/local, /var/lib) moved under `prefix`; ports mapped."""
    text = re.sub(r"(?<![\w.$/-])/(etc|usr/local|var/lib)(?=/|\b)", lambda m: f"{prefix}/{m.group(1)}", text)
    for old, new in ports.items():
        text = re.sub(rf"\b{old}\b", new, text)
    return text
