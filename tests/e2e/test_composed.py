"""A composed component on both engines: `front` and `backend` (`components/relay/`) linked by
`wasm-tools compose`. Every call goes host -> front -> fused adapter -> backend and back, so the
cabi engine's adapters (`witgen/runtime/cabi/fuse.py`) must move every kind of value between two
memories, transcode strings between encodings and move handles between two handle tables. The
backend is built three times, once per string encoding; its results must match wasmtime's.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
import wasmtime
from hypothesis import given
from hypothesis import strategies as st

from witgen.component import binary
from witgen.runtime.cabi import fastcall
from witgen.runtime.errors import InstanceDead, Trap
from witgen.runtime.types import Err, Ok

from .build import SPECS
from .conftest import _built, generate_bindings, submodule
from .test_engines_agree import SETTINGS, everything_strategy, scalars_strategy, text

ENGINES = ("wasmtime", "cabi", "cabi-ctypes")
"""`cabi-ctypes`: the cabi engine made with its compiled helper off (its adapters stay plain)."""
ENCODINGS = {"relay": "utf8", "relay-utf16": "utf16", "relay-latin1": "latin1+utf16"}


@pytest.fixture(scope="module")
def relay_pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    spec = SPECS["relay"]
    return generate_bindings(tmp_path_factory, spec.wit_path, "witgen_e2e_relay", world=spec.world)


@pytest.fixture(scope="module")
def types(relay_pkg: ModuleType) -> ModuleType:
    return submodule(relay_pkg, "exports.echo")


def _load(pkg: ModuleType, name: str, abi: str) -> Any:
    if abi == "cabi-ctypes":
        saved, fastcall.COMPILED = fastcall.COMPILED, False
        try:
            return pkg.Relay.from_file(_built(name), engine=wasmtime.Engine(), abi="cabi")
        finally:
            fastcall.COMPILED = saved
    return pkg.Relay.from_file(_built(name), engine=wasmtime.Engine(), abi=abi)


@pytest.fixture(scope="module", params=list(ENCODINGS))
def relays(request: pytest.FixtureRequest, relay_pkg: ModuleType) -> dict[str, Any]:
    """The composition (with the backend in one string encoding), on each engine."""
    return {abi: _load(relay_pkg, request.param, abi).echo for abi in ENGINES}


def test_the_component_really_is_two_composed_components() -> None:
    component = binary.decode(_built("relay").read_bytes())
    nested = component.of(binary.NestedComponent)
    assert len(nested) == 2
    encodings = {
        opts.string_encoding
        for name in ENCODINGS
        for canon in _canons(binary.decode(_built(name).read_bytes()))
        if (opts := canon.opts) is not None
    }
    assert encodings == {"utf8", "utf16", "latin1+utf16"}


def _canons(component: binary.Component) -> list[Any]:
    found = list(component.of(binary.Canon))
    for nested in component.of(binary.NestedComponent):
        found += _canons(nested.component)
    return found


def test_cabi_instantiates_each_component_and_adapts_between_them(relay_pkg: ModuleType) -> None:
    relay = _load(relay_pkg, "relay", "cabi")
    assert len(relay._rt._instances) >= 3  # the composition, front and backend (and their shims)
    assert relay.echo.add(2, 40) == 42


def test_everything_round_trips_through_the_adapter(relays: dict[str, Any], types: ModuleType) -> None:
    @SETTINGS
    @given(st.lists(everything_strategy(types), max_size=3))
    def check(values: list[Any]) -> None:
        for abi, echo in relays.items():
            assert echo.echo_everything(values) == values, abi

    check()


@SETTINGS
@given(st.lists(text, max_size=6), text, st.binary(max_size=40))
def test_strings_are_transcoded_both_ways(
    relays: dict[str, Any], strings: list[str], s: str, blob: bytes
) -> None:
    for abi, echo in relays.items():
        assert echo.echo_strings(strings) == strings, abi
        assert echo.echo_string(s) == s, abi
        assert echo.echo_bytes(blob) == blob, abi


def test_latin1_and_utf16_strings_of_every_width(relays: dict[str, Any]) -> None:
    samples = ["", "plain ascii", "latin-1: café ÿ", "BMP: €→∑", "astral: 𝄞😀", "mixed é€😀" * 50]
    for abi, echo in relays.items():
        assert echo.echo_strings(samples) == samples, abi
        for s in samples:
            assert echo.echo_string(s) == s, abi


def test_spilled_parameters_and_results(relays: dict[str, Any], types: ModuleType) -> None:
    """`echo-scalars` has 12 flat parameters and a spilled result; `echo-pair` has 24, so its
    arguments travel through memory on both sides of the adapter."""

    @SETTINGS
    @given(scalars_strategy(types), scalars_strategy(types))
    def check(a: Any, b: Any) -> None:
        for abi, echo in relays.items():
            assert echo.echo_scalars(a) == a, abi
            assert echo.echo_pair(a, b) == (a, b), abi

    check()


def test_variant_payloads_share_joined_slots(relays: dict[str, Any], types: ModuleType) -> None:
    shapes = [
        types.Shape_Circle(-2.5),
        types.Shape_Circle(float("inf")),
        types.Shape_Label("a label"),
        types.Shape_Points([(1, -2), (-(2**31), 2**31 - 1)]),
        types.Shape_Empty(),
    ]
    for abi, echo in relays.items():
        for shape in shapes:
            assert echo.echo_shape(shape) == shape, abi
        for x in (0.0, -1.5, 2.0**100):
            assert echo.echo_result(Ok(x)) == x, abi
            assert echo.echo_option(x) == x, abi
        assert echo.echo_option(None) is None, abi
        with pytest.raises(Err) as raised:
            echo.echo_result(Err(2**64 - 1))
        assert raised.value.value == 2**64 - 1, abi


def test_resources_move_between_the_two_handle_tables(relays: dict[str, Any]) -> None:
    """front's counter wraps a backend counter: constructing, borrowing (static `merged` takes two
    borrows) and dropping all cross the adapter; dropping front's runs backend's destructor."""
    for abi, echo in relays.items():
        before = echo.live_counters()
        a, b = echo.Counter(5), echo.Counter(10)
        assert a.add(3) == 8, abi
        merged = echo.Counter.merged(a, b)
        assert merged.add(0) == 18, abi
        assert a.add(1) == 9, abi  # still usable: it was only borrowed
        assert echo.live_counters() == before + 3, abi
        for counter in (a, b, merged):
            counter.drop()
        assert echo.live_counters() == before, abi


@pytest.mark.parametrize("name", list(ENCODINGS))
def test_invalid_string_from_the_backend_traps_on_both_engines(relay_pkg: ModuleType, name: str) -> None:
    """bad-string returns bytes 00 d8: invalid UTF-8 and invalid UTF-16, valid latin-1."""
    for abi in ENGINES:
        echo = _load(relay_pkg, name, abi).echo
        if ENCODINGS[name] == "latin1+utf16":
            assert echo.bad_string() == "\x00\xd8", abi
            continue
        with pytest.raises(Trap):
            echo.bad_string()
        with pytest.raises(InstanceDead):
            echo.add(1, 2)


def test_bad_values_are_refused_before_the_first_component(relays: dict[str, Any]) -> None:
    for abi, echo in relays.items():
        with pytest.raises(ValueError, match="parameter 'x'"):
            echo.echo_string("\ud800")
        with pytest.raises(TypeError, match="parameter 'a'"):
            echo.add("1", 2)
        assert echo.add(1, 2) == 3, abi


@pytest.mark.parametrize("name", ["backend-utf16", "backend-latin1"])
def test_host_code_speaks_each_string_encoding(
    tmp_path_factory: pytest.TempPathFactory, name: str, types: ModuleType
) -> None:
    """The backend alone: the host's generated lowering and lifting in UTF-16 and latin-1+UTF-16."""
    spec = SPECS[name]
    pkg = generate_bindings(
        tmp_path_factory, spec.wit_path, f"witgen_e2e_{name.replace('-', '_')}", world=spec.world
    )
    strategy = st.tuples(st.lists(text, max_size=6), text)
    backends = {
        abi: pkg.Backend.from_file(_built(name), engine=wasmtime.Engine(), abi=abi).echo
        for abi in ("wasmtime", "cabi")
    }

    @SETTINGS
    @given(strategy)
    def check(value: tuple[list[str], str]) -> None:
        strings, s = value
        for abi, echo in backends.items():
            assert echo.echo_strings(strings) == strings, abi
            assert echo.echo_string(s) == s, abi

    check()
    for abi, echo in backends.items():
        for s in ["", "café", "€😀", "ÿ" * 100 + "ā"]:
            assert echo.echo_string(s) == s, abi
