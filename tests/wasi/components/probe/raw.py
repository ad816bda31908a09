"""wasi:filesystem called directly (not through wasi-libc): every descriptor method, with the
arguments that make each fail, recorded as its answer or its error-code name. Runs on the
preopens `/data` (mutable) and `/ro` (read-only) laid out by tests/wasi/test_behaviour.py."""

import dataclasses
import enum

from componentize_py_types import Err
from wit_world.imports import monotonic_clock, poll, preopens, streams, types
from wit_world.imports.wall_clock import Datetime

NOFOLLOW = types.PathFlags(0)
FOLLOW = types.PathFlags.SYMLINK_FOLLOW
NONE = types.OpenFlags(0)
DIR = types.OpenFlags.DIRECTORY
READ = types.DescriptorFlags.READ
WRITE = types.DescriptorFlags.WRITE
KEEP = types.NewTimestamp_NoChange()


def plain(value):
    """A JSON-able form of a WASI value (enums and flags by name, records as dicts)."""
    if isinstance(value, enum.Flag):
        return sorted(m.name for m in type(value) if m in value)
    if isinstance(value, enum.Enum):
        return value.name
    if dataclasses.is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return type(value).__name__


def _stat(s):
    """A stat without its times (they differ between runs), but with which times are present."""
    times = [s.data_access_timestamp, s.data_modification_timestamp, s.status_change_timestamp]
    return {"type": s.type.name, "links": s.link_count, "size": s.size, "times": [t is not None for t in times]}


def _entries(d):
    stream = d.read_directory()
    out = []
    while (entry := stream.read_directory_entry()) is not None:
        out.append([entry.name, entry.type.name])
    return sorted(out)


def _stream_failure(stream_read):
    """What a stream read answers: its bytes, `closed`, or the failure's filesystem code."""
    try:
        return plain(stream_read())
    except Err as exc:
        if isinstance(exc.value, streams.StreamError_LastOperationFailed):
            return ["failed", plain(types.filesystem_error_code(exc.value.value))]
        return "closed"


