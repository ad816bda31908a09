"""What a component import/export name says (Explainer.md "Import and Export Definitions").

Names are plain labels (`log`), interface names (`wasi:io/streams@0.2.0`), or annotated function
names (`[method]stream.read`, `[static]r.make`, `[constructor]r`, `[resource-drop]r`, ...).
Bindings and error messages need the parts, so they are split here once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_INTERFACE = re.compile(
    r"^(?P<ns>[a-z][a-z0-9-]*(?::[a-z][a-z0-9-]*)*):(?P<pkg>[a-z][a-z0-9-]*)/(?P<iface>[^@]+)(?:@(?P<ver>.+))?$"
)
_ANNOTATED = re.compile(r"^\[(?P<kind>[a-z-]+)\](?P<rest>.*)$")


@dataclass(frozen=True)
class ParsedName:
    """`kind` is "plain", "interface", or the bracketed annotation ("method", "static", ...)."""

    kind: str
    label: str  # plain label, function name, or interface name without package
    resource: str | None = None
    namespace: str | None = None
    package: str | None = None
    version: str | None = None


def parse_name(name: str) -> ParsedName:
    """Split `name`; unknown spellings come back as "plain" (the decoder never rejects a name)."""
    m = _INTERFACE.match(name)
    if m:
        return ParsedName("interface", m["iface"], namespace=m["ns"], package=m["pkg"], version=m["ver"])
    m = _ANNOTATED.match(name)
    if m:
        kind, rest = m["kind"], m["rest"]
        if kind in ("method", "static") and "." in rest:
            resource, _, func = rest.partition(".")
            return ParsedName(kind, func, resource=resource)
        return ParsedName(kind, rest, resource=rest)
    return ParsedName("plain", name)
