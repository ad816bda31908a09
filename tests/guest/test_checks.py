"""Native runs check values at the guest boundary, with the host bindings' rules and messages.

Through a generated package (a subprocess: it imports its own `wit_world`): export arguments (the
test's bug: `TypeError`/`ValueError`, the instance lives on), export results and `Err` payloads (the
app's bug: `Trap`), import arguments (the app's bug: raised inside the app), mock results and `Err`
payloads and non-`Err` exceptions (the mock's: the exception reaches the test as itself, even if the
app swallows it, and the instance is dead). And `wit_world/_checks.py` words every rule as
`witgen.runtime.codecs` does.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from witgen.gen_guest import generate, write_stubs
from witgen.resolve import load
from witgen.runtime import codecs as rt

WIT = """
package t:checks;

interface host {
  get: func(key: string) -> u8;
  parse: func(text: string) -> result<u32, string>;
  put: func(c: char);
}

interface calls {
  record point { x: s32, y: s32 }
  variant shape { circle(f32), none }
  enum color { red, green }
  take: func(x: u8, flag: bool, c: char, p: point, o: option<option<u16>>, s: shape, t: tuple<u8, string>, col: color) -> u32;
  give: func(kind: string) -> u8;
  fails: func(kind: string) -> result<u8, point>;
  relay: func(kind: string) -> u32;
}

world checks {
  import host;
  export calls;
}
"""

APP = """
from componentize_py_types import Err
from wit_world import exports
from wit_world.exports import calls
from wit_world.imports import host


class Calls(exports.Calls):
    def take(self, x, flag, c, p, o, s, t, col):
        return x

    def give(self, kind):
        return {"big": 256, "str": "1"}.get(kind, 1)

    def fails(self, kind):
        raise Err(calls.Point(1, 2) if kind == "ok" else "not a point")

    def relay(self, kind):
        if kind == "bad-arg":
            host.put("ab")
        if kind == "bad-result":
            return host.get("k")
        try:
            return host.parse(kind)
        except Exception:
            return 0  # swallowed: in a component the host's failure trapped already
"""

SCRIPT = """
import pytest
from componentize_py_types import Err, Some
from wit_world import testing
from wit_world.exports import calls


class Host:
    def get(self, key):
        return 300

    def parse(self, text):
        if text == "boom":
            raise KeyError(text)
        if text == "bad-err":
            raise Err(5)
        return int(text)

    def put(self, c):
        pass


def world():
    return testing.Checks(testing.ChecksImports(host=Host()), app="app")


good = dict(x=1, flag=True, c="c", p=calls.Point(1, 2), o=Some(None), s=calls.Shape_None_(), t=(1, "a"), col=calls.Color.RED)
w = world()
assert w.calls.take(**good) == 1
for name, bad, error, message in [
    ("x", 256, ValueError, "256 is out of range for u8 (0..255)"),
    ("x", "1", TypeError, "expected int (u8), got str"),
    ("flag", 1, TypeError, "expected bool, got int"),
    ("c", "ab", ValueError, "expected a single character (char), got a str of length 2"),
    ("p", calls.Point(1, 2**31), ValueError, "field 'y': 2147483648 is out of range for s32"),
    ("o", 3, TypeError, "expected None or Some(...) (option<option<u16>>), got int"),
    ("s", calls.Shape_Circle("x"), TypeError, "Shape_Circle.value: expected float (f32), got str"),
    ("t", (1,), ValueError, "expected a tuple of 2 elements (tuple<u8, string>), got 1"),
    ("col", "red", TypeError, "expected Color (color), got 'red'"),
]:
    with pytest.raises(error) as e:
        w.calls.take(**{**good, name: bad})
    assert str(e.value).startswith(f"calls.take(): parameter {name!r}: ") and message in str(e.value), e.value
assert w.calls.give("ok") == 1  # a bad argument leaves the instance alive

