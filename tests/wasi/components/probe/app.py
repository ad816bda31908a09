"""componentize-py guest for world `probe`: each operation is plain Python (os, open, sys,
time) on whatever WASI the host links, so the same expectations hold for every WASI."""

import errno
import hashlib
import json
import os
import stat
import sys
import time

import raw
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


def _fd_ops(file, directory, link):
    """Descriptor-level calls on `file` (opened in several modes), `directory` and `link`: each
    answer or errno name, by name."""
    out = {}

    def t(name, call):
        try:
            out[name] = call()
        except OSError as exc:
            out[name] = errno.errorcode.get(exc.errno, str(exc.errno))
        except Exception as exc:  # a call this Python lacks
            out[name] = type(exc).__name__

    def on(path, flags, call):
        fd = os.open(path, flags)
        try:
            return call(fd)
        finally:
            os.close(fd)

    t("write-read-only", lambda: on(file, os.O_RDONLY, lambda fd: os.write(fd, b"x")))
    t("ftruncate-read-only", lambda: on(file, os.O_RDONLY, lambda fd: os.ftruncate(fd, 0)))
    t("fsync-read-only", lambda: on(file, os.O_RDONLY, os.fsync))
    t("fdatasync-read-only", lambda: on(file, os.O_RDONLY, os.fdatasync))
    t("fadvise", lambda: on(file, os.O_RDONLY, lambda fd: os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)))
    t("pread", lambda: on(file, os.O_RDONLY, lambda fd: os.pread(fd, 3, 1).decode()))
    t("lseek-end", lambda: on(file, os.O_RDONLY, lambda fd: os.lseek(fd, 0, os.SEEK_END)))
    t("read-write-only", lambda: on(file, os.O_WRONLY, lambda fd: os.read(fd, 3)))
    t("pwrite", lambda: on(file, os.O_WRONLY, lambda fd: os.pwrite(fd, b"ZZ", 1)))
    t("append", lambda: on(file, os.O_WRONLY | os.O_APPEND, lambda fd: os.write(fd, b"+")))
    t("ftruncate-rw", lambda: on(file, os.O_RDWR, lambda fd: os.ftruncate(fd, 2)))
    t("after", lambda: _read(file))
    t("utime-fd", lambda: on(file, os.O_RDWR, lambda fd: os.utime(fd, (5, 5))))
    t("read-dir-fd", lambda: on(directory, os.O_RDONLY | os.O_DIRECTORY, lambda fd: os.read(fd, 1)))
    t("listdir-fd", lambda: on(directory, os.O_RDONLY | os.O_DIRECTORY, lambda fd: sorted(os.listdir(fd))))
    t("fsync-dir", lambda: on(directory, os.O_RDONLY | os.O_DIRECTORY, os.fsync))
    t("open-dir-write", lambda: on(directory, os.O_WRONLY, lambda fd: None))
    t("open-dir-excl", lambda: on(directory, os.O_WRONLY | os.O_CREAT | os.O_EXCL, lambda fd: None))
    t("open-file-as-dir", lambda: on(file, os.O_RDONLY | os.O_DIRECTORY, lambda fd: None))
    t("open-link-nofollow", lambda: on(link, os.O_RDONLY | os.O_NOFOLLOW, lambda fd: None))
    t("open-link-dir-nofollow", lambda: on(link, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, lambda fd: None))
    t("open-truncate", lambda: on(file, os.O_RDONLY | os.O_TRUNC, lambda fd: None))
    t("open-sync", lambda: on(file, os.O_RDWR | os.O_SYNC, lambda fd: None))
    t("open-create-rw", lambda: on(directory + "/created", os.O_RDWR | os.O_CREAT, lambda fd: os.write(fd, b"c")))
    return out


_held = []


def _hold(path, n):
    """Open `path` `n` times and keep the files open (until `release`)."""
    for _ in range(int(n)):
        _held.append(open(path, "rb"))
    return len(_held)


def _release():
    while _held:
        _held.pop().close()


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
    "fd-ops": _fd_ops,
    "hold": _hold,
    "release": _release,
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
    "raw": lambda two_borrows: raw.battery(two_borrows == "1"),
    "poll-two": raw.poll_two,
}


class WitWorld(wit_world.WitWorld):
    def call(self, op: str, args: list) -> str:
        try:
            return json.dumps({"ok": OPS[op](*args)})
        except OSError as exc:
            return json.dumps({"err": errno.errorcode.get(exc.errno, str(exc.errno))})
