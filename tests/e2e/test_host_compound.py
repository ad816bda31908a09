"""Lists, tuples, records, variants, enums, flags and options (kitchen `echo`, maps)."""

from __future__ import annotations

import dataclasses
import enum
import typing
from types import ModuleType
from typing import Any

import pytest

from .conftest import submodule


@pytest.fixture
def echo(kitchen_pkg: ModuleType) -> ModuleType:
    return submodule(kitchen_pkg, "exports.echo")


@pytest.fixture
def types(kitchen_pkg: ModuleType) -> ModuleType:
    return submodule(kitchen_pkg, "types")


def test_list_u32(kitchen: Any) -> None:
    out = kitchen.echo.echo_list_u32((1, 2, 2**32 - 1))
    assert out == [1, 2, 2**32 - 1]
    assert type(out) is list
    assert kitchen.echo.echo_list_u32([]) == []


def test_list_string(kitchen: Any) -> None:
    assert kitchen.echo.echo_list_string(["a", "", "ç😀"]) == ["a", "", "ç😀"]


def test_list_of_records(kitchen: Any, echo: ModuleType) -> None:
    points = [echo.Point(x=i, y=-i) for i in range(100)]
    out = kitchen.echo.echo_list_point(points)
    assert out == points
    assert all(type(p) is echo.Point for p in out)


def test_tuple(kitchen: Any) -> None:
    out = kitchen.echo.echo_tuple((255, "x", 2.5))
    assert out == (255, "x", 2.5)
    assert type(out) is tuple


def test_record_is_a_dataclass_with_snake_case_fields(kitchen: Any, echo: ModuleType) -> None:
    assert dataclasses.is_dataclass(echo.Person)
    assert [f.name for f in dataclasses.fields(echo.Person)] == ["full_name", "age_years", "home"]
    p = echo.Person(full_name="Ada Lovelace", age_years=36, home=echo.Point(x=1, y=2))
    out = kitchen.echo.echo_record(p)
    assert out == p
    assert type(out) is echo.Person and type(out.home) is echo.Point
    nobody = echo.Person(full_name="", age_years=0, home=None)
    assert kitchen.echo.echo_record(nobody) == nobody


def test_record_with_keyword_field_names(echo: ModuleType) -> None:
    assert [f.name for f in dataclasses.fields(echo.Kw)] == ["class_", "def_"]


def test_variant_cases(kitchen: Any, echo: ModuleType) -> None:
    circle = echo.Shape_Circle(1.5)
    rect = echo.Shape_Rectangle(echo.Point(x=3, y=4))
    empty = echo.Shape_Empty()
    for value in (circle, rect, empty):
        out = kitchen.echo.echo_variant(value)
        assert type(out) is type(value)
        assert out == value
    assert kitchen.echo.echo_variant(circle).value == 1.5
    assert kitchen.echo.echo_variant(rect).value == echo.Point(x=3, y=4)


def test_payloadless_case_has_no_value(echo: ModuleType) -> None:
    assert not hasattr(echo.Shape_Empty(), "value")
    assert [f.name for f in dataclasses.fields(echo.Shape_Circle)] == ["value"]


def test_variant_alias_is_union_of_cases(echo: ModuleType) -> None:
    assert set(typing.get_args(echo.Shape)) == {echo.Shape_Circle, echo.Shape_Rectangle, echo.Shape_Empty}


def test_list_of_variants(kitchen: Any, echo: ModuleType) -> None:
    shapes = [echo.Shape_Empty(), echo.Shape_Circle(0.25), echo.Shape_Rectangle(echo.Point(x=-1, y=0))]
    assert kitchen.echo.echo_list_shape(shapes) == shapes


def test_enum(kitchen: Any, echo: ModuleType) -> None:
    assert issubclass(echo.Color, enum.Enum)
    assert [m.name for m in echo.Color] == ["RED", "GREEN", "BLUE", "DARK_GRAY"]
    for member in echo.Color:
        assert kitchen.echo.echo_enum(member) is member


def test_flags(kitchen: Any, echo: ModuleType) -> None:
    assert issubclass(echo.Perms, enum.Flag)
    assert {m.name for m in echo.Perms} == {"READ", "WRITE", "EXEC_ALL"}
    both = echo.Perms.READ | echo.Perms.EXEC_ALL
    assert kitchen.echo.echo_flags(both) == both
    assert kitchen.echo.echo_flags(echo.Perms(0)) == echo.Perms(0)
    every = echo.Perms.READ | echo.Perms.WRITE | echo.Perms.EXEC_ALL
    out = kitchen.echo.echo_flags(every)
    assert out == every and isinstance(out, echo.Perms)


def test_option(kitchen: Any) -> None:
    assert kitchen.echo.echo_option(None) is None
    assert kitchen.echo.echo_option(0) == 0  # falsy but present
    assert kitchen.echo.echo_option(7) == 7
    assert kitchen.echo.echo_option_string("") == ""
    assert kitchen.echo.echo_option_string(None) is None


def test_nested_option_uses_some(kitchen: Any, types: ModuleType) -> None:
    assert kitchen.echo.echo_option_option(None) is None
    inner_none = kitchen.echo.echo_option_option(types.Some(None))
    assert isinstance(inner_none, types.Some) and inner_none.value is None
    three = kitchen.echo.echo_option_option(types.Some(3))
    assert isinstance(three, types.Some) and three.value == 3


def test_world_level_enum(kitchen_pkg: ModuleType) -> None:
    assert issubclass(kitchen_pkg.Mode, enum.Enum)
    assert [m.name for m in kitchen_pkg.Mode] == ["FAST", "SAFE"]


# --------------------------------------------------------------------------- map<K, V>


def test_map_round_trip(maps: Any) -> None:
    m = {"a": 1, "bb": 2, "ç😀": 2**32 - 1}
    out = maps.echo_map(m)
    assert out == m
    assert type(out) is dict
    assert maps.echo_map({}) == {}


def test_map_argument_and_result(maps: Any) -> None:
    assert maps.total({"x": 3, "y": 4}) == 7
    assert maps.sample() == {"one": 1, "two": 2}


def test_map_value_errors(maps: Any) -> None:
    with pytest.raises(TypeError):
        maps.total({"a": "x"})
    with pytest.raises(TypeError):
        maps.total({1: 1})
    with pytest.raises(ValueError):
        maps.total({"a": -1})
    assert maps.total({"a": 1}) == 1  # still usable
