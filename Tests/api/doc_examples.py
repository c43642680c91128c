"""The runnable examples of a Markdown document (docs/integration.md), and how their answers are compared with
the samples the document shows.

The convention, as the document states it for its readers:

- An example is a fenced block tagged `sh` that contains `curl`. It is run as written by `bash`, with `API`,
  `TOKEN` (and `WS_PORT`, the feed's port) in the environment, in an empty directory.
- The line just before the block may be an HTML comment `<!-- doc-test: KEY=VALUE; KEY=VALUE -->`:
  `status=N` (the last request's HTTP status; without it, any 2xx), `exit=N` (bash's exit status; without it,
  0), `exact` (the output must equal the sample, line for line), `skip=REASON` (not run, with that reason).
- The example's sample answer is the first fenced block after it tagged `json`, `http`, `csv` or `text`, before
  the next example or heading. `json`: the answer has the same keys, recursively (arrays by their first item;
  the free-form `data` of an event and `failures` of a send are not compared). `http` (what `curl -i` prints):
  the same status line, every header the sample shows, and a JSON body's keys. `csv`: the same header row.
  `text`: every line of the sample is a line of the answer once digits are masked (`data: {...}` lines of a
  feed compared by their frame's type and keys), or equal with `exact`.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_KINDS = ("json", "http", "csv", "text")
FREE_FORM = {"data", "failures"}
STATUS_MARK = "doc-test-status: "
# Every curl of an example reports its status on stderr, so that the example's own stdout stays as written
# (an example that sets its own --write-out replaces this one: then only its output is compared).
PRELUDE = "curl() { command curl --write-out '%{stderr}" + STATUS_MARK + "%{http_code}\\n' \"$@\"; }\n"


@dataclass
class Example:
    line: int
    script: str
    options: dict[str, str] = field(default_factory=dict)
    sample_kind: str | None = None
    sample: str | None = None

    @property
    def name(self) -> str:
        first = next(line for line in self.script.splitlines() if "curl" in line)
        return f"line {self.line}: {first.strip()[:70]}"


@dataclass
class Outcome:
    exit_status: int
    statuses: list[int]
    stdout: str
    stderr: str


def parse(path: Path) -> list[Example]:
    lines = path.read_text().splitlines()
    examples: list[Example] = []
    waiting: Example | None = None  # the last example, until its sample or the next example or heading
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("#") and not line.startswith("#!"):
            waiting = None
        fence = re.match(r"^(```+)\s*([\w-]*)", line)
        if not fence:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and not lines[end].startswith(fence.group(1)):
            end += 1
        body = "\n".join(lines[index + 1:end])
        kind = fence.group(2)
        if kind == "sh" and "curl" in body:
            waiting = Example(line=index + 1, script=body, options=_options(lines, index))
            examples.append(waiting)
        elif waiting is not None and kind in SAMPLE_KINDS:
            waiting.sample_kind, waiting.sample = kind, body
            waiting = None
        index = end + 1
    return examples


def _options(lines: list[str], fence_index: int) -> dict[str, str]:
    before = fence_index - 1
    while before >= 0 and not lines[before].strip():
        before -= 1
    found = re.fullmatch(r"\s*<!--\s*doc-test:\s*(.*?)\s*-->\s*", lines[before]) if before >= 0 else None
    options: dict[str, str] = {}
    for part in (found.group(1).split(";") if found else []):
        key, _, value = part.strip().partition("=")
        if key:
            options[key.strip()] = value.strip()
    return options


def run(example: Example, environment: dict[str, str], workdir: Path, timeout: float = 20) -> Outcome:
    result = subprocess.run(["bash", "-c", PRELUDE + example.script], cwd=workdir, env=environment,
                            capture_output=True, text=True, timeout=timeout)
    statuses, stderr = [], []
    for line in result.stderr.splitlines():
        if line.startswith(STATUS_MARK):
            statuses.append(int(line[len(STATUS_MARK):]))
        else:
            stderr.append(line)
    return Outcome(result.returncode, statuses, result.stdout, "\n".join(stderr))


def check(example: Example, outcome: Outcome) -> None:
    """Raises AssertionError when the outcome is not what the document says."""
    where = example.name
    options = example.options
    expected_exit = int(options.get("exit", "0"))
    assert outcome.exit_status == expected_exit, \
        f"{where}: exit {outcome.exit_status}, expected {expected_exit}\nstderr: {outcome.stderr[-800:]}"
    if outcome.statuses:
        last = outcome.statuses[-1]
        if "status" in options:
            assert last == int(options["status"]), f"{where}: HTTP {last}, the doc says {options['status']}"
        else:
            assert 200 <= last < 300, f"{where}: HTTP {last}\n{outcome.stdout[:800]}"
        for earlier in outcome.statuses[:-1]:
            assert 200 <= earlier < 400, f"{where}: an earlier request answered {earlier}"
    else:
        assert example.sample is not None, f"{where}: an example that reports no status needs a sample to compare"
    if example.sample is None:
        return
    compare(example.sample_kind, example.sample, outcome.stdout, where, exact="exact" in options)


def compare(kind: str, sample: str, answer: str, where: str, exact: bool = False) -> None:
    if exact:
        assert answer.strip().splitlines() == sample.strip().splitlines(), \
            f"{where}: the output differs from the doc's\n--- doc\n{sample}\n--- server\n{answer[:1500]}"
        return
    if kind == "json":
        same_keys(_json(sample, where + " (the doc's sample)"), _json(answer, where), where)
    elif kind == "http":
        _compare_http(sample, answer, where)
    elif kind == "csv":
        want, got = sample.strip().splitlines()[0], answer.strip().splitlines()[0] if answer.strip() else ""
        assert got == want, f"{where}: CSV header {got!r}, the doc shows {want!r}"
    else:
        shapes = {_shape(line) for line in answer.splitlines()}
        for line in sample.splitlines():
            if line.strip() and line.strip() != "...":
                assert _shape(line) in shapes, f"{where}: no line like {line!r} in the answer:\n{answer[:1500]}"


def same_keys(sample, answer, where: str, path: str = "$") -> None:
    if isinstance(sample, dict) and isinstance(answer, dict):
        assert set(sample) == set(answer), \
            f"{where}: at {path} the doc shows keys {sorted(sample)}, the server answered {sorted(answer)}"
        for key in sample:
            if key not in FREE_FORM:
                same_keys(sample[key], answer[key], where, f"{path}.{key}")
    elif isinstance(sample, list) and isinstance(answer, list) and sample and answer:
        same_keys(sample[0], answer[0], where, f"{path}[0]")


def _json(text: str, where: str):
    try:
        return json.loads(text)
    except ValueError as error:
        raise AssertionError(f"{where}: not JSON ({error}): {text[:300]}") from None


def _compare_http(sample: str, answer: str, where: str) -> None:
    sample_head, _, sample_body = sample.strip().partition("\n\n")
    answer = answer.replace("\r\n", "\n")
    answer_head, _, answer_body = answer.partition("\n\n")
    want_status, *want_headers = sample_head.splitlines()
    got_status, *got_headers = answer_head.splitlines()
    assert got_status.strip() == want_status.strip(), f"{where}: {got_status!r}, the doc shows {want_status!r}"
    names = {line.split(":", 1)[0].strip().lower() for line in got_headers}
    for line in want_headers:
        name = line.split(":", 1)[0].strip()
        assert name.lower() in names, f"{where}: no {name} header in the answer:\n{answer_head}"
    if sample_body.strip().startswith("{"):
        same_keys(_json(sample_body, where + " (the doc's sample)"), _json(answer_body, where), where)


def _shape(line: str) -> str:
    """A line with its digits masked; a feed's `data: {...}` line as its frame's type and keys."""
    line = line.rstrip("\r")
    if line.startswith("data: {"):
        try:
            frame = json.loads(line[len("data: "):])
        except ValueError:
            return line
        return "data: " + json.dumps({"type": frame.get("type"), "keys": _keys(frame)}, sort_keys=True)
    return re.sub(r"[0-9]+", "0", line.strip())


def _keys(value):
    if isinstance(value, dict):
        return {key: (None if key in FREE_FORM else _keys(item)) for key, item in value.items()}
    if isinstance(value, list) and value:
        return [_keys(value[0])]
    return None
