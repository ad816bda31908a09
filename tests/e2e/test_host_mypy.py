"""Static typing: generated packages pass ``mypy --strict`` and catch misuse."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from types import ModuleType

from .conftest import MypyResult, package_dir

MypyCheck = Callable[..., MypyResult]


def _lines_with_errors(result: MypyResult, snippet_marker: str = "snippet_") -> set[int]:
    lines = set()
    for line in result.output.splitlines():
        if snippet_marker in line and ": error:" in line:
            lines.add(int(line.split(":")[1]))
    return lines


def _marked_lines(snippet: str) -> set[int]:
    """1-based line numbers carrying ``# E`` in the (dedented) snippet."""
    return {
        i for i, line in enumerate(textwrap.dedent(snippet).splitlines(), 1) if line.rstrip().endswith("# E")
    }


def test_calc_package_passes_mypy_strict(calc_pkg: ModuleType, mypy_check: MypyCheck) -> None:
    result = mypy_check(package_dir(calc_pkg))
    assert result.returncode == 0, result.output


def test_kitchen_package_passes_mypy_strict(kitchen_pkg: ModuleType, mypy_check: MypyCheck) -> None:
    result = mypy_check(package_dir(kitchen_pkg))
    assert result.returncode == 0, result.output


def test_maps_package_passes_mypy_strict(maps_pkg: ModuleType, mypy_check: MypyCheck) -> None:
    result = mypy_check(package_dir(maps_pkg))
    assert result.returncode == 0, result.output


CALC_GOOD = """
from pathlib import Path

from witgen_e2e_calc import Calculator, CalculatorImports


class Host:
    def tick(self, x: int) -> int:
        return x * 2


def log(msg: str) -> None:
    print(msg)


calc = Calculator.from_file(Path("calc.wasm"), imports=CalculatorImports(host=Host(), log=log))
total: int = calc.add(1, 2)
data: bytes = calc.echo_bytes(b"abc")
more: bytes = calc.echo_bytes(bytearray(b"abc"))  # inputs accept bytes/bytearray/memoryview
view: bytes = calc.echo_bytes(memoryview(b"abc"))
text: str = calc.echo_string("x")
summed: int = calc.sum_u32([1, 2, 3])
summed_tuple: int = calc.sum_u32((1, 2, 3))  # any sequence is accepted
summed_range: int = calc.sum_u32(range(4))
also: int = calc.calc.add(1, 2)
calc.greet("x")
"""


def test_correct_calc_usage_type_checks(calc_pkg: ModuleType, mypy_check: MypyCheck) -> None:
    result = mypy_check(package_dir(calc_pkg), CALC_GOOD)
    assert result.returncode == 0, result.output


CALC_BAD = """
from pathlib import Path

from witgen_e2e_calc import Calculator, CalculatorImports


class Host:
    def tick(self, x: int) -> int:
        return x * 2


class NotAHost:
    def tock(self, x: int) -> int:
        return x


calc = Calculator.from_file(Path("calc.wasm"), imports=CalculatorImports(host=Host(), log=print))
calc.add("x", 1)  # E
calc.echo_string(b"x")  # E
calc.greet()  # E
s: str = calc.add(1, 2)  # E
calc.no_such_export()  # E
CalculatorImports(host=NotAHost(), log=print)  # E
"""


def test_misuse_of_calc_is_a_mypy_error(calc_pkg: ModuleType, mypy_check: MypyCheck) -> None:
    result = mypy_check(package_dir(calc_pkg), CALC_BAD)
    assert result.returncode == 1, result.output
    assert _lines_with_errors(result) == _marked_lines(CALC_BAD), result.output
    assert any('"add"' in line and "[arg-type]" in line for line in result.output.splitlines()), result.output


