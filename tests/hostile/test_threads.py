"""Threads sharing instances: calls into one store are serialized (no crash, no mixed data),
and wasm runs with the GIL released, so separate stores and other Python threads go on.

The hammering runs in a subprocess: a crash in wasmtime (before the store lock, 8 threads on one
instance aborted the interpreter on every run) then fails the test instead of killing pytest.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from witgen.runtime import Limits, Timeout

from .limits_plugin import PluginSetup, plugin_setup

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def plugin(tmp_path_factory: pytest.TempPathFactory) -> PluginSetup:
    return plugin_setup(tmp_path_factory)


HAMMER = """
import sys, threading
from plugin_bindings import Plugin
from witgen.runtime import Limits

abi, limited = sys.argv[1], sys.argv[2] == "limits"
shared = Plugin.from_file(sys.argv[3], abi=abi, cache_dir=False, limits=Limits(deadline=30.0) if limited else None)
errors = []

def work(k):
    try:
        for i in range(1500):
            s = f"thread {k} call {i} " + "é" * (i % 40)
            got = shared.echo(s)
            if got != s:
                errors.append(f"echo({s!r}) returned {got!r}")
                return
            if shared.add(i, k) != i + k:
                errors.append(f"add({i}, {k}) returned another thread's sum")
                return
    except Exception as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("errors:", len(errors), errors[:3])
"""


def hammer(plugin: PluginSetup, abi: str, limited: bool, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "hammer.py"
    script.write_text(textwrap.dedent(HAMMER))
    env = {"PYTHONPATH": f"{plugin.package_dir.parent}:{ROOT}", "PATH": "/usr/bin:/bin"}
    args = [sys.executable, str(script), abi, "limits" if limited else "none", str(plugin.wasm)]
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.parametrize(
    ("abi", "limited"),
    [
        ("wasmtime", False),
        ("wasmtime", True),
        ("cabi", True),
        ("cabi", False),
    ],
)
def test_eight_threads_share_one_instance(
    plugin: PluginSetup, abi: str, limited: bool, tmp_path: Path
) -> None:
    proc = hammer(plugin, abi, limited, tmp_path)
    assert (
        proc.returncode == 0
    ), f"exit {proc.returncode} (a negative code is a signal)\n{proc.stderr[-3000:]}"
    assert proc.stdout.startswith("errors: 0 "), proc.stdout


@pytest.mark.parametrize("abi", ["wasmtime", "cabi"])
def test_instances_in_separate_threads(plugin: PluginSetup, abi: str) -> None:
    """One instance per thread: each gets its own results."""
    results: dict[int, list[str]] = {}

    def work(k: int) -> None:
        inst = plugin.pkg.Plugin.from_file(plugin.wasm, abi=abi, cache_dir=False)
        results[k] = [inst.echo(f"{k}:{i}") for i in range(300)]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {k: [f"{k}:{i}" for i in range(300)] for k in range(4)}


@pytest.mark.parametrize("abi", ["wasmtime", "cabi"])
def test_wasm_runs_without_the_gil(plugin: PluginSetup, abi: str) -> None:
    """While a guest loops in one thread, Python code in another keeps running."""
    looping = plugin.pkg.Plugin.from_file(plugin.wasm, abi=abi, limits=Limits(deadline=0.5))
    caught: list[BaseException] = []

    def spin() -> None:
        try:
            looping.spin()
        except Timeout as exc:
            caught.append(exc)

    thread = threading.Thread(target=spin)
    thread.start()
    time.sleep(0.05)  # the guest is looping now
    count, end = 0, time.monotonic() + 0.2
    while time.monotonic() < end:
        count += 1
    assert thread.is_alive()
    thread.join()
    assert len(caught) == 1
    assert count > 10_000  # with the GIL held by the guest this thread could not count at all


@pytest.mark.parametrize("abi", ["wasmtime", "cabi"])
def test_a_waiting_thread_gets_instance_dead(plugin: PluginSetup, abi: str) -> None:
    """Calls into one store wait for each other: a call queued behind a guest that times out
    finds the instance dead instead of entering a trapped store."""
    looping = plugin.pkg.Plugin.from_file(plugin.wasm, abi=abi, limits=Limits(deadline=0.3))
    outcome: list[str] = []

    def spin() -> None:
        try:
            looping.spin()
        except Timeout:
            outcome.append("timeout")

    thread = threading.Thread(target=spin)
    thread.start()
    time.sleep(0.1)
    try:
        looping.add(1, 2)
        outcome.append("returned")
    except Exception as exc:
        outcome.append(type(exc).__name__)
    thread.join()
    # both happen; which thread records its outcome first is the scheduler's choice
    assert sorted(outcome) == ["InstanceDead", "timeout"]
