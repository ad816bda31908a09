"""`wasi:http` written in Python: the types (fields, requests, responses, bodies as
`witgen.wasi.io` streams) and `outgoing-handler`, a real HTTP client under the policy's network
allow-list. Serving an `incoming-handler` is `witgen.http`'s job; it makes the
`incoming-request` and `response-outparam` this package defines.
"""

from witgen.wasi.http.host import hosts

__all__ = ["hosts"]
