"""``result<T, E>``: returned as T or raised as ``Err(e)``; elsewhere ``Ok(v)`` / ``Err(e)`` objects."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from .conftest import submodule


@pytest.fixture
def types(kitchen_pkg: ModuleType) -> ModuleType:
    return submodule(kitchen_pkg, "types")


def test_types_module(types: ModuleType) -> None:
    assert issubclass(types.Err, Exception)
    assert types.Ok(5).value == 5
    assert types.Err("e").value == "e"
    assert types.Some(None).value is None


def test_ok_is_returned(kitchen: Any, types: ModuleType) -> None:
    assert kitchen.results.echo_result(types.Ok(5)) == 5
    assert kitchen.results.echo_result_same(types.Ok("a")) == "a"
    assert kitchen.results.echo_result_empty(types.Ok(None)) is None
    assert kitchen.results.echo_result_ok_only(types.Ok(3)) == 3
    assert kitchen.results.echo_result_err_only(types.Ok(None)) is None


@pytest.mark.parametrize(
    ("func", "payload"),
    [
        ("echo_result", "bad"),
        ("echo_result_same", "b"),  # result<string, string>: Ok and Err must stay distinct
        ("echo_result_empty", None),
        ("echo_result_ok_only", None),
        ("echo_result_err_only", "e"),
    ],
)
def test_err_is_raised(kitchen: Any, types: ModuleType, func: str, payload: Any) -> None:
    with pytest.raises(types.Err) as info:
        getattr(kitchen.results, func)(types.Err(payload))
    assert info.value.value == payload
    # A guest error is a normal return: the instance stays usable.
    assert kitchen.results.echo_result(types.Ok(1)) == 1


def test_checked_div(kitchen: Any, types: ModuleType) -> None:
    assert kitchen.results.checked_div(7, 2) == 3
    with pytest.raises(types.Err) as info:
        kitchen.results.checked_div(1, 0)
    assert info.value.value == "division by zero"
    assert kitchen.results.checked_div(9, 3) == 3


def test_err_with_record_payload(kitchen: Any, kitchen_pkg: ModuleType, types: ModuleType) -> None:
    echo = submodule(kitchen_pkg, "exports.echo")
    results = submodule(kitchen_pkg, "exports.results")
    point = kitchen.results.parse_point("3,-4")
    assert point == echo.Point(x=3, y=-4)
    assert type(point) is echo.Point
    with pytest.raises(types.Err) as info:
        kitchen.results.parse_point("3,x")
    assert info.value.value == results.ParseError(position=2, message="bad y")
    assert type(info.value.value) is results.ParseError


def test_result_inside_option_is_an_object(kitchen: Any, types: ModuleType) -> None:
    ok = kitchen.results.wrap_result(types.Ok(5))
    assert isinstance(ok, types.Ok) and ok.value == 5
    err = kitchen.results.wrap_result(types.Err("no"))
    assert isinstance(err, types.Err) and err.value == "no"


def test_list_of_results(kitchen: Any, types: ModuleType) -> None:
    out = kitchen.results.echo_list_result([types.Ok(1), types.Err("x"), types.Ok(2**32 - 1)])
    assert [type(r) for r in out] == [types.Ok, types.Err, types.Ok]
    assert [r.value for r in out] == [1, "x", 2**32 - 1]


def test_result_param_needs_ok_or_err(kitchen: Any, types: ModuleType) -> None:
    with pytest.raises(TypeError):
        kitchen.results.echo_result(5)
    with pytest.raises(TypeError):
        kitchen.results.echo_result(types.Ok("not a u32"))
    assert kitchen.results.echo_result(types.Ok(6)) == 6


def test_host_import_returning_result(kitchen: Any) -> None:
    """The host implements ``checked-div: func(a, b) -> result<u32, string>`` by returning the
    value or raising ``Err``; the guest sees ok/err."""
    assert kitchen.runner.call_checked_div(7, 2) == "ok:3"
    assert kitchen.runner.call_checked_div(7, 0) == "err:division by zero"
    assert kitchen.runner.call_checked_div(8, 2) == "ok:4"  # not a trap
