"""World-level `*_stream()`/`*_future()` constructors: the same names as componentize-py's, exact
types, and natively a connected in-process pair with the Component Model's semantics."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import WASI
from witgen.gen_guest import generate, write_stubs
from witgen.resolve import load

WIT = """
package t:channels;

interface types {
  record point { x: s32, y: s32 }
  resource thing { get: func() -> u32; }
  type alias-point = point;
  get-stream: func() -> stream<point>;
}

world channels {
  import types;
  use types.{point, thing, alias-point};
  record local-rec { a: u8, s: stream<char> }
  import f1: func(a: stream<u8>, b: stream<string>, c: stream<u32>, d: stream<s64>);
  import f2: func(a: future, b: future<u32>, c: stream, d: future<string>);
  import f3: func(a: stream<list<u8>>, b: stream<option<u32>>, c: stream<tuple<u32, string>>, d: future<result<u32, string>>);
  import f4: func(a: stream<point>, b: stream<local-rec>, c: future<thing>, d: stream<alias-point>, e: future<result>);
  import f5: func(a: stream<list<point>>, b: future<option<option<u8>>>, e: stream<f32>, f: future<result<_, string>>);
  import f6: func(a: stream<stream<u8>>, b: future<future<u32>>, c: stream<borrow<thing>>);
  export g: func(a: stream<f64>) -> future<list<string>>;
}
"""

DEF = re.compile(r"^def (\w+_(?:stream|future))\((.*?)\) -> (.*):$", re.M)


def _componentize_py_names(wit_dir: Path, world: str, out: Path) -> set[str]:
    proc = subprocess.run(
        ["componentize-py", "-d", str(wit_dir), "-w", world, "bindings", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return {m[0] for m in DEF.findall((out / "wit_world" / "__init__.py").read_text())}


def _witgen_defs(wit: Path, world: str) -> dict[str, tuple[str, str]]:
    loaded = load(wit)
    text = generate(loaded.resolve, loaded.select_world(world), format=False)["wit_world/__init__.py"]
    return {name: (params, returns) for name, params, returns in DEF.findall(text)}


@pytest.mark.parametrize("case", ["local", "wasi-cli-command"])
def test_names_are_componentize_pys(case: str, tmp_path: Path) -> None:
    if case == "local":
        wit_dir, world = tmp_path / "wit", "channels"
        wit_dir.mkdir()
        (wit_dir / "w.wit").write_text(WIT)
    else:
        wit_dir, world = WASI / "0.3.0" / "cli", "command"
    ours = _witgen_defs(wit_dir, world)
    assert set(ours) == _componentize_py_names(wit_dir, world, tmp_path / "cpy")


def test_exact_types(tmp_path: Path) -> None:
    (tmp_path / "w.wit").write_text(WIT)
    defs = _witgen_defs(tmp_path / "w.wit", "channels")
    assert defs["byte_stream"] == ("", "tuple[ByteStreamWriter, ByteStreamReader]")
    assert defs["types_thing_stream"] == ("", "tuple[StreamWriter[types.Thing], StreamReader[types.Thing]]")
    assert defs["char_stream"] == ("", "tuple[StreamWriter[str], StreamReader[str]]")  # from a record field
    assert defs["unit_future"] == (
        "default: Callable[[], None]",
        "tuple[FutureWriter[None], FutureReader[None]]",
    )
    assert (
        defs["tuple2_u32_string_stream"][1]
        == "tuple[StreamWriter[tuple[int, str]], StreamReader[tuple[int, str]]]"
    )
    assert defs["future_u32_future"][1] == (
        "tuple[FutureWriter[FutureReader[int]], FutureReader[FutureReader[int]]]"
    )


NATIVE = """
import asyncio
import gc

import pytest

import wit_world


async def streams() -> None:
    w, r = wit_world.u32_stream()
    # a write completes once the reader took items: at most what the read asked for
    written, got = await asyncio.gather(w.write([1, 2, 3]), r.read(2))
    assert (written, got) == (2, [1, 2])
    total, got = await asyncio.gather(w.write_all([4, 5, 6]), r.read(10))
    assert got == [4] or total == 3
    w2, r2 = wit_world.u32_stream()
    task = asyncio.ensure_future(w2.write_all([7, 8, 9]))
    assert await r2.read(1) == [7] and await r2.read(5) == [8, 9] and await task == 3
    first = asyncio.ensure_future(r2.read(1))
    await asyncio.sleep(0)
    with pytest.raises(AssertionError):  # one pending read at a time
        await r2.read(1)
    w2.__exit__(None, None, None)  # the writer is dropped: reads return nothing
    assert await first == [] and r2.writer_dropped and await r2.read(1) == []
    # the reader is dropped: a pending write completes with 0, later ones too
    w3, r3 = wit_world.byte_stream()
    pending = asyncio.ensure_future(w3.write(b"abc"))
    await asyncio.sleep(0)
    with r3:
        pass
    assert await pending == 0 and w3.reader_dropped and await w3.write(b"x") == 0
    # bytes in, bytes out
    w4, r4 = wit_world.byte_stream()
    n, data = await asyncio.gather(w4.write(bytearray(b"hey")), r4.read(10))
    assert (n, data) == (3, b"hey")
    # a writer garbage-collected unclosed is dropped, as componentize-py does
    w5, r5 = wit_world.string_stream()
    del w5
    gc.collect()
    assert await r5.read(1) == [] and r5.writer_dropped
    with pytest.raises(AssertionError):
        with r5:
            pass
        await r5.read(1)


async def futures() -> None:
    w, r = wit_world.string_future(lambda: "default")
    ok, value = await asyncio.gather(w.write("hi"), r.read())
    assert (ok, value) == (True, "hi")
    with pytest.raises(AssertionError):  # each end is used once
        await r.read()
    w, r = wit_world.string_future(lambda: "default")
    with w:  # dropped without writing: the reader gets the default
        pass
    assert await r.read() == "default"
    w, r = wit_world.unit_future(lambda: None)
    pending = asyncio.ensure_future(w.write(None))
    await asyncio.sleep(0)
    r.__exit__(None, None, None)
    assert await pending is False
    w, r = wit_world.string_future(lambda: "gc")
    del w
    gc.collect()
    assert await r.read() == "gc"


asyncio.run(streams())
asyncio.run(futures())
print("OK")
"""


def test_pairs_work_natively(tmp_path: Path) -> None:
    (tmp_path / "w.wit").write_text(WIT)
    loaded = load(tmp_path / "w.wit")
    write_stubs(generate(loaded.resolve, loaded.select_world("channels"), format=False), tmp_path)
    (tmp_path / "check.py").write_text(textwrap.dedent(NATIVE))
    env = dict(os.environ, PYTHONPATH=str(tmp_path), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, "check.py"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and proc.stdout.strip() == "OK", proc.stdout + proc.stderr
