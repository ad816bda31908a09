"""`wasi:http/types` requests and responses: `incoming-request` and `response-outparam` (made by
the server for each request), `outgoing-request` and `request-options` (the guest's, for the
client), `incoming-response` (the client's answer) and `outgoing-response` (the guest's answer)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from witgen.runtime.types import Err, Ok, Result
from witgen.wasi.bindings.imports import wasi_http_types as t
from witgen.wasi.http.body import Incoming, IncomingBody, Outgoing, OutgoingBody, declared_length
from witgen.wasi.http.fields import Family, Fields, valid_name

_METHODS: dict[str, type] = {
    "GET": t.Method_Get,
    "HEAD": t.Method_Head,
    "POST": t.Method_Post,
    "PUT": t.Method_Put,
    "DELETE": t.Method_Delete,
    "CONNECT": t.Method_Connect,
    "OPTIONS": t.Method_Options,
    "TRACE": t.Method_Trace,
    "PATCH": t.Method_Patch,
}
_NAMES = {cls: name for name, cls in _METHODS.items()}
_PATH = re.compile(r"[!$&'()*+,;=:@/?%\-._~0-9A-Za-z]*")
_AUTHORITY = re.compile(r"[!$&'()*+,;=:@%\-._~0-9A-Za-z\[\]]*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*")


def method(name: str) -> t.Method:
    cls = _METHODS.get(name.upper())
    return cls() if cls is not None else t.Method_Other(name)


def method_name(m: t.Method) -> str:
    return m.value if isinstance(m, t.Method_Other) else _NAMES[type(m)]


def scheme(name: str) -> t.Scheme:
    lower = name.lower()
    return (
        t.Scheme_Http() if lower == "http" else t.Scheme_Https() if lower == "https" else t.Scheme_Other(name)
    )


def scheme_name(s: t.Scheme) -> str:
    return s.value if isinstance(s, t.Scheme_Other) else "https" if isinstance(s, t.Scheme_Https) else "http"


@dataclass
class Head:
    """What the server knows of a request before its body: the host side of `incoming-request`."""

    method: str
    path_with_query: str | None
    scheme: str | None
    authority: str | None
    headers: list[tuple[str, bytes]]


class _Incoming:
    """What `incoming-request` and `incoming-response` share: a body taken once, and the rule
    that they outlive the children (headers, body) they hand out."""

    _body: Incoming | None
    _family: Family

    def consume(self) -> IncomingBody:
        if self._body is None:
            raise Err(None)
        body, self._body = self._body, None
        return IncomingBody(body)

    def close(self) -> None:
        self._family.check("dropping")


class IncomingRequest(_Incoming):
    """The resource `incoming-request` (made by the server: `IncomingRequest(head, body)`)."""

    def __init__(self, head: Head, body: Incoming) -> None:
        self._head = head
        self._body: Incoming | None = body
        self._family = Family("incoming-request")

    def method(self) -> t.Method:
        return method(self._head.method)

    def path_with_query(self) -> str | None:
        return self._head.path_with_query

    def scheme(self) -> t.Scheme | None:
        return None if self._head.scheme is None else scheme(self._head.scheme)

    def authority(self) -> str | None:
        return self._head.authority

    def headers(self) -> Fields:
        return Fields.frozen(self._head.headers, self._family)


class OutgoingRequest:
    """The resource `outgoing-request`: the guest describes a request for `outgoing-handler`."""

    def __init__(self, headers: Fields) -> None:
        headers.freeze()
        self.fields = headers
        self._method: t.Method = t.Method_Get()
        self._path: str | None = None
        self._scheme: t.Scheme | None = None
        self._authority: str | None = None
        self._family = Family("outgoing-request")
        self.sink = Outgoing("request", declared_length(headers))
        self.body_taken = False

    def body(self) -> OutgoingBody:
        if self.body_taken:
            raise Err(None)
        self.body_taken = True
        return OutgoingBody(self.sink)

    def method(self) -> t.Method:
        return self._method

    def set_method(self, method: t.Method) -> None:
        if isinstance(method, t.Method_Other) and not valid_name(method.value):
            raise Err(None)
        self._method = method

    def path_with_query(self) -> str | None:
        return self._path

    def set_path_with_query(self, path_with_query: str | None) -> None:
        if path_with_query is not None and not _PATH.fullmatch(path_with_query):
            raise Err(None)
        self._path = path_with_query

    def scheme(self) -> t.Scheme | None:
        return self._scheme

    def set_scheme(self, scheme: t.Scheme | None) -> None:
        if isinstance(scheme, t.Scheme_Other) and not _SCHEME.fullmatch(scheme.value):
            raise Err(None)
        self._scheme = scheme

    def authority(self) -> str | None:
        return self._authority

    def set_authority(self, authority: str | None) -> None:
        if authority is not None and not _AUTHORITY.fullmatch(authority):
            raise Err(None)
        self._authority = authority

    def headers(self) -> Fields:
        return self.fields.view(self._family)

    def close(self) -> None:
        self._family.check("dropping")


class RequestOptions:
    """The resource `request-options`: transport timeouts (nanoseconds) for one request."""

    def __init__(self) -> None:
        self.connect: int | None = None
        self.first_byte: int | None = None
        self.between_bytes: int | None = None

    def connect_timeout(self) -> int | None:
        return self.connect

    def set_connect_timeout(self, duration: int | None) -> None:
        self.connect = duration

    def first_byte_timeout(self) -> int | None:
        return self.first_byte

    def set_first_byte_timeout(self, duration: int | None) -> None:
        self.first_byte = duration

    def between_bytes_timeout(self) -> int | None:
        return self.between_bytes

    def set_between_bytes_timeout(self, duration: int | None) -> None:
        self.between_bytes = duration


class IncomingResponse(_Incoming):
    """The resource `incoming-response` (made by the client from what the server sent)."""

    def __init__(self, status: int, headers: list[tuple[str, bytes]], body: Incoming) -> None:
        self._status = status
        self._headers = headers
        self._body: Incoming | None = body
        self._family = Family("incoming-response")

    def status(self) -> int:
        return self._status

    def headers(self) -> Fields:
        return Fields.frozen(self._headers, self._family)


class OutgoingResponse:
    """The resource `outgoing-response`: the guest's answer, read by the server once `set`."""

    def __init__(self, headers: Fields) -> None:
        headers.freeze()
        self.fields = headers
        self.status = 200
        self._family = Family("outgoing-response")
        self.sink = Outgoing("response", declared_length(headers))
        self.body_taken = False

    def status_code(self) -> int:
        return self.status

    def set_status_code(self, status_code: int) -> None:
        if not 100 <= status_code <= 599:
            raise Err(None)
        self.status = status_code

    def headers(self) -> Fields:
        return self.fields.view(self._family)

    def body(self) -> OutgoingBody:
        if self.body_taken:
            raise Err(None)
        self.body_taken = True
        return OutgoingBody(self.sink)

    def close(self) -> None:
        self._family.check("dropping")


Answer = Result[OutgoingResponse, t.ErrorCode]
"""What the guest sets a `response-outparam` to."""


class ResponseOutparam:
    """The resource `response-outparam`: the server makes one per request with the function
    that receives the guest's answer (called at most once, on the guest's thread)."""

    def __init__(self, deliver: Callable[[Answer], None]) -> None:
        self._deliver: Callable[[Answer], None] | None = deliver

    @staticmethod
    def set(param: ResponseOutparam, response: Answer) -> None:
        deliver, param._deliver = param._deliver, None
        if deliver is None:
            return
        if isinstance(response, Ok) and not response.value.body_taken:
            response.value.sink.close("finished")  # no body asked for: an empty one
        deliver(response)

    @property
    def pending(self) -> bool:
        """True until the guest sets it."""
        return self._deliver is not None
