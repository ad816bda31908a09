"""Fixed-length lists (`list<T, N>`) through a real component (`components/fixed/`).

wasmtime-py's component API cannot pass them (wasmtime refuses to load the component without a
feature wasmtime-py does not expose), so they run on the cabi engine only; bad values are
refused with the same messages on both engines' codecs.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from witgen.runtime.errors import DecodeError

from .build import SPECS
from .conftest import _built, generate_bindings
from .test_engines_agree import SETTINGS, f32s, ints, text


@pytest.fixture(scope="module")
def fixed_pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    spec = SPECS["fixed"]
    return generate_bindings(tmp_path_factory, spec.wit_path, "witgen_e2e_fixed", world=spec.world)


@pytest.fixture(scope="module")
def fixed(fixed_pkg: ModuleType) -> Any:
    return fixed_pkg.Fixed.from_file(_built("fixed"), abi="cabi")


@SETTINGS
@given(
    st.lists(ints(32, False), min_size=4, max_size=4),
    st.lists(st.tuples(ints(8, False), ints(16, True)), min_size=3, max_size=3),
    st.lists(text, min_size=2, max_size=2),
    st.lists(st.lists(f32s, min_size=2, max_size=2), min_size=2, max_size=2),
)
def test_fixed_lists_round_trip(
    fixed: Any, quad: list[int], pairs: list[tuple[int, int]], names: list[str], matrix: list[list[float]]
) -> None:
    assert fixed.echo_quad(quad) == quad
    assert fixed.echo_quad(tuple(quad)) == quad
    assert fixed.sum_pairs(pairs) == sum(a + b for a, b in pairs)
    assert fixed.echo_names(names) == names
    assert fixed.echo_matrix(matrix) == matrix


@pytest.mark.parametrize(
    "value, error, message",
    [
        ([1, 2, 3], ValueError, r"expected 4 elements \(list<u32, 4>\), got 3"),
        ([1, 2, 3, 4, 5], ValueError, r"expected 4 elements \(list<u32, 4>\), got 5"),
        ([1, 2, 3, -1], ValueError, r"\[3\]: -1 is out of range for u32"),
        ("abcd", TypeError, "expected a sequence"),
        (None, TypeError, "expected a sequence"),
    ],
)
def test_bad_fixed_lists_are_refused_before_entering_wasm(
    fixed: Any, value: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=f"echo_quad\\(\\): parameter 'x': {message}"):
        fixed.echo_quad(value)
    assert fixed.sum_pairs([(1, 2), (3, 4), (5, 6)]) == 21, "the instance must still work"


def test_the_wasmtime_engine_cannot_load_them(fixed_pkg: ModuleType) -> None:
    with pytest.raises(DecodeError, match="the component is invalid: .*[Ff]ixed-length lists"):
        fixed_pkg.Fixed.from_file(_built("fixed"), abi="wasmtime", cache_dir=False)
