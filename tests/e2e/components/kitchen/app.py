"""componentize-py guest for world `kitchen-sink` (wit/): echoes every WIT type,
implements the `accumulator` resource (in resources.py) and calls the host's imports."""

import sys

import wit_world
from componentize_py_types import Err, Ok, Result, Some
from wit_world import exports
from wit_world.exports import echo, results
from wit_world.imports import host_api

_value = 0


class Echo(exports.Echo):
    def echo_bool(self, v: bool) -> bool:
        return v

    def echo_s8(self, v: int) -> int:
        return v

    def echo_u8(self, v: int) -> int:
        return v

    def echo_s16(self, v: int) -> int:
        return v

    def echo_u16(self, v: int) -> int:
        return v

    def echo_s32(self, v: int) -> int:
        return v

    def echo_u32(self, v: int) -> int:
        return v

    def echo_s64(self, v: int) -> int:
        return v

    def echo_u64(self, v: int) -> int:
        return v

    def echo_f32(self, v: float) -> float:
        return v

    def echo_f64(self, v: float) -> float:
        return v

    def echo_char(self, v: str) -> str:
        return v

    def echo_string(self, v: str) -> str:
        return v

    def echo_id(self, v: int) -> int:
        return v

    def echo_bytes(self, v: bytes) -> bytes:
        return v

    def echo_list_u32(self, v: list[int]) -> list[int]:
        return v

    def echo_list_string(self, v: list[str]) -> list[str]:
        return v

    def echo_list_point(self, v: list[echo.Point]) -> list[echo.Point]:
        return v

    def echo_list_shape(self, v: list[echo.Shape]) -> list[echo.Shape]:
        return v

    def echo_tuple(self, v: tuple[int, str, float]) -> tuple[int, str, float]:
        return v

    def echo_record(self, v: echo.Person) -> echo.Person:
        return v

    def echo_variant(self, v: echo.Shape) -> echo.Shape:
        return v

    def echo_enum(self, v: echo.Color) -> echo.Color:
        return v

    def echo_flags(self, v: echo.Perms) -> echo.Perms:
        return v

    def echo_option(self, v: int | None) -> int | None:
        return v

    def echo_option_string(self, v: str | None) -> str | None:
        return v

    def echo_option_option(self, v: Some[int | None] | None) -> Some[int | None] | None:
        return v

    def multi(self, a: int, b: str, c: bytes) -> tuple[int, str]:
        return (a + len(c), b.upper())

    def keywords(self, class_: int, in_: str) -> echo.Kw:
        return echo.Kw(class_=class_, def_=in_)

    def sum_list(self, v: list[int]) -> int:
        return sum(v)

    def set_value(self, v: int) -> None:
        global _value
        _value = v

    def get_value(self) -> int:
        return _value


def _unwrap(v: Result) -> object:
    if isinstance(v, Ok):
        return v.value
    raise v


class Results(exports.Results):
    def echo_result(self, v: Result[int, str]) -> int:
        return _unwrap(v)  # type: ignore[return-value]

    def echo_result_same(self, v: Result[str, str]) -> str:
        return _unwrap(v)  # type: ignore[return-value]

    def echo_result_empty(self, v: Result[None, None]) -> None:
        _unwrap(v)

    def echo_result_ok_only(self, v: Result[int, None]) -> int:
        return _unwrap(v)  # type: ignore[return-value]

    def echo_result_err_only(self, v: Result[None, str]) -> None:
        _unwrap(v)

    def wrap_result(self, v: Result[int, str]) -> Result[int, str] | None:
        return v

    def echo_list_result(self, v: list[Result[int, str]]) -> list[Result[int, str]]:
        return v

    def checked_div(self, a: int, b: int) -> int:
        if b == 0:
            raise Err("division by zero")
        return a // b

    def parse_point(self, s: str) -> echo.Point:
        parts = s.split(",")
        if len(parts) != 2:
            raise Err(results.ParseError(position=len(s), message="expected x,y"))
        try:
            x = int(parts[0])
        except ValueError:
            raise Err(results.ParseError(position=0, message="bad x")) from None
        try:
            y = int(parts[1])
        except ValueError:
            raise Err(results.ParseError(position=len(parts[0]) + 1, message="bad y")) from None
        return echo.Point(x=x, y=y)


class Resources(exports.Resources):
    def total_of(self, a: "resources.Accumulator") -> int:  # type: ignore[override]
        return a.total()

    def make_accumulator(self, start: int) -> "resources.Accumulator":  # type: ignore[override]
        return resources.Accumulator(start)

    def consume(self, a: "resources.Accumulator") -> int:  # type: ignore[override]
        return a.total()


def _close(r: object) -> None:
    r.__exit__(None, None, None)  # type: ignore[attr-defined]


class Runner(exports.Runner):
    def use_counters(self, start: int) -> list[int]:
        c = host_api.Counter(start)
        c.inc(2)
        a = c.get()
        z = host_api.Counter.zero()
        z.inc(1)
        b = z.get()
        m = host_api.make_counter(start * 10)
        r = host_api.read_counter(m)
        d = host_api.consume_counter(host_api.Counter(7))
        for res in (c, z, m):
            _close(res)
        return [a, b, r, d]

    def bump(self, c: host_api.Counter, by: int) -> int:
        c.inc(by)
        return c.get()

    def take(self, c: host_api.Counter) -> int:
        v = c.get()
        _close(c)
        return v

    def make(self, start: int) -> host_api.Counter:
        return host_api.make_counter(start)

    def relay_read(self, c: host_api.Counter) -> int:
        return host_api.read_counter(c)

    def call_log(self, level: host_api.Level, msg: str) -> None:
        host_api.log(level, msg)

    def call_lookup(self, key: str) -> int | None:
        return host_api.lookup(key)

    def call_entries(self) -> list[host_api.Entry]:
        return host_api.entries()

    def call_fail(self, msg: str) -> int:
        return host_api.fail(msg)

    def call_checked_div(self, a: int, b: int) -> str:
        try:
            return f"ok:{host_api.checked_div(a, b)}"
        except Err as e:
            return f"err:{e.value}"

    def crash(self, msg: str) -> None:
        raise RuntimeError(msg)

    def print_line(self, msg: str) -> None:
        print(msg, flush=True)

    def eprint_line(self, msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)


class WitWorld(wit_world.WitWorld):
    def describe(self, m: wit_world.Mode) -> str:
        return f"mode:{m.name.lower()}"

    def call_now(self) -> int:
        return wit_world.now() + 1


import resources  # noqa: E402  (the exported resource classes live in a module named after the interface)
