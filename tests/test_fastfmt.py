"""The fast formatter (witgen/pyview/fastfmt/) gives exactly black's output.

Differential: the unformatted output of the generators (every golden input and example, the
wasi:http `proxy` world, small dense random worlds, a seeded slice of wit-smith) formatted by
`fast_format` and by black must be byte-identical. The whole corpus (large dense worlds, the
e2e components, every WASI 0.2.12 and 0.3.0 world, more wit-smith seeds) is the long version,
outside the suite: `python -m tests.fastfmt_corpus --wasi-0.3 --smith 30` (a few minutes) prints
the diffs and exits non-zero on any.

Unit: hand-written snippets with what black rewrites (long signatures, nested brackets, magic
trailing commas, decorators, comments, docstrings, quotes, ...); for the constructs the fast
path doesn't handle, the fallback to black must be taken.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

import black
import pytest

from tests import fastfmt_corpus as corpus
from witgen.pyview import fastfmt
from witgen.pyview.render import format_source
from witgen.resolve import load


def black_reference(source: str) -> str:
    return black.format_str(source, mode=black.Mode(line_length=110))


def assert_same(items: Iterable[tuple[str, str]]) -> None:
    distinct = {source: name for name, source in items}  # worlds share many modules
    assert distinct, "no generated sources: the corpus is missing"
    bad = [
        name for source, name in distinct.items() if fastfmt.fast_format(source) != black_reference(source)
    ]
    assert not bad, f"fast_format differs from black on: {bad} (run python -m tests.fastfmt_corpus for diffs)"


def test_goldens_and_examples() -> None:
    assert_same(corpus.golden_sources())


def test_wasi_http_proxy() -> None:
    """The world issue 17 times: host bindings and guest stubs."""
    items = list(corpus.sources(load(corpus.CORPUS / "wasi" / "0.2.12" / "http"), "proxy", "proxy"))
    assert any(name == "proxy:imports/types.py" for name, _ in items)
    assert_same(items)


def test_dense_random_world() -> None:
    """Hundreds of functions over deeply nested types: long signatures and codec tables."""
    assert_same(corpus.dense_sources(range(2), types=10, functions=10))


def test_wit_smith_slice() -> None:
    assert_same(corpus.smith_sources(range(4)))


def fast_and_fallbacks(source: str) -> tuple[str, int]:
    before = fastfmt.STATS.black + fastfmt.STATS.whole_module_black
    out = fastfmt.fast_format(source)
    return out, fastfmt.STATS.black + fastfmt.STATS.whole_module_black - before


LONG = "x" * 60

# Snippets the fast path formats itself (checked against black, and that black wasn't asked).
FAST = {
    "spacing and quotes": "x = f( a,b )[ 1 ]\ny = {'a':1, 'b' : -2}\nz = a if b else c\n",
    "magic trailing comma": "__all__ = ['A', 'B', ]\nT = Union[A, B, ]\nf(a, b,)\n",
    "one-tuple and subscript commas are not magic": "x = (a,)\ny = T[a,]\nf((p,), q)\n",
    "a lone tuple or generator in a list keeps its parentheses": "x = [('when', _I)]\ny = [(a for a in b)]\nz = [()]\n",
    "long call": f"rt.define_func(_interface, '{LONG}', [('a', _rt.U32), ('b', _rt.S64)], None, cabi={LONG})\n",
    "long assignment": f"_X: list[tuple[str, int]] = [('{LONG}', 1), ('{LONG}', 2)]\n",
    "explode a tuple value": f"pack, mv = raw.pack_{LONG}, raw.mv_{LONG}, raw.more\n",
    "nested long elements": "_S = {\n    'k': ('"
    + LONG
    + "', ["
    + ", ".join(f"('n{i}', Codec('{LONG}', True))" for i in range(3))
    + "], None),\n}\n",
    "one-line compound statements": "def f(x):\n    if x < 0: g()\n    else: raise bad\n    return x\n",
    "slices": "m[p1:p1 + len(s)] = s\ny = a[1:2]\nz = a[-1:]\n",
    "one-tuple target": "l1, = st.unpack_from(m, r + 4)\n",
    "redundant parentheses": "c = (a & 0xFF)\nd = (a & b) & c\ne = (((r & 255) ^ 128) - 128)\n",
    "docstrings": 'def f():\n    """Doc.\n\nMore   \n  indented\n"""\n\n\n\nclass A:\n\n    """C."""\n    x: int\n    """Attribute\ndoc."""\n    def g(self):\n        pass\n',
    "blank lines": "import os\nx = 1\n\n\n\n\ndef f():\n\n    pass\n# comment\n@dec\ndef g():\n    pass\nclass C:\n    pass\ny = 2\n",
    "long def": f"def f(self, component: Component, engine: Engine | None = None, store: Store | None = None, a: int = {LONG}) -> None:\n    pass\n",
    "unsplittable long lines": f"x = '{LONG}{LONG}'\nf(a)['{LONG}{LONG}']\n",
    "long string statement": f'x: int\n"""{LONG}{LONG}"""\n',
    "varargs split after a future import": f"from __future__ import annotations\nf(*args, {LONG}, {LONG})\n",
    "relative imports": "from ...imports import shapes as _api\nfrom . import x\nfrom .. import y\nfrom .a.b import c\n",
    "long raise": 'try:\n    import x\nexcept ImportError as e:\n    raise ImportError(f"{__name__} '
    + LONG
    + " "
    + LONG
    + '") from e\n',
    "long conditions": "def f(x):\n    if type(x.aaaaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbb) is not tuple or len(x.aaaaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbb) != 8:\n        raise bad\n    while a and b and cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc:\n        pass\n    y = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa or bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n",
    "return": f"def f():\n    return g('{LONG}', '{LONG}', [1, 2, 3])\n",
}

# Snippets outside the fast path: black formats their chunk (the result still has to match).
FALLBACK = {
    "comment inside brackets": "x = [\n    1,  # one\n    2,\n]\n",
    "lambda": "f = lambda a: a + 1\n",
    "parenthesised lone list item": "x1 = [(((c0 & 255) ^ 128) - 128)]\n",
    "comprehension split": f"x = [{LONG} for {LONG} in range(10) if {LONG}]\n",
    "operators split": f"x = {LONG} + {LONG} * 2\n",
    "string with escapes": "x = 'it\\'s'\n",
    "power operator": "x = a ** 2\n",
    "stub def": "class P(Protocol):\n    def f(self) -> int: ...\n",
    "dummy implementation": "class P(Protocol):\n    def f(self) -> int:\n        ...\n",
    "parenthesised condition": "if (x):\n    pass\n",
    "chained assignment": "a = b = 1\n",
    "long dotted name in optional parentheses": f"x = a.b.c.{LONG}.{LONG}\n",
    "doubled parentheses": "a = ((b))\n",
    "semicolon": "a = 1; b = 2\n",
    "varargs split without a future import": f"f(*args, {LONG}, {LONG})\n",
    "odd number": "x = 0XFF\n",
    "async": "x = 1\nasync def f():\n    await g()\n",
}


@pytest.mark.parametrize("name", sorted(FAST))
def test_fast_path_matches_black(name: str) -> None:
    source = FAST[name]
    out, fallbacks = fast_and_fallbacks(source)
    assert out == black_reference(source)
    assert fallbacks == 0, f"{name}: the fast path should handle this"


@pytest.mark.parametrize("name", sorted(FALLBACK))
def test_fallback_matches_black(name: str) -> None:
    source = FALLBACK[name]
    if "future" not in name:
        source = "from __future__ import annotations\n\n" + source
    out, fallbacks = fast_and_fallbacks(source)
    assert out == black_reference(source)
    assert fallbacks >= 1, f"{name}: black should have formatted this"


def test_fallback_chunk_keeps_module_context() -> None:
    """A chunk black formats alone sits between fast chunks with the module's blank lines."""
    source = (
        '"""Module."""\nfrom __future__ import annotations\nimport os\n'
        "x = lambda: 1\ndef f():\n    return 1\n# c\ny = lambda: 2\nclass C:\n    z = lambda: 3\n"
    )
    out, fallbacks = fast_and_fallbacks(source)
    assert fallbacks == 3
    assert out == black_reference(source)


