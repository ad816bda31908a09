"""The fast parser (pre-generated LALR tables, own lexer) agrees with lark.

``parse_file`` tries the fast path and falls back to lark on any error, so the
fast path must never accept input differently from lark: same AST, or give up.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS

from witgen.errors import SourceFile, WitError
from witgen.parser import parser
from witgen.parser.lexical import scan
from witgen.parser.tables import GENERATED_PATH, GRAMMAR_PATH, build, grammar_checksum, render

ROOT = Path(__file__).resolve().parents[1]


def wit_files() -> list[Path]:
    return (
        sorted(CORPUS.rglob("*.wit"))
        + sorted((ROOT / "tests").rglob("*.wit"))
        + sorted(ROOT.glob("examples/*.wit"))
    )


def outcome(fn: object, source: SourceFile) -> object:
    try:
        return fn(source)  # type: ignore[operator]
    except WitError as exc:
        return ("error", exc.render())


def test_tables_match_grammar() -> None:
    """wit.tables.json is what `python -m witgen.parser.tables` makes of wit.lark."""
    checksum = grammar_checksum(GRAMMAR_PATH.read_text())
    data = json.loads(GENERATED_PATH.read_text())
    assert data["checksum"] == checksum, "wit.tables.json is stale: run `python -m witgen.parser.tables`"
    assert GENERATED_PATH.read_text() == render(build(parser.lark_parser()[0], checksum))
    assert parser.fast_parser() is not None


def test_fast_path_matches_lark_on_corpus() -> None:
    checked = 0
    for path in wit_files():
        source = SourceFile(str(path), path.read_text(errors="replace"))
        try:
            expected = parser._parse_lark(source)
        except WitError:
            continue
        assert parser.parse_fast(source) == expected, path
        checked += 1
    assert checked > 200


EDGE_CASES = [
    "package a:b; interface i { f: func(); }",
    "package a:b;\n/// doc\ninterface i {\n  /** block */\n  // plain\n  type t = u8;\n}",
    "packagefoo:bar;",
    "package a:b; interface record { record record { record: record } }",
    "package a:b; interface i { type %interface = u8; type x = %interface; }",
    "package a:b; interface i { type e = error-context; type f = error-contextx; }",
    "package a:b; interface i { type l = list<u8, 4>; type k = list<u8, 1.2.3>; }",
    "package a:b; interface i { type l = list<u8, 4>; type k = list<u8, 0100>; }",
    "package a:b@1.2.3-pre+meta; interface i { @since(version = 1.0.0) f: func(); }",
    "package a:b; interface i { @unstable(feature = x) f: async func() -> stream<u8>; }",
    "package a:b; interface i { /* unterminated",
    "package a:b; interface i { type t = u8; } /",
    "package a:b; interface i { from: func(); }",
    "package a:b; interface i { f: funcx(); }",
    "package a:b; world w { import a:b/i@1.0.0; export x: func() -> result<_, u8>; }",
    "package a:b; world w { include c:d/e with { a as b, } }",
    "package a:b { interface i {} } package c:d { world w { import a:b/i; } }",
    "package a:b; interface i { resource r { constructor(); m: func(); s: static func(); } }",
    'package a:b; interface i { @external-id("x//y") f: func(); }',
    "package a:b; interface i { type t = tuple<>; }",
    "package a:b; interface i { type t = u8 }",
    "package a:b;\r\ninterface i {\r\n\t/// crlf\r\n\ttype t = u8;\r\n}\r\n",
    "",
    "   \n// only a comment\n",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_parse_file_matches_lark(text: str) -> None:
    source = SourceFile("edge.wit", text)
    scanned = scan(source)
    got = outcome(lambda s: (lambda f: (f.header, f.items))(parser.parse_file(s)), source)
    if scanned.error is not None:  # the reference's token errors: tests/test_lexical.py
        assert got[0] == "error"  # type: ignore[index]
        return
    assert got == outcome(lambda s: parser._parse_lark(s, scanned.text), source)


def test_mutated_corpus_matches_lark() -> None:
    """Random token-level edits of real files: the fast path accepts exactly what
    lark accepts, the same way, or leaves the input to lark."""
    rng = random.Random(7)
    pieces = (
        '{ } ( ) < > ; : , . / @ = -> _ % 1 1.2.3 u8 func list record use interface x - // /* */ "'.split()
    )
    pieces += [" ", "\n"]
    sources = [p for p in sorted((CORPUS / "wasi" / "0.2.12").rglob("*.wit")) if p.stat().st_size < 8000]
    for i in range(400):
        text = sources[i % len(sources)].read_text()
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(text) + 1)
            if rng.random() < 0.5:
                text = text[:at] + rng.choice(pieces) + text[at:]
            else:
                text = text[:at] + text[at + rng.randint(1, 4) :]
        source = SourceFile("mutated.wit", text)
        try:
            fast = parser.parse_fast(source)
        except Exception:
            continue
        assert fast == parser._parse_lark(source), text


def test_check_imports_stay_lean() -> None:
    """`witgen check` of valid input needs neither lark nor the code generators' dependencies."""
    code = (
        "import sys; from witgen.cli import main; code = main(['check', sys.argv[1]]); "
        "heavy = sorted(m for m in ('lark', 'jinja2', 'black', 'wasmtime') if m in sys.modules); "
        "print(code, heavy)"
    )
    path = CORPUS / "wasi" / "0.2.12" / "http"
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[0] == "0 []", out.stdout + out.stderr
