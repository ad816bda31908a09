"""Resolving a guest's path inside a preopened directory, one component at a time.

The guest may name any path; the walk is what keeps it inside the preopen: an absolute path,
a `..` above the preopen, or a symlink whose target is absolute or climbs above it is refused
with `not-permitted`, and symlinks are expanded here (at most `MAX_LINKS` of them) rather than
by the OS, which would follow them anywhere. Directories are opened relative to their parent
and never through a symlink, so a path swapped under the walk fails instead of escaping.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from witgen.wasi.fs.errors import FsError
from witgen.wasi.fs.tree import D, Tree

MAX_LINKS = 40
"""Symlinks expanded in one path before giving up with `loop` (Linux's limit)."""
MAX_PATH = 4096
"""Bytes in a path (Linux's PATH_MAX): longer is `name-too-long`, bounding the walk's work."""


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p not in ("", ".")]


@contextmanager
def resolve(tree: Tree[D, Any], root: D, path: str, follow: bool) -> Iterator[tuple[D, str]]:
    """(directory, name) that `path` names relative to `root`; `follow` expands a symlink in
    the last component too. The name is "." when the path ends at a directory (`a/..`). Any
    directory opened on the way is closed when the block ends."""
    if not path:
        raise FsError("no-entry", "empty path")
    if "\0" in path:
        raise FsError("invalid", "NUL in a path")
    if len(path.encode()) > MAX_PATH:
        raise FsError("name-too-long")
    if path.startswith("/"):
        raise FsError("not-permitted", f"absolute path {path!r}: paths are relative to a preopened directory")
    todo = deque(_parts(path))
    must_be_dir = path.endswith("/")
    stack = [root]
    links = 0
    try:
        name = "."
        while todo:
            part = todo.popleft()
            if part == "..":
                if len(stack) == 1:
                    raise FsError("not-permitted", f"{path!r} leads outside the preopened directory")
                tree.close_dir(stack.pop())
                continue
            last = not todo
            target = tree.link_target(stack[-1], part) if (not last or follow or must_be_dir) else None
            if target is not None:
                links += 1
                if links > MAX_LINKS:
                    raise FsError("loop", f"more than {MAX_LINKS} symlinks in {path!r}")
                if target.startswith("/"):
                    raise FsError("not-permitted", f"{part!r} links to an absolute path")
                todo.extendleft(reversed(_parts(target)))
                must_be_dir = must_be_dir or (last and target.endswith("/"))
                continue
            if last and not must_be_dir:
                name = part
                break
            stack.append(tree.subdir(stack[-1], part))
        yield stack[-1], name
    finally:
        for d in reversed(stack[1:]):
            tree.close_dir(d)