def test_fallback_chunk_uses_the_module_target_versions() -> None:
    """Without a py3.5+ feature black adds no comma after `*args` when it splits a call; an
    f-string elsewhere in the module changes that, also for a chunk black formats alone."""
    call = f"f(*args, {LONG}, {LONG})\n"
    for source in (call + "x = lambda: 1\n", "y = f'{z}'\n" + call + "x = lambda: 1\n"):
        out, fallbacks = fast_and_fallbacks(source)
        assert fallbacks >= 1
        assert out == black_reference(source)
    assert black_reference("y = f'{z}'\n" + call) != "y = f'{z}'\n" + black_reference(call)


def test_invalid_python_is_reported_by_black() -> None:
    with pytest.raises(RuntimeError, match="generated x.py is not valid Python: cannot parse"):
        format_source("from __future__ import annotations\nx = lambda: (\n", "x.py")


def test_witgen_format_black_forces_black(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WITGEN_FORMAT", "black")
    stats = (fastfmt.STATS.fast, fastfmt.STATS.black)
    assert fastfmt.fast_format("x = f( 1 )\n") == "x = f(1)\n"
    assert (fastfmt.STATS.fast, fastfmt.STATS.black) == stats


STATEMENTS = [
    "x = 1",
    "import os",
    "from a import b",
    "# comment",
    "@dec",
    "def f(self):",
    "class C:",
    "class D(Base):",
    "if x:",
    "else:",
    "for a in b:",
    "try:",
    "except E:",
    "return y",
    "pass",
    '"""Doc."""',
    '"""Multi\nline\n  doc."""',
    "y: int = 2",
    "z = f(a, b)",
    "raise X",
    "while a:",
    "with a as b:",
    "del x",
    "assert x, 'm'",
    "...",
    "@property",
    "async def g():",
    "def k(): ...",
    "class E: pass",
    "'single'",
    "w = [1, 2,]",
]


def random_module(rng: random.Random) -> str:
    """Statements at random depths with random blank lines: black's blank-line rules."""
    lines: list[str] = []
    depth = 0
    need_body = False
    for _ in range(rng.randint(2, 14)):
        statement = rng.choice(STATEMENTS)
        if need_body:
            depth += 1
        elif depth and rng.random() < 0.3:
            depth = rng.randint(0, depth)
        lines.extend([""] * rng.choice([0, 0, 0, 1, 1, 2, 3]))
        lines.append("    " * depth + statement.replace("\n", "\n" + "    " * depth))
        need_body = statement.endswith(":")
        if statement.startswith("@"):
            lines.append("    " * depth + "def h():")
            need_body = True
    if need_body:
        lines.append("    " * (depth + 1) + "pass")
    return "\n".join(lines) + "\n"


def test_random_statement_sequences() -> None:
    checked = 0
    for seed in range(600):
        source = random_module(random.Random(seed))
        try:
            reference = black_reference(source)
        except black.parsing.InvalidInput:
            continue  # e.g. an `else:` with no `if`
        assert fastfmt.fast_format(source) == reference, f"seed {seed}:\n{source}"
        checked += 1
    assert checked > 250
