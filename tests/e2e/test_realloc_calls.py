"""`realloc` as CanonicalABI.md calls it, on both engines: once for every string or list
stored, zero bytes included, with the exact (old, old size, alignment, new size) sequence of the
spec's transcoding, and its pointer checked for alignment and bounds each time (a pointer past
the end traps even for zero bytes). Checked on each path a value takes into a memory: fused
adapters between two components (every pair of string encodings), the host lowering arguments,
and the host lowering an import's result. (The spec suite's values/realloc.wast asks the same.)

The receiving core module logs each `realloc` call and bump-allocates (copying on growth); its
`log()` returns the calls as flat (old, old_size, align, new_size) quadruples and forgets them.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import wasmtime

from witgen.runtime.cabi import fastcall
from witgen.runtime.errors import Trap

from .conftest import bindings_from_wat

ENGINES = ("wasmtime", "cabi", "cabi-ctypes")
"""`cabi-ctypes`: the cabi engine with its compiled helper (`_wire`: memory views and `realloc`
calls in C) turned off, so each test also covers the plain path beside the fast one."""
ENCODINGS = ("utf8", "utf16", "latin1+utf16")
BAD_END = 0xFFFFFFFC  # 4-aligned, so only the bounds check trips
ODD = 0xFFFFFFFF

BUMP = """(local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $al) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $al))))
    (global.set $heap (i32.add (local.get $p) (local.get $ns)))
    (if (local.get $old)
      (then (memory.copy (local.get $p) (local.get $old)
              (select (local.get $os) (local.get $ns) (i32.lt_u (local.get $os) (local.get $ns))))))
    (local.get $p)"""
"""The tail of every `realloc` here: bump-allocate `$ns` bytes aligned to `$al` from `$heap`
(into local `$p`, returned), copying the old bytes when it grows."""

LOGGING_MODULE = """(core module $Logging
  (memory (export "mem") 1)
  (global $heap (mut i32) (i32.const 4096))
  (global $n (mut i32) (i32.const 0))
  (global $bad (mut i32) (i32.const 0))
  (func $log (param $i i32) (param $v i32)
    (i32.store (i32.add (i32.const 1024) (i32.shl (i32.add (i32.shl (global.get $n) (i32.const 2)) (local.get $i)) (i32.const 2))) (local.get $v)))
  (func (export "realloc") (param $old i32) (param $os i32) (param $al i32) (param $ns i32) (result i32)
    (local $p i32)
    (call $log (i32.const 0) (local.get $old))
    (call $log (i32.const 1) (local.get $os))
    (call $log (i32.const 2) (local.get $al))
    (call $log (i32.const 3) (local.get $ns))
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (if (global.get $bad) (then (return (global.get $bad))))
    {bump})
  (func (export "take-string") (param i32 i32) (result i32)
    (i32.store (i32.const 2048) (local.get 0))
    (i32.store (i32.const 2052) (local.get 1))
    (i32.const 2048))
  (func (export "take-list") (param i32 i32) (result i32) (local.get 1))
  (func (export "log") (result i32)
    (i32.store (i32.const 2056) (i32.const 1024))
    (i32.store (i32.const 2060) (i32.shl (global.get $n) (i32.const 2)))
    (global.set $n (i32.const 0))
    (i32.const 2056))
  (func (export "set-bad") (param i32) (global.set $bad (local.get 0))))""".replace("{bump}", BUMP)
"""The core module whose `realloc` logs each call (and can be told by `set-bad` to return a bad
pointer); its `take-*` hand back what they were passed, `log` the calls so far."""

FUSED_WAT = """
(component
  (component $C
    {logging}
    (core instance $cm (instantiate $Logging))
    (func (export "take-string") (param "s" string) (result string)
      (canon lift (core func $cm "take-string") (memory (core memory $cm "mem")) (realloc (core func $cm "realloc")) string-encoding={dst}))
    (func (export "take-bytes") (param "a" (list u8)) (result u32)
      (canon lift (core func $cm "take-list") (memory (core memory $cm "mem")) (realloc (core func $cm "realloc"))))
    (func (export "take-u32s") (param "a" (list u32)) (result u32)
      (canon lift (core func $cm "take-list") (memory (core memory $cm "mem")) (realloc (core func $cm "realloc"))))
    (func (export "take-strings") (param "a" (list string)) (result u32)
      (canon lift (core func $cm "take-list") (memory (core memory $cm "mem")) (realloc (core func $cm "realloc")) string-encoding={dst}))
    (func (export "log") (result (list u32))
      (canon lift (core func $cm "log") (memory (core memory $cm "mem"))))
    (func (export "set-bad") (param "p" u32) (canon lift (core func $cm "set-bad"))))
  (component $D
    (import "take-string" (func $ts (param "s" string) (result string)))
    (import "take-bytes" (func $tb (param "a" (list u8)) (result u32)))
    (import "take-u32s" (func $tu (param "a" (list u32)) (result u32)))
    (import "take-strings" (func $tss (param "a" (list string)) (result u32)))
    (core module $Mem
      (memory (export "mem") 1)
      (global $heap (mut i32) (i32.const 4096))
      (func (export "realloc") (param $old i32) (param $os i32) (param $al i32) (param $ns i32) (result i32)
        (local $p i32)
        {bump}))
    (core instance $mem (instantiate $Mem))
    (core func $ts' (canon lower (func $ts) (memory (core memory $mem "mem")) (realloc (core func $mem "realloc")) string-encoding={src}))
    (core func $tb' (canon lower (func $tb) (memory (core memory $mem "mem"))))
    (core func $tu' (canon lower (func $tu) (memory (core memory $mem "mem"))))
    (core func $tss' (canon lower (func $tss) (memory (core memory $mem "mem")) string-encoding={src}))
    (core module $DM
      (import "" "ts" (func $ts (param i32 i32 i32)))
      (import "" "tb" (func $tb (param i32 i32) (result i32)))
      (import "" "tu" (func $tu (param i32 i32) (result i32)))
      (import "" "tss" (func $tss (param i32 i32) (result i32)))
      (func (export "pass-string") (param i32 i32) (result i32)
        (call $ts (local.get 0) (local.get 1) (i32.const 1024)) (i32.const 1024))
      (func (export "pass-list") (param i32 i32) (result i32)
        (call $tb (local.get 0) (local.get 1)))
      (func (export "pass-u32s") (param i32 i32) (result i32)
        (call $tu (local.get 0) (local.get 1)))
      (func (export "pass-strings") (param i32 i32) (result i32)
        (call $tss (local.get 0) (local.get 1))))
    (core instance $dm (instantiate $DM (with "" (instance
      (export "ts" (func $ts')) (export "tb" (func $tb')) (export "tu" (func $tu')) (export "tss" (func $tss'))))))
    (func (export "pass-string") (param "s" string) (result string)
      (canon lift (core func $dm "pass-string") (memory (core memory $mem "mem")) (realloc (core func $mem "realloc")) string-encoding={src}))
    (func (export "pass-bytes") (param "a" (list u8)) (result u32)
      (canon lift (core func $dm "pass-list") (memory (core memory $mem "mem")) (realloc (core func $mem "realloc"))))
    (func (export "pass-u32s") (param "a" (list u32)) (result u32)
      (canon lift (core func $dm "pass-u32s") (memory (core memory $mem "mem")) (realloc (core func $mem "realloc"))))
    (func (export "pass-strings") (param "a" (list string)) (result u32)
      (canon lift (core func $dm "pass-strings") (memory (core memory $mem "mem")) (realloc (core func $mem "realloc")) string-encoding={src})))
  (instance $c (instantiate $C))
  (instance $d (instantiate $D (with "take-string" (func $c "take-string")) (with "take-bytes" (func $c "take-bytes"))
     (with "take-u32s" (func $c "take-u32s")) (with "take-strings" (func $c "take-strings"))))
  (func (export "pass-string") (alias export $d "pass-string"))
  (func (export "pass-bytes") (alias export $d "pass-bytes"))
  (func (export "pass-u32s") (alias export $d "pass-u32s"))
  (func (export "pass-strings") (alias export $d "pass-strings"))
  (func (export "log") (alias export $c "log"))
  (func (export "set-bad") (alias export $c "set-bad"))
)
""".replace("{logging}", LOGGING_MODULE).replace("{bump}", BUMP)
"""`pass-*` (component D, strings in encoding {{src}}) hand their argument to `take-*` in
component C (strings in {{dst}}), whose `realloc` logs; strings come back the same way."""

HOST_WAT = """(component
  (import "get-string" (func $gs (result string)))
  (import "get-bytes" (func $gb (result (list u8))))
  {logging}
  (core instance $mem (instantiate $Logging))
  (core func $gs' (canon lower (func $gs) (memory (core memory $mem "mem")) (realloc (core func $mem "realloc"))))
  (core func $gb' (canon lower (func $gb) (memory (core memory $mem "mem")) (realloc (core func $mem "realloc"))))
  (core module $M
    (import "" "mem" (memory 1))
    (import "" "gs" (func $gs (param i32)))
    (import "" "gb" (func $gb (param i32)))
    (func (export "run-string") (result i32) (call $gs (i32.const 2048)) (i32.const 2048))
    (func (export "run-bytes") (result i32) (call $gb (i32.const 2048)) (i32.load (i32.const 2052))))
  (core instance $m (instantiate $M (with "" (instance (export "mem" (memory $mem "mem")) (export "gs" (func $gs')) (export "gb" (func $gb'))))))
  (func (export "run-string") (result string) (canon lift (core func $m "run-string") (memory (core memory $mem "mem"))))
  (func (export "run-bytes") (result u32) (canon lift (core func $m "run-bytes")))
  (func (export "take-bytes") (param "a" (list u8)) (result u32)
    (canon lift (core func $mem "take-list") (memory (core memory $mem "mem")) (realloc (core func $mem "realloc"))))
  (func (export "take-string") (param "a" string) (result u32)
    (canon lift (core func $mem "take-list") (memory (core memory $mem "mem")) (realloc (core func $mem "realloc"))))
  (func (export "log") (result (list u32)) (canon lift (core func $mem "log") (memory (core memory $mem "mem"))))
  (func (export "set-bad") (param "p" u32) (canon lift (core func $mem "set-bad")))
)
""".replace("{logging}", LOGGING_MODULE)
"""The host lowers `take-*` arguments and the results of its imports `get-string`/`get-bytes`
(called by `run-*`) into this component's memory through its logging `realloc`."""


@pytest.fixture(scope="module")
def fused(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], tuple[ModuleType, Path]]:
    """The composition for every (caller encoding, callee encoding)."""
    return {
        (src, dst): bindings_from_wat(
            tmp_path_factory,
            FUSED_WAT.format(src=src, dst=dst),
            f"witgen_realloc_fused_{ENCODINGS.index(src)}{ENCODINGS.index(dst)}",
        )
        for src in ENCODINGS
        for dst in ENCODINGS
    }


@pytest.fixture(scope="module")
def host_pkg(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, Path]:
    return bindings_from_wat(tmp_path_factory, HOST_WAT, "witgen_realloc_host")


@pytest.fixture(autouse=True)
def _plain_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("abi") == "cabi-ctypes":
        monkeypatch.setattr(fastcall, "COMPILED", False)


def _load(built: tuple[ModuleType, Path], abi: str, **kw: Any) -> Any:
    pkg, path = built
    engine = "cabi" if abi == "cabi-ctypes" else abi
    return pkg.Root.from_file(path, abi=engine, engine=wasmtime.Engine(), cache_dir=False, **kw)


def test_the_fast_path_is_built_and_used() -> None:
    """The C helper exists wherever the tests run (`pip install` builds it), so `cabi` above
    is the compiled path and `cabi-ctypes` the plain one."""
    assert fastcall.COMPILED


def _calls(log: list[int]) -> list[tuple[int, ...]]:
    return [tuple(log[i : i + 4]) for i in range(0, len(log), 4)]


# --- fused adapters ------------------------------------------------------------------------


@pytest.mark.parametrize("abi", ENGINES)
def test_fused_empty_lists_still_call_realloc(fused: Any, abi: str) -> None:
    c = _load(fused["utf8", "utf8"], abi)
    assert c.pass_bytes(b"") == 0
    assert _calls(c.log()) == [(0, 0, 1, 0)]
    assert c.pass_u32s([]) == 0
    assert _calls(c.log()) == [(0, 0, 4, 0)]
    assert c.pass_strings([]) == 0
    assert _calls(c.log()) == [(0, 0, 4, 0)]


@pytest.mark.parametrize("abi", ENGINES)
@pytest.mark.parametrize("src", ENCODINGS)
@pytest.mark.parametrize("dst", ENCODINGS)
def test_fused_empty_strings_call_realloc_in_every_encoding(fused: Any, abi: str, src: str, dst: str) -> None:
    c = _load(fused[src, dst], abi)
    assert c.pass_string("") == ""
    assert _calls(c.log()) == [(0, 0, 1 if dst == "utf8" else 2, 0)]
    assert c.pass_strings(["", ""]) == 2
    align = 1 if dst == "utf8" else 2
    assert [call[:1] + call[2:] for call in _calls(c.log())] == [(0, 4, 16), (0, align, 0), (0, align, 0)]


H = 4096  # the logging allocator's first pointer
TRANSCODINGS = [
    # copies: the exact size, once
    ("utf8", "utf8", "café", [(0, 0, 1, 5)]),
    ("utf16", "utf16", "café", [(0, 0, 2, 8)]),
    ("latin1+utf16", "utf16", "café", [(0, 0, 2, 8)]),
    ("latin1+utf16", "latin1+utf16", "café", [(0, 0, 2, 4)]),
    # into UTF-8: a byte per code unit, then the worst case, then shrunk
    ("utf16", "utf8", "abc", [(0, 0, 1, 3)]),
    ("utf16", "utf8", "café", [(0, 0, 1, 4), (H, 4, 1, 12), (H + 4, 12, 1, 5)]),
    ("latin1+utf16", "utf8", "café", [(0, 0, 1, 4), (H, 4, 1, 8), (H + 4, 8, 1, 5)]),
    # UTF-8 into UTF-16: the worst case, then shrunk
    ("utf8", "utf16", "café", [(0, 0, 2, 10), (H, 10, 2, 8)]),
    ("utf8", "utf16", "ab", [(0, 0, 2, 4)]),
    # into latin1+utf16: a byte per unit; inflated to UTF-16 past Latin-1; shrunk
    ("utf8", "latin1+utf16", "café", [(0, 0, 2, 5), (H, 5, 2, 4)]),
    ("utf16", "latin1+utf16", "café", [(0, 0, 2, 4)]),
    ("utf8", "latin1+utf16", "a€", [(0, 0, 2, 4), (H, 4, 2, 8), (H + 4, 8, 2, 4)]),
    ("utf16", "latin1+utf16", "a€", [(0, 0, 2, 2), (H, 2, 2, 4)]),
    ("latin1+utf16", "latin1+utf16", "a€", [(0, 0, 2, 4)]),
]


@pytest.mark.parametrize("abi", ENGINES)
@pytest.mark.parametrize(("src", "dst", "text", "calls"), TRANSCODINGS)
def test_fused_strings_make_the_spec_realloc_calls(
    fused: Any, abi: str, src: str, dst: str, text: str, calls: list[tuple[int, ...]]
) -> None:
    c = _load(fused[src, dst], abi)
    assert c.pass_string(text) == text
    assert _calls(c.log()) == calls


@pytest.mark.parametrize("abi", ENGINES)
@pytest.mark.parametrize("src", ENCODINGS)
@pytest.mark.parametrize("dst", ENCODINGS)
def test_fused_string_lists_make_each_string_s_realloc_calls(
    fused: Any, abi: str, src: str, dst: str
) -> None:
    """A list of strings: the pairs' array, then each string's calls as if it were passed alone
    (the UTF-8 to UTF-8 copy has a loop of its own on the cabi engine)."""
    texts = ["tag-1", "café", "", "a€", "x" * 300]
    c = _load(fused[src, dst], abi)
    alone = []
    for text in texts:
        assert c.pass_string(text) == text
        alone += [_shape(call) for call in _calls(c.log())]
    assert c.pass_strings(texts) == len(texts)
    calls = _calls(c.log())
    assert calls[0][:3] == (0, 0, 4) and calls[0][3] == 8 * len(texts)
    assert [_shape(call) for call in calls[1:]] == alone


def _shape(call: tuple[int, ...]) -> tuple[int, ...]:
    """A logged call without its pointer: (whether it grows an earlier string, old size,
    alignment, new size)."""
    old, *rest = call
    return (int(old != 0), *rest)


@pytest.mark.parametrize("abi", ENGINES)
@pytest.mark.parametrize(
    ("bad", "call"), [(BAD_END, "pass_bytes"), (BAD_END, "pass_string"), (ODD, "pass_u32s")]
)
def test_fused_realloc_results_are_checked_even_for_zero_bytes(
    fused: Any, abi: str, bad: int, call: str
) -> None:
    c = _load(fused["utf16", "utf16"], abi)
    c.set_bad(bad)
    arg = {"pass_bytes": b"", "pass_string": "", "pass_u32s": [1]}[call]
    with pytest.raises(Trap):
        getattr(c, call)(arg)


# --- the host lowering into guest memory ----------------------------------------------------


class Host:
    def __init__(self) -> None:
        self.s = ""
        self.b = b""

    def imports(self, pkg: ModuleType) -> Any:
        return pkg.RootImports(get_string=lambda: self.s, get_bytes=lambda: self.b)


@pytest.mark.parametrize("abi", ENGINES)
def test_host_lowering_calls_realloc_for_empty_values(host_pkg: Any, abi: str) -> None:
    host = Host()
    c = _load(host_pkg, abi, imports=host.imports(host_pkg[0]))
    assert c.take_bytes(b"") == 0 and c.take_string("") == 0
    assert _calls(c.log()) == [(0, 0, 1, 0), (0, 0, 1, 0)]
    assert c.run_string() == "" and c.run_bytes() == 0  # import results
    assert _calls(c.log()) == [(0, 0, 1, 0), (0, 0, 1, 0)]
    host.s = "héllo"
    assert c.run_string() == "héllo"
    assert _calls(c.log()) == [(0, 0, 1, 6)]


@pytest.mark.parametrize("abi", ENGINES)
@pytest.mark.parametrize(
    ("bad", "call"),
    [(BAD_END, "take_bytes"), (BAD_END, "take_string"), (BAD_END, "run_bytes"), (ODD, "run_string")],
)
def test_host_lowering_checks_realloc_results_even_for_zero_bytes(
    host_pkg: Any, abi: str, bad: int, call: str
) -> None:
    c = _load(host_pkg, abi, imports=Host().imports(host_pkg[0]))
    c.set_bad(bad)
    args = {"take_bytes": (b"",), "take_string": ("",)}.get(call, ())
    with pytest.raises(Trap, match="realloc return: beyond end of memory"):
        getattr(c, call)(*args)
