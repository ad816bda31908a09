"""The host objects the runtime links for `wasi:http/types` and `wasi:http/outgoing-handler`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from witgen.wasi.bindings.imports.wasi_http_types import ErrorCode
from witgen.wasi.http import body, client, fields, messages
from witgen.wasi.http.errors import http_error_code
from witgen.wasi.io import IoError

if TYPE_CHECKING:
    from witgen.wasi.link import Session


class TypesHost:
    """`wasi:http/types`: its resource classes, and `http-error-code`."""

    Fields = fields.Fields
    IncomingRequest = messages.IncomingRequest
    OutgoingRequest = messages.OutgoingRequest
    RequestOptions = messages.RequestOptions
    ResponseOutparam = messages.ResponseOutparam
    IncomingResponse = messages.IncomingResponse
    IncomingBody = body.IncomingBody
    FutureTrailers = body.FutureTrailers
    OutgoingResponse = messages.OutgoingResponse
    OutgoingBody = body.OutgoingBody
    FutureIncomingResponse = client.FutureIncomingResponse

    def http_error_code(self, err: IoError) -> ErrorCode | None:
        return http_error_code(err)


def hosts(session: Session) -> dict[str, object]:
    return {
        "wasi:http/types": TypesHost(),
        "wasi:http/outgoing-handler": client.OutgoingHandler(session.policy.network),
    }
