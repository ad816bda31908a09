"""`witgen serve` (a subprocess on 127.0.0.1, a free port) running the handler guest on each
engine, hit with a real client."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.build import ROOT

from . import checks
from .conftest import free_port


@pytest.fixture(scope="module", params=["cabi", "wasmtime"])
def served(request: pytest.FixtureRequest, handler_wasm: Path, upstream_port: int) -> Iterator[str]:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    command = [sys.executable, "-m", "witgen", "serve", str(handler_wasm), "--port", str(port)]
    command += ["--engine", request.param, "--pool", "2", "--allow", f"127.0.0.1:{upstream_port}"]
    command += ["--deadline", "60"]  # far above any test's handler, below pytest's patience
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        checks.wait_until_serving(base, lambda: process.poll() is None)
        yield base
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
        served.log = output.decode(errors="replace")  # type: ignore[attr-defined]


def test_get(served: str) -> None:
    checks.hello(served)


def test_status_codes(served: str) -> None:
    checks.statuses(served)


def test_headers_both_ways(served: str) -> None:
    checks.headers_both_ways(served)


def test_post_1mb_streamed_and_echoed(served: str) -> None:
    checks.echo_streamed(served)


def test_a_trap_is_a_500_and_the_server_keeps_serving(served: str) -> None:
    checks.trap_then_serving(served)


def test_outgoing_request_to_an_allowed_host(served: str, upstream_port: int) -> None:
    checks.fetch_allowed(served, upstream_port)


def test_outgoing_request_to_a_host_not_allowed_is_denied(served: str, denied_port: int) -> None:
    checks.fetch_denied(served, denied_port)


def test_bodies_stream_as_the_guest_writes(served: str) -> None:
    checks.streams_as_written(served)


def test_errors_no_response_and_an_unfinished_body(served: str) -> None:
    checks.guest_errors_are_500s(served)


def test_what_cant_be_served_is_an_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from witgen.cli import main

    assert main(["serve", str(tmp_path / "missing.wasm")]) == 1
    assert "error:" in capsys.readouterr().err
    not_wasm = tmp_path / "app.wasm"
    not_wasm.write_bytes(b"not a component")
    assert main(["serve", str(not_wasm), "--dir", str(tmp_path / "nope")]) == 1
    assert "is not a directory" in capsys.readouterr().err
    assert main(["serve", str(not_wasm)]) == 1
    assert capsys.readouterr().err.startswith("error:")
    assert main(["serve", str(not_wasm), "--deadline", "-1"]) == 1
    assert "deadline" in capsys.readouterr().err


def test_concurrent_clients(served: str) -> None:
    checks.concurrent(served)


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="CPU affinity is Linux's")
def test_the_server_pins_itself_to_one_cpu() -> None:
    script = "import os; from witgen.run.serve import pin_to_one_cpu; pin_to_one_cpu(); print(len(os.sched_getaffinity(0)))"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"
