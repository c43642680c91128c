#!/usr/bin/env python3
"""Checks that every target of Package.swift declares exactly the modules its sources import.

For each target: the set of `import X` in its Swift files (any attribute or access level,
`import struct X.Y` and submodules `X.Y` count as `X`; toolchain modules such as Foundation are
left out) against its declared dependencies (targets by name, products by product name).
Reported:
  - imported but not declared: it builds only because another dependency drags it in;
  - declared but not imported: a dependency nothing uses (unless listed in LINK_ONLY below).
Exit 0 when every target matches, 1 when any does not, 2 when the manifest cannot be read.

Usage: scripts/check-deps.py [package directory, default: the repository root]
Reads the manifest with `swift package dump-package` (about a second, no build, no network).
"""
import json
import os
import re
import subprocess
import sys

# Modules of the toolchain and the OS: never declared in Package.swift.
TOOLCHAIN = {
    "Foundation", "FoundationEssentials", "FoundationInternationalization", "FoundationNetworking",
    "Dispatch", "Glibc", "Musl", "Darwin", "Android", "WinSDK", "ucrt", "CoreFoundation", "os",
    "Testing", "XCTest", "Synchronization", "Observation", "Distributed", "RegexBuilder",
    "_Concurrency", "_StringProcessing", "PackageDescription",
}

# Product name -> module name, where a product's module is named otherwise (none today).
PRODUCT_MODULES: dict[str, str] = {}

# Declared dependencies a target needs without importing them, and why.
LINK_ONLY: dict[tuple[str, str], str] = {}

IMPORT = re.compile(
    r"^\s*(?:@[\w]+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?"
    r"import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?([A-Za-z_][\w]*)"
)


def manifest(root: str) -> dict:
    try:
        out = subprocess.run(
            ["swift", "package", "dump-package"], cwd=root, check=True, capture_output=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        sys.exit(f"check-deps: cannot read Package.swift in {root} ({detail.strip()}); "
                 "run it from the package directory with `swift` on PATH")
    return json.loads(out)


def target_path(root: str, target: dict) -> str:
    if target.get("path"):
        return os.path.join(root, target["path"])
    folder = "Tests" if target["type"] == "test" else "Sources"
    return os.path.join(root, folder, target["name"])


def imports(directory: str) -> set[str]:
    found: set[str] = set()
    for base, _, files in os.walk(directory):
        for name in files:
            if not name.endswith(".swift"):
                continue
            with open(os.path.join(base, name), encoding="utf-8") as source:
                for line in source:
                    match = IMPORT.match(line)
                    if match:
                        found.add(match.group(1))
    return found - TOOLCHAIN


def declared(target: dict) -> set[str]:
    names: set[str] = set()
    for dependency in target["dependencies"]:
        if "byName" in dependency:
            names.add(dependency["byName"][0])
        elif "target" in dependency:
            names.add(dependency["target"][0])
        elif "product" in dependency:
            product = dependency["product"][0]
            names.add(PRODUCT_MODULES.get(product, product))
    return names


def main() -> int:
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    package = manifest(root)
    problems = 0
    for target in package["targets"]:
        if target["type"] in ("system", "binary", "plugin"):
            continue
        name = target["name"]
        used = imports(target_path(root, target)) - {name}
        have = declared(target)
        missing = sorted(used - have)
        unused = sorted(module for module in have - used if (name, module) not in LINK_ONLY)
        if missing:
            problems += 1
            print(f"{name}: imports but does not declare: {', '.join(missing)} (add them to its dependencies)")
        if unused:
            problems += 1
            print(f"{name}: declares but never imports: {', '.join(unused)} (remove them from its dependencies)")
    if problems:
        print(f"check-deps: {problems} mismatch(es) in Package.swift")
        return 1
    print(f"check-deps: the dependencies of {len(package['targets'])} targets match their imports")
    return 0


if __name__ == "__main__":
    sys.exit(main())
