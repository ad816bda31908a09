"""Scalars, strings and byte lists through generated bindings (calc + kitchen `echo`)."""

from __future__ import annotations

import math
from typing import Any

import pytest

# --------------------------------------------------------------------------- calc


def test_world_level_exports_are_methods(calc: Any) -> None:
    assert calc.add(2, 3) == 5
    assert calc.add(2**32 - 1, 2) == 1  # the guest's i32.add wraps
    assert calc.echo_string("héllo wörld 😀") == "héllo wörld 😀"
    assert calc.greet("x") is None


def test_exported_interface_is_an_attribute(calc: Any) -> None:
    assert calc.calc.add(40, 2) == 42


def test_bytes_in_and_out(calc: Any) -> None:
    data = bytes(range(256)) * 40
    out = calc.echo_bytes(data)
    assert type(out) is bytes
    assert out == data


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview], ids=lambda t: t.__name__)
def test_bytes_input_accepts_buffers(calc: Any, wrap: Any) -> None:
    out = calc.echo_bytes(wrap(b"\x00\x01\xfe\xff"))
    assert type(out) is bytes
    assert out == b"\x00\x01\xfe\xff"


def test_empty_bytes_and_string(calc: Any) -> None:
    assert calc.echo_bytes(b"") == b""
    assert calc.echo_string("") == ""


def test_large_values(calc: Any) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB
    assert calc.echo_bytes(data) == data
    text = "ab€😀" * 50_000
    assert calc.echo_string(text) == text


@pytest.mark.parametrize("values", [[1, 2, 3], (1, 2, 3), range(1, 4)], ids=["list", "tuple", "range"])
def test_list_u32_accepts_any_sequence(calc: Any, values: Any) -> None:
    assert calc.sum_u32(values) == 6


def test_sum_u32_many(calc: Any) -> None:
    assert calc.sum_u32(list(range(10_000))) == sum(range(10_000)) % 2**32
    assert calc.sum_u32([]) == 0


def test_string_with_nul_and_astral(calc: Any) -> None:
    s = "a\x00b\U0010ffff"
    assert calc.echo_string(s) == s


# --------------------------------------------------------------------------- kitchen echo

INT_CASES = [
    ("echo_s8", -(2**7)),
    ("echo_s8", 2**7 - 1),
    ("echo_u8", 0),
    ("echo_u8", 2**8 - 1),
    ("echo_s16", -(2**15)),
    ("echo_s16", 2**15 - 1),
    ("echo_u16", 0),
    ("echo_u16", 2**16 - 1),
    ("echo_s32", -(2**31)),
    ("echo_s32", 2**31 - 1),
    ("echo_u32", 0),
    ("echo_u32", 2**32 - 1),
    ("echo_s64", -(2**63)),
    ("echo_s64", 2**63 - 1),
    ("echo_u64", 0),
    ("echo_u64", 2**64 - 1),
    ("echo_id", 2**64 - 1),
]


@pytest.mark.parametrize(("func", "value"), INT_CASES, ids=[f"{f}({v})" for f, v in INT_CASES])
def test_integer_limits_round_trip(kitchen: Any, func: str, value: int) -> None:
    out = getattr(kitchen.echo, func)(value)
    assert out == value
    assert type(out) is int


def test_bool(kitchen: Any) -> None:
    assert kitchen.echo.echo_bool(True) is True
    assert kitchen.echo.echo_bool(False) is False


def test_floats(kitchen: Any) -> None:
    assert kitchen.echo.echo_f64(1.1) == 1.1
    assert kitchen.echo.echo_f64(-0.0) == 0.0 and math.copysign(1, kitchen.echo.echo_f64(-0.0)) == -1
    assert kitchen.echo.echo_f64(math.inf) == math.inf
    assert math.isnan(kitchen.echo.echo_f64(math.nan))
    assert kitchen.echo.echo_f32(1.5) == 1.5  # exactly representable
    f32 = kitchen.echo.echo_f32(1.1)
    assert type(f32) is float
    assert f32 == pytest.approx(1.1, rel=1e-7) and f32 != 1.1  # rounded to single precision


@pytest.mark.parametrize("ch", ["a", "é", "€", "😀", "\x00"])
def test_char(kitchen: Any, ch: str) -> None:
    assert kitchen.echo.echo_char(ch) == ch


def test_string(kitchen: Any) -> None:
    for s in ["", "plain", "héllo 😀", "a\x00b", "x" * 100_000]:
        assert kitchen.echo.echo_string(s) == s


def test_kitchen_bytes(kitchen: Any) -> None:
    out = kitchen.echo.echo_bytes(bytearray(b"\x00abc\xff"))
    assert out == b"\x00abc\xff" and type(out) is bytes


def test_world_level_export_with_world_level_type(kitchen: Any, kitchen_pkg: Any) -> None:
    assert kitchen.describe(kitchen_pkg.Mode.SAFE) == "mode:safe"
    assert kitchen.describe(kitchen_pkg.Mode.FAST) == "mode:fast"


def test_no_result_function_returns_none(kitchen: Any) -> None:
    assert kitchen.echo.set_value(1234) is None
    assert kitchen.echo.get_value() == 1234


def test_multiple_params(kitchen: Any) -> None:
    assert kitchen.echo.multi(1, "ab", b"xyz") == (4, "AB")


def test_keyword_params_get_trailing_underscore(kitchen: Any) -> None:
    kw = kitchen.echo.keywords(class_=3, in_="x")
    assert (kw.class_, kw.def_) == (3, "x")


def test_u64_sum(kitchen: Any) -> None:
    assert kitchen.echo.sum_list(range(1000)) == 499500
    assert kitchen.echo.sum_list([2**32 - 1] * 4) == 4 * (2**32 - 1)  # u64 result, no wrap
