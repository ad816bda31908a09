"""Requests/s of a wasi:http hello world under `witgen serve` against a plain Python ASGI hello
world under the same uvicorn.

Run: `python bench/http_serve.py [--seconds 5] [--connections 4] [--pool 4] [--engine cabi]`
(builds the test handler guest on first use). Both servers run in their own process with the
same uvicorn settings (one worker, access log on, output discarded); a client in this process
keeps `--connections` keep-alive connections busy for `--seconds`. Figures:

- requests/s: what the client saw (client and servers share the machine's cores);
- server CPU µs/request: the server process's CPU time (user + system, from /proc) over the
  requests it answered, the cost of a request to the server whatever else runs;
- the ratio component / plain for both (goal: at most 3× the plain app's cost, cabi, warm pool),
  from the best of `--rounds` alternated runs (other load on the machine only ever slows a run).

The component is `tests/wasihttp/components/handler` (componentize-py) answering `/hello` with
"hello world"; the plain app sends the same status, header and body.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.wasihttp.build import build  # noqa: E402
from tests.wasihttp.conftest import free_port  # noqa: E402


async def plain(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
    """The plain ASGI hello world (what `/hello` of the component answers)."""
    if scope["type"] != "http":
        return
    headers = [(b"content-type", b"text/plain")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})  # type: ignore[operator]
    await send({"type": "http.response.body", "body": b"hello world"})  # type: ignore[operator]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_serving(port: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/hello")
            if conn.getresponse().read() == b"hello world":
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing serving on port {port}")


def hammer(port: int, seconds: float, connections: int) -> int:
    """Requests answered by `connections` keep-alive clients in `seconds`."""
    counts = [0] * connections
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            conn.request("GET", "/hello")
            response = conn.getresponse()
            if response.read() != b"hello world" or response.status != 200:
                raise RuntimeError(f"unexpected answer {response.status}")
            counts[i] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts)


def measure(name: str, command: list[str], port: int, args: argparse.Namespace) -> tuple[float, float]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_serving(port)
        hammer(port, 1.0, args.connections)  # warm up
        before = cpu_seconds(process.pid)
        start = time.perf_counter()
        count = hammer(port, args.seconds, args.connections)
        elapsed = time.perf_counter() - start
        cpu = cpu_seconds(process.pid) - before
    finally:
        process.terminate()
        process.wait(timeout=30)
    rate, cost = count / elapsed, cpu / count * 1e6
    print(f"{name:<40} {rate:9.0f} req/s  {cost:8.0f} µs CPU/request  ({count} requests)")
    return rate, cost


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--pool", type=int, default=4)
    parser.add_argument("--engine", choices=("cabi", "wasmtime"), default="cabi")
    parser.add_argument("--workers", type=int, default=None, help="witgen serve's workers (default: the pool)")
    parser.add_argument("--rounds", type=int, default=3, help="alternate the two servers this many times")
    parser.add_argument("--pin", action="store_true", help="both servers on one CPU (witgen serve --pin, taskset)")
    args = parser.parse_args()
    wasm = build("handler")
    served = [sys.executable, "-m", "witgen", "serve", str(wasm), "--engine", args.engine]
    served += ["--pool", str(args.pool), "--workers", str(args.workers or max(args.pool, 1))]
    uvicorn = [sys.executable, "-m", "uvicorn", "--app-dir", "bench", "http_serve:plain", "--log-level", "info"]
    if args.pin:
        served.append("--pin")
        uvicorn = ["taskset", "-c", str(min(os.sched_getaffinity(0))), *uvicorn]
    component: list[tuple[float, float]] = []
    baseline: list[tuple[float, float]] = []
    for _ in range(args.rounds):
        port = free_port()
        name = f"witgen serve ({args.engine}, pool {args.pool})"
        component.append(measure(name, [*served, "--port", str(port)], port, args))
        port = free_port()
        baseline.append(measure("plain ASGI app, same uvicorn", [*uvicorn, "--port", str(port)], port, args))
    best_rate = max(r for r, _ in component), max(r for r, _ in baseline)
    best_cost = min(c for _, c in component), min(c for _, c in baseline)
    print(
        f"best of {args.rounds}: component / plain: {best_rate[1] / best_rate[0]:.2f}x the time per request "
        f"(client view), {best_cost[0] / best_cost[1]:.2f}x the server CPU per request (goal: at most 3x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