# The app's bad values trap, like a component that cannot lower them.
for call, message in [
    (lambda w: w.calls.give("big"), "`calls.give` returned a bad value: result: 256 is out of range for u8"),
    (lambda w: w.calls.give("str"), "`calls.give` returned a bad value: result: expected int (u8), got str"),
    (lambda w: w.calls.fails("bad"), "`calls.fails` raised a bad Err value: Err.value: expected Point (point), got str"),
    (lambda w: w.calls.relay("bad-arg"), "host.put(): parameter 'c': expected a single character (char)"),
]:
    w = world()
    with pytest.raises(testing.Trap) as t:
        call(w)
    assert message in str(t.value), t.value
    with pytest.raises(testing.InstanceDead):
        w.calls.give("ok")
w = world()
with pytest.raises(Err) as err:
    w.calls.fails("ok")
assert err.value.value == calls.Point(1, 2)

# The mock's bad values and exceptions reach the test as themselves; the instance is dead.
for kind, error, message in [
    ("bad-result", ValueError, "the mock implementation of host.get returned a bad value: result: 300 is out of range for u8"),
    ("bad-err", TypeError, "the mock implementation of host.parse raised a bad Err value: Err.value: expected str, got int"),
    ("boom", KeyError, "boom"),  # swallowed by the app: raised all the same
]:
    w = world()
    with pytest.raises(error) as e:
        w.calls.relay(kind)
    assert message in str(e.value), e.value
    with pytest.raises(testing.InstanceDead):
        w.calls.give("ok")
assert world().calls.relay("7") == 7
print("OK")
"""


def test_native_boundary_checks(tmp_path: Path) -> None:
    (tmp_path / "w.wit").write_text(WIT)
    loaded = load(tmp_path / "w.wit")
    write_stubs(generate(loaded.resolve, loaded.select_world("checks"), format=False), tmp_path)
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "check.py").write_text(textwrap.dedent(SCRIPT))
    env = dict(os.environ, PYTHONPATH=str(tmp_path), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, "check.py"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and proc.stdout.strip() == "OK", proc.stdout + proc.stderr


def _checks_module(tmp_path: Path) -> ModuleType:
    loaded = load(tmp_path / "w.wit")
    write_stubs(generate(loaded.resolve, loaded.select_world("checks"), format=False), tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        spec = importlib.util.spec_from_file_location("_guest_checks", tmp_path / "wit_world" / "_checks.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(tmp_path))


def _host(name: str) -> Any:
    return {
        "U8": rt.IntCodec("u8", 0, None),
        "S8": rt.IntCodec("s8", 0, None),
        "U64": rt.IntCodec("u64", 0, None),
        "BOOL": rt.BoolCodec(),
        "CHAR": rt.CharCodec(),
        "STRING": rt.StringCodec(),
        "F32": rt.FloatCodec("f32", rt.C.F32, None),
        "BYTES": rt.BytesCodec(),
    }[name]


@pytest.mark.parametrize(
    ("check", "value"),
    [
        ("U8", 256),
        ("U8", -1),
        ("U8", True),
        ("S8", -129),
        ("U64", 1.0),
        ("BOOL", 1),
        ("CHAR", "ab"),
        ("CHAR", "\ud800"),
        ("CHAR", 3),
        ("STRING", b"x"),
        ("STRING", "a\ud800"),
        ("F32", 1e39),
        ("F32", "1"),
        ("BYTES", [256]),
        ("BYTES", ["a"]),
        ("BYTES", "x"),
    ],
)
def test_same_messages_as_host_codecs(check: str, value: Any, tmp_path: Path) -> None:
    (tmp_path / "w.wit").write_text(WIT)
    checks = _checks_module(tmp_path)
    with pytest.raises((TypeError, ValueError)) as host:
        _host(check).prepare(None, value)
    with pytest.raises(type(host.value)) as guest:
        getattr(checks, check)(value)
    assert str(guest.value) == str(host.value)
