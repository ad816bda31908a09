"""The local harness on the e2e kitchen-sink guest (written for componentize-py, unchanged): every
value shape, host resources wrapped and closed, traps, dead instances, host exceptions.

Runs in a subprocess: it imports another world's `wit_world` than the example tests do.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from .conftest import ROOT, run_witgen

KITCHEN = ROOT / "tests" / "e2e" / "components" / "kitchen"

SCRIPT = """
import pytest
import wit_world
from componentize_py_types import Err, Ok, Some
from wit_world import testing
from wit_world.exports import echo, results
from wit_world.imports import host_api


class Counter:
    made = []

    def __init__(self, start):
        self.value, self.closed = start, 0
        Counter.made.append(self)

    def get(self):
        return self.value

    def inc(self, by):
        self.value += by

    @staticmethod
    def zero():
        return Counter(0)

    def close(self):
        self.closed += 1


class Host:
    Counter = Counter

    def __init__(self):
        self.logs = []

    def log(self, level, msg):
        self.logs.append((level, msg))

    def lookup(self, key):
        return {"one": 1}.get(key)

    def entries(self):
        return [host_api.Entry("a", 1)]

    def read_counter(self, c):
        return c.value

    def make_counter(self, start):
        return Counter(start)

    def consume_counter(self, c):
        return c.value

    def fail(self, msg):
        raise KeyError(msg)

    def checked_div(self, a, b):
        if b == 0:
            raise Err("division by zero")
        return a // b


host = Host()
w = testing.KitchenSink(testing.KitchenSinkImports(host_api=host, now=lambda: 41))
assert w.echo.echo_u8(3) == 3
p = echo.Person("a", 1, echo.Point(1, 2))
assert w.echo.echo_record(p) == p
assert w.echo.echo_option_option(Some(None)) == Some(None)
assert w.echo.multi(1, "ab", b"xyz") == (4, "AB")
assert w.echo.keywords(class_=1, in_="x") == echo.Kw(class_=1, def_="x")
assert w.results.checked_div(4, 2) == 2
with pytest.raises(Err) as e:
    w.results.checked_div(4, 0)
assert e.value.value == "division by zero"
with pytest.raises(Err) as e:
    w.results.parse_point("x")
assert e.value.value == results.ParseError(position=1, message="expected x,y")
assert w.results.wrap_result(Ok(1)) == Ok(1)
acc = w.resources.Accumulator(10)
assert acc.add(5) == 15
merged = w.resources.Accumulator.merge(acc, acc)
assert merged.total() == 30 and w.resources.total_of(merged) == 30
assert w.resources.make_accumulator(3).total() == 3
acc.drop()
with pytest.raises(testing.ResourceDropped):
    acc.total()
assert w.runner.use_counters(5) == [7, 1, 50, 7]
c = Counter(3)
assert w.runner.bump(c, 2) == 5 and c.value == 5
assert w.runner.take(c) == 5 and c.closed == 1  # the guest dropped its handle: close() ran
made = w.runner.make(9)
assert isinstance(made, Counter) and made.value == 9  # the host gets its own object back
assert w.runner.relay_read(made) == 9
assert w.runner.call_checked_div(1, 0) == "err:division by zero"
assert w.runner.call_lookup("one") == 1 and w.runner.call_entries() == [host_api.Entry("a", 1)]
w.runner.call_log(host_api.Level.WARN, "careful")
assert host.logs == [(host_api.Level.WARN, "careful")]
assert w.describe(wit_world.Mode.FAST) == "mode:fast" and w.call_now() == 42

# A host import's exception reaches the caller as itself.
with pytest.raises(KeyError):
    w.runner.call_fail("boom")

# A guest exception that is not Err for a result traps; the instance is dead afterwards.
w2 = testing.KitchenSink(testing.KitchenSinkImports(host_api=Host(), now=lambda: 0))
with pytest.raises(testing.Trap) as t:
    w2.runner.crash("bad")
assert isinstance(t.value.__cause__, RuntimeError) and "runner.crash" in str(t.value)
with pytest.raises(testing.InstanceDead):
    w2.echo.echo_u8(1)

# Returning Ok/Err instead of raising is a trap too.
w3 = testing.KitchenSink(testing.KitchenSinkImports(host_api=Host(), now=lambda: 0))
w3.app.Results.checked_div = lambda self, a, b: Err("x")
with pytest.raises(testing.Trap, match="return the ok value"):
    w3.results.checked_div(1, 0)

# Each instance re-imports the app: module state starts anew.
w4 = testing.KitchenSink(testing.KitchenSinkImports(host_api=Host(), now=lambda: 0))
w4.echo.set_value(7)
assert testing.KitchenSink(testing.KitchenSinkImports(host_api=Host(), now=lambda: 0)).echo.get_value() == 0

# Unit-testing app code directly with use_imports.
import app
testing.use_imports(testing.KitchenSinkImports(host_api=Host(), now=lambda: 5))
assert app.WitWorld().call_now() == 6
testing.use_imports(None)
with pytest.raises(testing.NoImports):
    wit_world.now()
print("OK")
"""


def test_kitchen_guest_runs_natively(tmp_path: Path) -> None:
    proc = run_witgen("guest", str(KITCHEN / "wit"), "--world", "kitchen-sink", "-o", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    (tmp_path / "check_kitchen.py").write_text(textwrap.dedent(SCRIPT))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(KITCHEN)])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run(
        [sys.executable, "check_kitchen.py"], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0 and proc.stdout.strip().endswith("OK"), proc.stdout + proc.stderr
