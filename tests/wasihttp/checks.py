"""What a served handler guest must do, hit by a real client (urllib3): shared by the
`witgen serve` and the in-process uvicorn tests."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

import urllib3

MB = 1 << 20


def wait_until_serving(base: str, alive: Callable[[], bool], timeout: float = 90.0) -> None:
    """Wait for `/hello` to answer while the server is `alive()`."""
    http = urllib3.PoolManager(retries=False)
    deadline = time.monotonic() + timeout
    while True:
        if not alive():
            raise RuntimeError(f"the server for {base} stopped before serving")
        try:
            if http.request("GET", base + "/hello", timeout=5.0).status == 200:
                return
        except urllib3.exceptions.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{base} did not start serving")
        time.sleep(0.2)


def get(base: str, path: str, **kw: object) -> urllib3.BaseHTTPResponse:
    return urllib3.request("GET", base + path, retries=False, timeout=30.0, **kw)  # type: ignore[arg-type]


def hello(base: str) -> None:
    response = get(base, "/hello")
    assert response.status == 200
    assert response.data == b"hello world"
    assert response.headers["content-type"] == "text/plain"


def statuses(base: str) -> None:
    for status in (201, 204, 404, 418, 503):
        assert get(base, f"/status/{status}").status == status
    missing = get(base, "/nowhere")
    assert (missing.status, missing.data) == (404, b"no route /nowhere")


def headers_both_ways(base: str) -> None:
    response = get(base, "/headers", headers={"X-Custom": "abc", "X-Other": "d e"})
    assert response.status == 200
    lines = response.data.decode().splitlines()
    assert "x-custom=abc" in lines and "x-other=d e" in lines
    assert response.headers.getlist("x-reply") == ["one", "two"]


def echo_streamed(base: str) -> None:
    """1 MiB sent chunked in pieces, echoed back as it is read (status and x-echo-* headers too)."""
    payload = os.urandom(MB)

    def pieces() -> Iterator[bytes]:
        for start in range(0, MB, 50_000):
            yield payload[start : start + 50_000]

    response = urllib3.PoolManager().urlopen(
        "POST",
        base + "/echo?status=201",
        body=pieces(),
        chunked=True,
        headers={"x-echo-tag": "t1", "x-not-echoed": "no"},
        retries=False,
        timeout=60.0,
    )
    assert response.status == 201
    assert response.headers.get("x-echo-tag") == "t1" and "x-not-echoed" not in response.headers
    assert len(response.data) == MB and response.data == payload


def trap_then_serving(base: str) -> None:
    response = get(base, "/trap")
    assert response.status == 500
    hello(base)
    assert get(base, "/trap").status == 500
    hello(base)


def fetch_allowed(base: str, upstream_port: int) -> None:
    response = get(base, f"/fetch?url=http://127.0.0.1:{upstream_port}/hello")
    assert response.status == 203, response.data
    assert response.data == b"upstream says hi"
    assert response.headers.get("x-upstream") == "yes"
    assert response.headers.get("x-saw-from") == "guest"


def fetch_denied(base: str, denied_port: int) -> None:
    response = get(base, f"/fetch?url=http://127.0.0.1:{denied_port}/hello")
    assert (response.status, response.data) == (502, b"ErrorCode_HttpRequestDenied")


def streams_as_written(base: str) -> None:
    """The head and the first chunk arrive while the guest is still writing (pausing 300 ms
    after each of three chunks)."""
    start = time.monotonic()
    response = urllib3.request("GET", base + "/drip", preload_content=False, retries=False, timeout=30.0)
    assert response.status == 200
    first = response.read1(100)
    early = time.monotonic() - start
    rest = response.read()
    assert first + rest == b"one two three"
    assert first == b"one " and early < 0.25, (first, early)
    assert time.monotonic() - start > 0.6


def guest_errors_are_500s(base: str) -> None:
    error = get(base, "/error")
    assert error.status == 500 and b"InternalError" in error.data
    silent = get(base, "/silent")
    assert (silent.status, silent.data) == (500, b"the component sent no response")
    try:
        half = get(base, "/half")
    except urllib3.exceptions.ProtocolError:
        pass  # the connection is cut: the body was not finished
    else:
        raise AssertionError(f"an unfinished body was answered as complete: {half.status} {half.data!r}")
    hello(base)


def concurrent(base: str, clients: int = 8, each: int = 6) -> None:
    """Requests from several clients at once (more than the warm pool): every answer is right."""
    from concurrent.futures import ThreadPoolExecutor

    def client(i: int) -> None:
        http = urllib3.PoolManager(retries=False, timeout=60.0)
        for j in range(each):
            payload = f"client {i} request {j} ".encode() * 1000
            response = http.request("POST", base + "/echo", body=payload)
            assert (response.status, response.data) == (200, payload)
            assert http.request("GET", base + "/hello").data == b"hello world"

    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client, i) for i in range(clients)]:
            future.result()