def battery(two_borrows):
    """Answers by name. `two_borrows`: also the calls taking two descriptors (link-at,
    rename-at, is-same-object)."""
    out = {}

    def t(name, call):
        try:
            out[name] = plain(call())
        except Err as exc:
            out[name] = ["err", plain(exc.value)]

    dirs = dict((name, d) for d, name in preopens.get_directories())
    d, ro = dirs["/data"], dirs["/ro"]
    sub = d.open_at(NOFOLLOW, "sub", DIR, READ)
    f = d.open_at(NOFOLLOW, "a.txt", NONE, READ)
    wf = d.open_at(NOFOLLOW, "a.txt", NONE, WRITE)
    rof = ro.open_at(NOFOLLOW, "r.txt", NONE, READ)

    t("flags", lambda: [x.get_flags() for x in (d, ro, sub, f, wf, rof)])
    t("types", lambda: [x.get_type() for x in (d, sub, f)])
    t("stat", lambda: [_stat(x.stat()) for x in (f, rof)])
    t("stat-dir-type", lambda: d.stat().type)
    t("stat-at", lambda: [_stat(d.stat_at(fl, p)) for fl, p in [(NOFOLLOW, "inlink"), (FOLLOW, "inlink")]])
    t("entries", lambda: _entries(d))
    t("entries-ro", lambda: _entries(ro))
    t("hash-same", lambda: f.metadata_hash() == d.metadata_hash_at(NOFOLLOW, "a.txt"))
    t("hash-follow", lambda: f.metadata_hash() == d.metadata_hash_at(FOLLOW, "inlink"))
    t("hash-nofollow", lambda: f.metadata_hash() == d.metadata_hash_at(NOFOLLOW, "inlink"))
    t("hash-other", lambda: f.metadata_hash() == sub.metadata_hash())

    # reading and writing a file
    t("read", lambda: f.read(3, 1))
    t("read-end", lambda: f.read(10, 5))
    t("read-zero", lambda: f.read(0, 0))
    t("read-huge", lambda: len(f.read(2**64 - 1, 0)[0]))
    t("read-far", lambda: f.read(1, 2**63))
    t("read-write-only", lambda: wf.read(1, 0))
    t("write-read-only", lambda: f.write(b"x", 0))
    t("write", lambda: wf.write(b"HE", 0))
    t("write-far", lambda: wf.write(b"x", 2**63))
    t("set-size-read-only", lambda: f.set_size(1))
    t("set-size-huge", lambda: wf.set_size(2**64 - 1))
    t("advise", lambda: f.advise(0, 0, types.Advice.WILL_NEED))
    t("advise-far", lambda: f.advise(2**63, 1, types.Advice.NORMAL))
    t("sync", lambda: [x.sync() for x in (d, f, wf)])
    t("sync-data", lambda: [x.sync_data() for x in (d, f, wf)])
    t("set-times", lambda: wf.set_times(types.NewTimestamp_Timestamp(Datetime(1_000_000_000, 0)), KEEP))
    t("atime", lambda: f.stat().data_access_timestamp.seconds)
    t("set-times-huge", lambda: wf.set_times(KEEP, types.NewTimestamp_Timestamp(Datetime(2**63, 0))))
    t("set-times-carry", lambda: wf.set_times(types.NewTimestamp_Timestamp(Datetime(1, 2_500_000_000)), KEEP))
    t("atime-carried", lambda: [f.stat().data_access_timestamp.seconds, f.stat().data_access_timestamp.nanoseconds])

    # streams
    t("stream-read", lambda: _stream_failure(lambda: f.read_via_stream(1).blocking_read(100)))
    t("stream-end", lambda: _stream_failure(lambda: f.read_via_stream(100).blocking_read(100)))
    t("stream-read-write-only", lambda: _stream_failure(lambda: wf.read_via_stream(0).blocking_read(100)))
    t("stream-write-read-only", lambda: _stream_failure(lambda: f.write_via_stream(0).blocking_write_and_flush(b"x")))
    t("stream-append", lambda: wf.append_via_stream().blocking_write_and_flush(b"!"))
    t("after-append", lambda: f.read(100, 0))
    t("stream-on-dir", lambda: d.read_via_stream(0))
    t("write-stream-on-dir", lambda: d.write_via_stream(0))
    t("append-stream-on-dir", lambda: d.append_via_stream())
    t("stream-ro", lambda: rof.write_via_stream(0))
    t("append-ro", lambda: rof.append_via_stream())

    # the wrong kind of descriptor
    for name, call in [
        ("dir-read", lambda: d.read(1, 0)),
        ("dir-write", lambda: d.write(b"x", 0)),
        ("dir-set-size", lambda: d.set_size(0)),
        ("dir-advise", lambda: d.advise(0, 0, types.Advice.NORMAL)),
        ("file-read-directory", lambda: f.read_directory()),
        ("file-create-directory", lambda: f.create_directory_at("x")),
        ("file-stat-at", lambda: f.stat_at(NOFOLLOW, "x")),
        ("file-open-at", lambda: f.open_at(NOFOLLOW, "x", NONE, READ)),
        ("file-readlink", lambda: f.readlink_at("x")),
        ("file-unlink", lambda: f.unlink_file_at("x")),
        ("file-rmdir", lambda: f.remove_directory_at("x")),
        ("file-symlink", lambda: f.symlink_at("a", "b")),
        ("file-hash-at", lambda: f.metadata_hash_at(NOFOLLOW, "x")),
        ("file-set-times-at", lambda: f.set_times_at(NOFOLLOW, "x", KEEP, KEEP)),
    ]:
        t(name, call)

    # open-at
    for name, flags, path, oflags, dflags in [
        ("open-dir-create", NOFOLLOW, "new", DIR | types.OpenFlags.CREATE, READ),
        ("open-dir-truncate", NOFOLLOW, "sub", DIR | types.OpenFlags.TRUNCATE, READ),
        ("open-dir-exclusive", NOFOLLOW, "sub", DIR | types.OpenFlags.EXCLUSIVE, READ),
        ("open-sync", NOFOLLOW, "a.txt", NONE, READ | types.DescriptorFlags.FILE_INTEGRITY_SYNC),
        ("open-dir-write", NOFOLLOW, "sub", NONE, READ | WRITE),
        ("open-dir-mutate", NOFOLLOW, "sub", DIR, READ | types.DescriptorFlags.MUTATE_DIRECTORY),
        ("open-file-as-dir", NOFOLLOW, "a.txt", DIR, READ),
        ("open-link", NOFOLLOW, "inlink", NONE, READ),
        ("open-link-dir", NOFOLLOW, "dirlink", DIR, READ),
        ("open-link-follow", FOLLOW, "dirlink", DIR, READ),
        ("open-exclusive", NOFOLLOW, "a.txt", types.OpenFlags.CREATE | types.OpenFlags.EXCLUSIVE, READ),
        ("open-missing", NOFOLLOW, "missing", NONE, READ),
        ("open-create", NOFOLLOW, "created", types.OpenFlags.CREATE, READ),
        ("open-no-flags", NOFOLLOW, "a.txt", NONE, types.DescriptorFlags(0)),
        ("open-empty", NOFOLLOW, "", NONE, READ),
        ("open-dot", NOFOLLOW, ".", NONE, READ),
        ("open-dot-dot", NOFOLLOW, "..", NONE, READ),
        ("open-absolute", NOFOLLOW, "/etc/passwd", NONE, READ),
        ("open-escape-link", FOLLOW, "esc", NONE, READ),
        ("open-escape-up", FOLLOW, "up/outside/secret.txt", NONE, READ),
        ("open-loop", FOLLOW, "loop1", NONE, READ),
        ("open-trailing", NOFOLLOW, "a.txt/", NONE, READ),
        ("open-nul", NOFOLLOW, "a\0b", NONE, READ),
    ]:
        t(name, lambda fl=flags, p=path, o=oflags, df=dflags: d.open_at(fl, p, o, df).get_flags())

    # read-only preopen
    for name, call in [
        ("ro-open-write", lambda: ro.open_at(NOFOLLOW, "r.txt", NONE, WRITE)),
        ("ro-open-create", lambda: ro.open_at(NOFOLLOW, "n.txt", types.OpenFlags.CREATE, READ)),
        ("ro-open-truncate", lambda: ro.open_at(NOFOLLOW, "r.txt", types.OpenFlags.TRUNCATE, READ)),
        ("ro-open-mutate", lambda: ro.open_at(NOFOLLOW, "rsub", DIR, READ | types.DescriptorFlags.MUTATE_DIRECTORY)),
        ("ro-mkdir", lambda: ro.create_directory_at("x")),
        ("ro-rmdir", lambda: ro.remove_directory_at("rsub")),
        ("ro-unlink", lambda: ro.unlink_file_at("r.txt")),
        ("ro-symlink", lambda: ro.symlink_at("r.txt", "l")),
        ("ro-set-times", lambda: ro.set_times(KEEP, KEEP)),
        ("ro-set-times-at", lambda: ro.set_times_at(NOFOLLOW, "r.txt", KEEP, KEEP)),
        ("ro-file-write", lambda: rof.write(b"x", 0)),
        ("ro-file-set-size", lambda: rof.set_size(0)),
        ("ro-file-set-times", lambda: rof.set_times(KEEP, KEEP)),
        ("ro-missing-mkdir", lambda: ro.create_directory_at("../x")),
        ("ro-read", lambda: rof.read(100, 0)),
    ]:
        t(name, call)

    # paths
    for name, call in [
        ("stat-up", lambda: d.stat_at(NOFOLLOW, "..")),
        ("stat-absolute", lambda: d.stat_at(NOFOLLOW, "/")),
        ("stat-escape", lambda: d.stat_at(FOLLOW, "esc")),
        ("stat-escape-nofollow", lambda: _stat(d.stat_at(NOFOLLOW, "esc"))),
        ("stat-sub-up", lambda: sub.stat_at(NOFOLLOW, "../a.txt")),
        ("stat-loop", lambda: d.stat_at(FOLLOW, "loop1")),
        ("readlink", lambda: d.readlink_at("esc")),
        ("readlink-absolute", lambda: d.readlink_at("abs")),
        ("readlink-file", lambda: d.readlink_at("a.txt")),
        ("readlink-missing", lambda: d.readlink_at("missing")),
        ("symlink-absolute", lambda: d.symlink_at("/etc/passwd", "made-abs")),
        ("symlink-escape", lambda: d.symlink_at("../outside", "made-up")),
        ("symlink-exists", lambda: d.symlink_at("a.txt", "inlink")),
        ("mkdir-dot", lambda: d.create_directory_at(".")),
        ("mkdir-trailing", lambda: d.create_directory_at("made/")),
        ("mkdir-exists", lambda: d.create_directory_at("sub")),
        ("mkdir-up", lambda: d.create_directory_at("../made")),
        ("mkdir-in-link", lambda: d.create_directory_at("dirlink/made")),
        ("rmdir-dot", lambda: d.remove_directory_at(".")),
        ("rmdir-file", lambda: d.remove_directory_at("a.txt")),
        ("rmdir-link", lambda: d.remove_directory_at("dirlink")),
        ("rmdir-not-empty", lambda: d.remove_directory_at("sub")),
        ("rmdir-trailing", lambda: d.remove_directory_at("made/")),
        ("unlink-dir", lambda: d.unlink_file_at("sub")),
        ("unlink-dot", lambda: d.unlink_file_at(".")),
        ("unlink-trailing", lambda: d.unlink_file_at("a.txt/")),
        ("unlink-link-to-dir", lambda: d.unlink_file_at("made-up")),
        ("unlink-missing", lambda: d.unlink_file_at("missing")),
        ("set-times-at-link", lambda: d.set_times_at(NOFOLLOW, "inlink", KEEP, KEEP)),
        ("set-times-at-escape", lambda: d.set_times_at(FOLLOW, "esc", KEEP, KEEP)),
        ("hash-escape", lambda: d.metadata_hash_at(FOLLOW, "esc")),
        ("entries-after", lambda: _entries(d)),
    ]:
        t(name, call)

    if two_borrows:
        for name, call in [
            ("same-object", lambda: [d.is_same_object(d), d.is_same_object(sub), f.is_same_object(rof)]),
            ("link-follow", lambda: d.link_at(FOLLOW, "a.txt", d, "l1")),
            ("link", lambda: d.link_at(NOFOLLOW, "a.txt", sub, "l2")),
            ("link-links", lambda: f.stat().link_count),
            ("link-dir", lambda: d.link_at(NOFOLLOW, "sub", d, "l3")),
            ("link-exists", lambda: d.link_at(NOFOLLOW, "a.txt", d, "inlink")),
            ("link-to-ro", lambda: d.link_at(NOFOLLOW, "a.txt", ro, "l4")),
            ("link-from-ro", lambda: ro.link_at(NOFOLLOW, "r.txt", d, "l5")),
            ("link-file-descriptor", lambda: d.link_at(NOFOLLOW, "a.txt", f, "l6")),
            ("link-escape", lambda: d.link_at(NOFOLLOW, "a.txt", d, "up/l7")),
            ("rename", lambda: d.rename_at("created", sub, "moved")),
            ("rename-dir-into-itself", lambda: d.rename_at("sub", sub, "inner")),
            ("rename-file-over-dir", lambda: sub.rename_at("moved", d, "sub")),
            ("rename-dir-over-file", lambda: d.rename_at("sub", d, "a.txt")),
            ("rename-missing", lambda: d.rename_at("missing", d, "x")),
            ("rename-to-ro", lambda: d.rename_at("a.txt", ro, "x")),
            ("rename-escape", lambda: d.rename_at("a.txt", d, "../x")),
            ("rename-dot", lambda: d.rename_at(".", d, "x")),
            ("rename-over-self", lambda: d.rename_at("a.txt", d, "a.txt")),
            ("entries-sub", lambda: _entries(sub)),
        ]:
            t(name, call)
    return out


def poll_two(short_ms, long_ms):
    """Which of two timers `poll` says are ready, and the milliseconds it waited."""
    start = monotonic_clock.now()
    short = monotonic_clock.subscribe_duration(int(short_ms) * 1_000_000)
    long = monotonic_clock.subscribe_duration(int(long_ms) * 1_000_000)
    ready = poll.poll([long, short])
    return [list(ready), (monotonic_clock.now() - start) / 1e6]
