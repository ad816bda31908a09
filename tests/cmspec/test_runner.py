"""The runner itself: values cross both ways through the generated codecs' shapes, and a wrong
value, a missing trap, an invalid component that loads and a failed instantiation are caught."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, replace
from typing import Any

import pytest

from witgen.runtime import codecs as c
from witgen.runtime.types import Err, Ok, Some

from .runner import run_script
from .scripts import Command, Script, convert
from .values import normalize, to_json, to_python


@dataclass
class Point:
    x_coord: int
    name: str


@dataclass
class CaseA:
    value: int


@dataclass
class CaseB:
    pass


class Color(enum.Enum):
    RED = 0
    GREEN = 1


class Perms(enum.Flag):
    READ = 1
    WRITE = 2
    EXEC = 4


def v(t: str, value: Any) -> dict[str, Any]:
    return {"type": t, "value": value}


CASES: list[tuple[c.Codec, dict[str, Any], Any]] = [
    (c.U32, v("u32", "4294967295"), 4294967295),
    (c.S8, v("s8", "-8"), -8),
    (c.S64, v("s64", "-14"), -14),
    (c.F32, v("f32", "1084227584"), 5.0),
    (c.F64, v("f64", "4621256167635550208"), 9.0),
    (c.BOOL, v("bool", True), True),
    (c.CHAR, v("char", "🍰"), "🍰"),
    (c.STRING, v("string", "☃ö"), "☃ö"),
    (c.list_of(c.U8), v("list", [v("u8", "1"), v("u8", "255")]), b"\x01\xff"),
    (c.list_of(c.U32), v("list", [v("u32", "7")]), [7]),
    (c.list_of(c.STRING), v("list", [v("string", "a"), v("string", "")]), ["a", ""]),
    (c.TupleCodec([c.U8, c.STRING]), v("tuple", [v("u8", "3"), v("string", "x")]), (3, "x")),
    (
        c.RecordCodec("point", Point, [("x-coord", "x_coord", c.U16), ("name", "name", c.STRING)]),
        v("record", [["x-coord", v("u16", "2")], ["name", v("string", "p")]]),
        Point(2, "p"),
    ),
    (
        c.VariantCodec("v", [("a", CaseA, c.S32), ("b", CaseB, None)]),
        v("variant", {"case": "a", "payload": v("s32", "-1")}),
        CaseA(-1),
    ),
    (
        c.VariantCodec("v", [("a", CaseA, c.S32), ("b", CaseB, None)]),
        v("variant", {"case": "b", "payload": None}),
        CaseB(),
    ),
    (c.EnumCodec("color", Color, ["red", "green"]), v("enum", "green"), Color.GREEN),
    (
        c.FlagsCodec("perms", Perms, ["read", "write", "exec"]),
        v("flags", ["exec", "read"]),
        Perms.READ | Perms.EXEC,
    ),
    (c.OptionCodec(c.U32), v("option", None), None),
    (c.OptionCodec(c.U32), v("option", v("u32", "5")), 5),
    (c.OptionCodec(c.OptionCodec(c.U32)), v("option", v("option", None)), Some(None)),
    (c.ResultCodec(c.STRING, c.U32), v("result", {"Ok": v("string", "yo")}), Ok("yo")),
    (c.ResultCodec(c.STRING, c.U32), v("result", {"Err": v("u32", "404")}), Err(404)),
    (c.ResultCodec(None, None), v("result", {"Ok": None}), Ok(None)),
]


@pytest.mark.parametrize(("codec", "json_value", "python"), CASES)
def test_values_cross_both_ways(codec: c.Codec, json_value: dict[str, Any], python: Any) -> None:
    assert to_python(codec, json_value) == python
    assert to_json(codec, python) == normalize(json_value)


def test_nans_compare_equal_whatever_their_payload() -> None:
    quiet = normalize(v("f32", str(0x7FC00000)))
    assert to_json(c.F32, math.nan) == quiet == normalize(v("f32", str(0xFFC01234)))
    assert to_json(c.F32, 0.0) != to_json(c.F32, -0.0)


def _strings() -> Script:
    return convert("values/strings.wast")


def _with(script: Script, line: int, **raw: Any) -> Script:
    """`script` with the command at `line` changed."""
    commands = [
        Command(cmd.type, cmd.line, {**cmd.raw, **raw}) if cmd.line == line else cmd
        for cmd in script.commands
    ]
    return replace(script, commands=commands)


def _failed(script: Script, engine: str) -> dict[int, str]:
    return {o.line: o.reason for o in run_script(script, engine) if not o.passed}


@pytest.mark.parametrize("engine", ["wasmtime", "cabi"])
def test_a_wrong_value_is_caught(engine: str) -> None:
    script = _with(_strings(), 23, expected=[v("string", "b")])
    assert _failed(script, engine) == {23: "returned string 'a', expected string 'b'"}


@pytest.mark.parametrize("engine", ["wasmtime", "cabi"])
def test_a_missing_trap_is_caught(engine: str) -> None:
    script = _strings()
    commands = [
        (
            Command("assert_trap", 23, {**cmd.raw, "type": "assert_trap", "text": "some trap"})
            if cmd.line == 23
            else cmd
        )
        for cmd in script.commands
    ]
    failed = _failed(replace(script, commands=commands), engine)
    assert failed == {23: "returned string 'a'; the spec expects a trap: some trap"}


@pytest.mark.parametrize("engine", ["wasmtime", "cabi"])
def test_a_valid_component_listed_as_invalid_is_caught(engine: str) -> None:
    script = _strings()
    module = script.commands[0]
    invalid = Command("assert_invalid", 1000, {**module.raw, "type": "assert_invalid", "text": "made up"})
    script = replace(script, commands=[*script.commands, invalid])
    assert _failed(script, engine) == {1000: "loaded; the spec says: made up"}


@pytest.mark.parametrize("engine", ["wasmtime", "cabi"])
def test_a_failed_instantiation_fails_each_assertion_that_needs_it(engine: str) -> None:
    script = _strings()
    broken = replace(
        script,
        commands=[
            Command("module_instance", 1, {"instance": "i", "module": "nowhere"}),
            *script.commands[1:3],
        ],
    )
    failed = _failed(broken, engine)
    assert failed == {
        1: "no definition named 'nowhere'",
        23: "instance of line 1 failed",
        24: "instance of line 1 failed",
    }