KITCHEN_GOOD = """
from witgen_e2e_kitchen import KitchenSink, Mode
from witgen_e2e_kitchen.exports import echo, resources, results
from witgen_e2e_kitchen.imports import host_api
from witgen_e2e_kitchen.types import Err, Ok, Some


def use(sink: KitchenSink) -> None:
    a: int = sink.echo.echo_u8(1)
    b: bool = sink.echo.echo_bool(True)
    f: float = sink.echo.echo_f64(1.5)
    c: str = sink.echo.echo_char("x")
    raw: bytes = sink.echo.echo_bytes(b"x")
    xs: list[int] = sink.echo.echo_list_u32([1, 2])
    t: tuple[int, str, float] = sink.echo.echo_tuple((1, "a", 2.0))
    p: echo.Person = sink.echo.echo_record(echo.Person(full_name="a", age_years=1, home=echo.Point(x=1, y=2)))
    s: echo.Shape = sink.echo.echo_variant(echo.Shape_Circle(1.0))
    if isinstance(s, echo.Shape_Rectangle):
        px: int = s.value.x
    col: echo.Color = sink.echo.echo_enum(echo.Color.DARK_GRAY)
    perms: echo.Perms = sink.echo.echo_flags(echo.Perms.READ | echo.Perms.EXEC_ALL)
    o: int | None = sink.echo.echo_option(None)
    oo: Some[int | None] | None = sink.echo.echo_option_option(Some(None))
    kw: echo.Kw = sink.echo.keywords(class_=1, in_="x")
    q: int = sink.results.checked_div(4, 2)
    r: int = sink.results.echo_result(Ok(1))
    sink.results.echo_result(Err("e"))
    wrapped = sink.results.wrap_result(Ok(1))
    if isinstance(wrapped, Ok):
        wv: int = wrapped.value
    pp: echo.Point = sink.results.parse_point("1,2")
    try:
        sink.results.parse_point("x")
    except Err as e:
        err_value: results.ParseError = e.value
    acc: resources.Accumulator = sink.resources.Accumulator(1)
    total: int = acc.add(1)
    merged: resources.Accumulator = sink.resources.Accumulator.merge(acc, acc)
    with sink.resources.make_accumulator(3) as other:
        n: int = sink.resources.total_of(other)
    acc.drop()
    sink.runner.call_log(host_api.Level.INFO, "x")
    entries: list[host_api.Entry] = sink.runner.call_entries()
    d: str = sink.describe(Mode.FAST)
    now: int = sink.call_now()
    sink.echo.set_value(1)
"""


def test_correct_kitchen_usage_type_checks(kitchen_pkg: ModuleType, mypy_check: MypyCheck) -> None:
    result = mypy_check(package_dir(kitchen_pkg), KITCHEN_GOOD)
    assert result.returncode == 0, result.output


KITCHEN_BAD = """
from witgen_e2e_kitchen import KitchenSink, Mode
from witgen_e2e_kitchen.exports import echo
from witgen_e2e_kitchen.types import Ok


def use(sink: KitchenSink) -> None:
    sink.echo.echo_u8("x")  # E
    sink.echo.echo_record(echo.Point(x=1, y=2))  # E
    echo.Shape_Circle("round")  # E
    sink.echo.echo_enum("red")  # E
    sink.echo.echo_flags(echo.Color.RED)  # E
    sink.results.echo_result(5)  # E
    s: str = sink.results.checked_div(1, 2)  # E
    sink.resources.Accumulator("x")  # E
    sink.resources.total_of(echo.Point(x=1, y=2))  # E
    sink.describe("fast")  # E
    sink.echo.echo_option(Ok(1))  # E
    ok: Mode = Mode.SAFE
"""


def test_misuse_of_kitchen_is_a_mypy_error(kitchen_pkg: ModuleType, mypy_check: MypyCheck) -> None:
    result = mypy_check(package_dir(kitchen_pkg), KITCHEN_BAD)
    assert result.returncode == 1, result.output
    assert _lines_with_errors(result) == _marked_lines(KITCHEN_BAD), result.output


HOST_PROTOCOL = """
from witgen_e2e_kitchen import KitchenSinkImports
from witgen_e2e_kitchen.imports import host_api


class Incomplete:
    def log(self, level: host_api.Level, msg: str) -> None:
        pass


KitchenSinkImports(host_api=Incomplete(), now=lambda: 1)  # E
KitchenSinkImports(host_api=Incomplete(), now=lambda: "x")  # E
"""


def test_host_protocol_is_checked(kitchen_pkg: ModuleType, mypy_check: MypyCheck) -> None:
    result = mypy_check(package_dir(kitchen_pkg), HOST_PROTOCOL)
    assert result.returncode == 1, result.output
    assert _lines_with_errors(result) == _marked_lines(HOST_PROTOCOL), result.output
