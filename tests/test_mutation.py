"""Mutated valid WIT: witgen accepts exactly what wasm-tools accepts, and rejects the rest
with its own clean error, almost always at the reference's line and column.

The mutants are seeded (the same every run) and bounded (a few seconds of wasm-tools).
"""

from __future__ import annotations

import random
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from conftest import UI, reference_message, wasm_tools

from witgen.errors import WitError
from witgen.resolve import load

SEEDS = [p.read_text() for p in sorted(UI.glob("*.wit"))]
MUTANTS = 400
PIECES = [
    "{", "}", "<", ">", ";", ",", ":", "/", "@", "(", ")", "->", "=", "%", "list<", "use ", "as ",
    "func", "interface", "world", "package ", "borrow<", "own<", "resource", "\n", "///", "/*",
    "*/", "_", "1.0.0",
    # the reference's lexical rules (issue 19, item 5)
    "\r", "\r\n", "\t", "\ufeff", "\x07", "\x0c", "\u202e", "é", "/* /* */", "9" * 25, "-",
]  # fmt: skip
LOCATION = re.compile(r"(?:--> |^error: )\S+?:(\d+):(\d+)", re.M)

# Mutants on which witgen and wasm-tools disagree about acceptance, by index, with the
# reason (none today: a new one is a bug to fix, or a reference quirk to explain here).
KNOWN_DISAGREEMENTS: dict[int, str] = {}


def mutants() -> list[str]:
    rng = random.Random(19)
    out = []
    for _ in range(MUTANTS):
        text = rng.choice(SEEDS)
        for _ in range(rng.randint(1, 3)):
            pos = rng.randint(0, len(text))
            end = min(len(text), pos + rng.randint(0, 12))
            if rng.random() < 0.85:
                piece = rng.choice(PIECES)
            else:
                piece = "".join(chr(rng.choice((rng.randint(1, 127), rng.randint(128, 0x3000)))) for _ in "ab")
            action = rng.choice(("insert", "delete", "replace"))
            if action == "insert":
                text = text[:pos] + piece + text[pos:]
            elif action == "delete":
                text = text[:pos] + text[end:]
            else:
                text = text[:pos] + piece + text[end:]
        out.append(text)
    return out


@dataclass
class Outcome:
    accepted: bool
    message: str = ""
    location: tuple[int, int] | None = None


def reference(path: Path) -> Outcome:
    out = subprocess.run([wasm_tools(), "component", "wit", "--features", "active", str(path)], capture_output=True)
    if out.returncode == 0:
        return Outcome(True)
    stderr = out.stderr.decode(errors="replace")
    m = LOCATION.search(stderr)
    return Outcome(False, reference_message(stderr), (int(m[1]), int(m[2])) if m else None)


def witgen(path: Path) -> Outcome:
    try:
        load(path, features=["active"])
    except WitError as exc:
        assert exc.render().startswith("error: ")
        span = exc.span
        return Outcome(False, exc.message.splitlines()[0], (span.line, span.column) if span else None)
    return Outcome(True)


def test_mutants_accepted_and_rejected_like_the_reference(tmp_path: Path) -> None:
    disagreements: dict[int, str] = {}
    rejected = same_location = same_message = 0
    for index, text in enumerate(mutants()):
        path = tmp_path / "mutated.wit"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        ref, got = reference(path), witgen(path)
        if ref.accepted != got.accepted:
            disagreements[index] = f"wasm-tools: {ref.message or 'accepts'}; witgen: {got.message or 'accepts'}"
        elif not ref.accepted:
            rejected += 1
            same_location += ref.location == got.location
            same_message += ref.message == got.message
    unexplained = {i: why for i, why in disagreements.items() if i not in KNOWN_DISAGREEMENTS}
    assert not unexplained, unexplained
    assert rejected > MUTANTS // 2
    # Where both reject: measured 99% same place and message; a drop is a regression.
    assert same_location >= 0.97 * rejected, (same_location, rejected)
    assert same_message >= 0.95 * rejected, (same_message, rejected)
