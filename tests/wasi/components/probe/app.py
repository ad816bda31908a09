"""componentize-py guest for world `probe`: each operation is plain Python (os, open, sys,
time) on whatever WASI the host links, so the same expectations hold for every WASI."""

import errno
import hashlib
import json
import os
import stat
import sys
import time

import wit_world


def _kinds(path):
    return sorted(
        [e.name, "dir" if e.is_dir(follow_symlinks=False) else "link" if e.is_symlink() else "file"]
        for e in os.scandir(path)
    )


def _read(path):
    with open(path, "rb") as f:
        return f.read().decode("latin-1")


def _write(path, data, mode="w"):
    with open(path, mode) as f:
        return f.write(data)


def _stat(path, follow="1"):
    s = os.stat(path) if follow == "1" else os.lstat(path)
    kind = "dir" if stat.S_ISDIR(s.st_mode) else "link" if stat.S_ISLNK(s.st_mode) else "file"
    if kind == "dir":  # sizes and link counts of directories are the filesystem's own business
        return {"kind": kind}
    return {"kind": kind, "size": s.st_size, "nlink": s.st_nlink}


def _fill(path, size):
    """Write `size` bytes of a pattern in one call (through the stream's permits and flushes)."""
    data = bytes(i % 251 for i in range(int(size)))
    with open(path, "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest()


def _digest(path):
    with open(path, "rb") as f:
        data = f.read()
    return [len(data), hashlib.sha256(data).hexdigest()]


def _seek_write(path, offset, data):
    with open(path, "r+b") as f:
        f.seek(int(offset))
        f.write(data.encode())
    return _read(path)


def _sleep(seconds):
    start = time.monotonic()
    time.sleep(float(seconds))
    return time.monotonic() - start


def _print(text, where="stdout"):
    print(text, file=sys.stdout if where == "stdout" else sys.stderr, flush=True)
    return None


def _same(a, b):
    return os.path.samefile(a, b)


OPS = {
    "listdir": lambda path: sorted(os.listdir(path)),
    "kinds": _kinds,
    "read": _read,
    "write": _write,
    "append": lambda path, data: _write(path, data, "a"),
    "create": lambda path, data: _write(path, data, "x"),
    "seek-write": _seek_write,
    "fill": _fill,
    "digest": _digest,
    "truncate": lambda path, size: os.truncate(path, int(size)),
    "stat": _stat,
    "mtime": lambda path: os.stat(path).st_mtime,
    "exists": os.path.exists,
    "mkdir": os.mkdir,
    "makedirs": lambda path: os.makedirs(path),
    "rmdir": os.rmdir,
    "remove": os.remove,
    "rename": os.rename,
    "symlink": os.symlink,
    "readlink": os.readlink,
    "link": os.link,
    "utime": lambda path, seconds: os.utime(path, (int(seconds), int(seconds))),
    "same": _same,
    "walk": lambda path: sorted([root, sorted(dirs), sorted(files)] for root, dirs, files in os.walk(path)),
    "env": lambda: dict(os.environ),
    "argv": lambda: sys.argv,
    "cwd": os.getcwd,
    "print": _print,
    "sleep": _sleep,
    "urandom": lambda n: os.urandom(int(n)).hex(),
    "time": time.time,
    "exit": lambda code: os._exit(int(code)),
}


class WitWorld(wit_world.WitWorld):
    def call(self, op: str, args: list) -> str:
        try:
            return json.dumps({"ok": OPS[op](*args)})
        except OSError as exc:
            return json.dumps({"err": errno.errorcode.get(exc.errno, str(exc.errno))})
