"""Threads on the cabi engine: calls into one instance are serialized by its store's lock (the
call sites share scratch buffers and the guest's memory), so eight threads hammering one instance
with strings, bytes and lists all get their own answers; instances in separate stores run side
by side. (The wasmtime engine's side is tested with its own locking.)"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from e2e.build import SPECS, build

from witgen.gen_host import generate, write_package
from witgen.resolve import load


@pytest.fixture(scope="module")
def calc(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    root = tmp_path_factory.mktemp("threads")
    loaded = load(SPECS["calc"].wit_path)
    write_package(
        generate(loaded.resolve, loaded.select_world("calculator"), "calc_threads"), root / "calc_threads"
    )
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    return importlib.import_module("calc_threads")


class Host:
    def tick(self, x: int) -> int:
        return x


def load_calc(calc: ModuleType) -> Any:
    imports = calc.CalculatorImports(host=Host(), log=lambda msg: None)
    return calc.Calculator.from_file(build("calc"), imports=imports, abi="cabi", cache_dir=False)


def hammer(work: Callable[[int], None], threads: int = 8) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(t: int) -> None:
        try:
            work(t)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    pool = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    return errors


def mixed_calls(inst: Any, t: int, rounds: int = 300) -> None:
    for i in range(rounds):
        text = f"thread {t} call {i} " * (1 + i % 7)
        assert inst.echo_string(text) == text
        blob = bytes([t]) * (16 + i % 50)
        assert inst.echo_bytes(blob) == blob
        nums = list(range(t, t + i % 40))
        assert inst.sum_u32(nums) == sum(nums)
        assert inst.add(t, i) == t + i


def test_eight_threads_share_one_cabi_instance(calc: ModuleType) -> None:
    inst = load_calc(calc)
    assert hammer(lambda t: mixed_calls(inst, t)) == []


def test_instances_in_separate_threads_work(calc: ModuleType) -> None:
    instances = [load_calc(calc) for _ in range(4)]
    assert hammer(lambda t: mixed_calls(instances[t], t), threads=4) == []
