/* The cabi engine's per-instantiation loops over wasmtime's C API, in C (optional: without a
C compiler the same loops run through ctypes).

- `fill`, the loop of `wiring.ImportArray.fill`: CPython built for wasm wires ~2,100 exports
  between its core modules on every instantiation, each one `wasmtime_instance_export_get`.
- `new_funcs`, the loop of `fastcall.HostFuncs.add_all`: a componentize-py component lowers
  ~120 host functions, each one `wasmtime_func_new_unchecked`.

- `Memory`, a linear memory's `memoryview`, rebuilt only when the memory grew (`fastcall.MemoryView`).
- `Realloc`, a component instance's `cabi_realloc` called as the spec's lowering does, with its
  checks (`engine._Site.alloc`): a list of 1,000 strings calls it 1,001 times.
- `pack_records`/`unpack_records`, a list of plain records (numbers and bools only) to and from
  its bytes in memory, for generated call sites: the checks and object building of the
  generated Python loop, without its bytecode (~0.5 us a record).
- `Adapter`, the fused adapter between two component instances for functions whose values all
  pass as they are (32- and 64-bit numbers: `fuse.py`'s `call_numbers` with no conversion), as a
  host function of its own: no Python frame per call between composed components.

From Python each C call also pays ctypes' argument conversion (~0.25-1 us); here the calls run
back to back. This module knows nothing of wasmtime: it is handed the C functions' addresses
and arrays of ready arguments.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <float.h>
#include <math.h>

typedef bool (*export_get_fn)(void *context, const void *instance, const char *name, size_t name_len,
                              void *item);

/* One import: where its source instance's address is held, the export's name, where to write. */
struct wire {
    const void *const *instance;
    const char *name;
    size_t name_len;
    void *item;
};

/* fill(export_get, context, wires, count) -> index of the first export not found, else count */
static PyObject *fill(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "fill(export_get, context, wires, count) takes 4 arguments");
        return NULL;
    }
    export_get_fn get = (export_get_fn)PyLong_AsVoidPtr(args[0]);
    void *context = PyLong_AsVoidPtr(args[1]);
    const struct wire *wires = (const struct wire *)PyLong_AsVoidPtr(args[2]);
    size_t count = PyLong_AsSize_t(args[3]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    if (get == NULL || context == NULL || (wires == NULL && count > 0)) {
        PyErr_SetString(PyExc_ValueError, "fill: null address");
        return NULL;
    }
    size_t i = 0;
    for (; i < count; i++) {
        const struct wire *w = &wires[i];
        if (!get(context, *w->instance, w->name, w->name_len, w->item)) {
            break;
        }
    }
    return PyLong_FromSize_t(i);
}

typedef void (*func_new_fn)(void *context, const void *type, const void *callback, void *env,
                            void (*finalizer)(void *), void *out);

/* One host function: its function type and the callback that runs it (its `env` is counted). */
struct func_spec {
    const void *type;
    const void *callback;
};

/* new_funcs(func_new, context, specs, count, first_env, out, extern_size, of_offset, kind):
   makes `count` functions, the i-th with `env` first_env + i, each written into the i-th
   `extern_size`-byte extern of `out` (its kind byte set to `kind`, its function at `of_offset`) */
static PyObject *new_funcs(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 9) {
        PyErr_SetString(PyExc_TypeError,
                        "new_funcs(func_new, context, specs, count, first_env, out, extern_size, of_offset, kind)"
                        " takes 9 arguments");
        return NULL;
    }
    func_new_fn func_new = (func_new_fn)PyLong_AsVoidPtr(args[0]);
    void *context = PyLong_AsVoidPtr(args[1]);
    const struct func_spec *specs = (const struct func_spec *)PyLong_AsVoidPtr(args[2]);
    size_t count = PyLong_AsSize_t(args[3]);
    size_t first_env = PyLong_AsSize_t(args[4]);
    char *out = (char *)PyLong_AsVoidPtr(args[5]);
    size_t extern_size = PyLong_AsSize_t(args[6]);
    size_t of_offset = PyLong_AsSize_t(args[7]);
    long kind = PyLong_AsLong(args[8]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    if (func_new == NULL || context == NULL || ((specs == NULL || out == NULL) && count > 0)) {
        PyErr_SetString(PyExc_ValueError, "new_funcs: null address");
        return NULL;
    }
    if (of_offset >= extern_size || kind < 0 || kind > 255) {
        PyErr_SetString(PyExc_ValueError, "new_funcs: bad extern layout");
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        char *item = out + i * extern_size;
        *(unsigned char *)item = (unsigned char)kind;
        func_new(context, specs[i].type, specs[i].callback, (void *)(first_env + i), NULL, item + of_offset);
    }
    Py_RETURN_NONE;
}

typedef unsigned char *(*memory_data_fn)(const void *context, const void *memory);
typedef size_t (*memory_size_fn)(const void *context, const void *memory);
typedef void *(*call_fn)(void *context, const void *func, void *args_and_results, size_t count, void **trap);

/* Memory(data, data_size, context, memory, owner): `view()` is the memory as a writable
   memoryview, the cached one while the size is unchanged (a memory only moves when it grows).
   `owner` is kept alive: the Python object that owns the `wasmtime_memory_t` at `memory`. */
typedef struct {
    PyObject_HEAD
    memory_data_fn data;
    memory_size_fn data_size;
    const void *context;
    const void *memory;
    PyObject *owner;
    size_t size;
    PyObject *view;
} MemoryObject;

static int Memory_traverse(MemoryObject *self, visitproc visit, void *arg) {
    Py_VISIT(self->owner);
    Py_VISIT(self->view);
    return 0;
}

static int Memory_clear(MemoryObject *self) {
    Py_CLEAR(self->owner);
    Py_CLEAR(self->view);
    return 0;
}

static void Memory_dealloc(MemoryObject *self) {
    PyObject_GC_UnTrack(self);
    Memory_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Memory_init(MemoryObject *self, PyObject *args, PyObject *kwds) {
    PyObject *data, *data_size, *context, *memory, *owner;
    if (kwds != NULL && PyDict_GET_SIZE(kwds) > 0) {
        PyErr_SetString(PyExc_TypeError, "Memory() takes no keyword arguments");
        return -1;
    }
    if (!PyArg_UnpackTuple(args, "Memory", 5, 5, &data, &data_size, &context, &memory, &owner)) {
        return -1;
    }
    self->data = (memory_data_fn)PyLong_AsVoidPtr(data);
    self->data_size = (memory_size_fn)PyLong_AsVoidPtr(data_size);
    self->context = PyLong_AsVoidPtr(context);
    self->memory = PyLong_AsVoidPtr(memory);
    if (PyErr_Occurred()) {
        return -1;
    }
    if (self->data == NULL || self->data_size == NULL || self->context == NULL || self->memory == NULL) {
        PyErr_SetString(PyExc_ValueError, "Memory: null address");
        return -1;
    }
    Py_INCREF(owner);
    Py_XSETREF(self->owner, owner);
    Py_CLEAR(self->view);
    self->size = (size_t)-1;
    return 0;
}

static PyObject *memory_view(MemoryObject *self) {
    if (self->owner == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Memory: cleared");
        return NULL;
    }
    size_t size = self->data_size(self->context, self->memory);
    if (self->view == NULL || size != self->size) {
        PyObject *view;
        if (size == 0) { /* writable, as a memory of 0 pages takes 0-byte values (b"" is read-only) */
            static char empty[1];
            view = PyMemoryView_FromMemory(empty, 0, PyBUF_WRITE);
        } else {
            view = PyMemoryView_FromMemory((char *)self->data(self->context, self->memory), (Py_ssize_t)size,
                                           PyBUF_WRITE);
        }
        if (view == NULL) {
            return NULL;
        }
        Py_XSETREF(self->view, view);
        self->size = size;
    }
    Py_INCREF(self->view);
    return self->view;
}

static PyObject *Memory_view(MemoryObject *self, PyObject *unused) {
    (void)unused;
    return memory_view(self);
}

static PyMethodDef Memory_methods[] = {
    {"view", (PyCFunction)Memory_view, METH_NOARGS, "The memory as a memoryview (fetch again after wasm ran)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject MemoryType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "witgen.runtime.cabi._wire.Memory",
    .tp_basicsize = sizeof(MemoryObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = (traverseproc)Memory_traverse,
    .tp_clear = (inquiry)Memory_clear,
    .tp_doc = "A linear memory's memoryview, rebuilt only when the memory grew.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Memory_init,
    .tp_dealloc = (destructor)Memory_dealloc,
    .tp_methods = Memory_methods,
};

/* Realloc(call, context, func, owner, memory, instance, fault, bad): `alloc(align, size)` is
   `realloc(0, 0, align, size)` run with `instance.may_leave` false, its pointer checked against
   `memory` (a Memory). A trap raises `fault(error, trap)`; a bad pointer calls
   `bad(ptr, align, size)`, which raises. The call releases the GIL like ctypes' calls into wasm
   do (a deadline is enforced by a Python thread). */
typedef struct {
    PyObject_HEAD
    call_fn call;
    void *context;
    const void *func;
    PyObject *owner;
    MemoryObject *memory;
    PyObject *instance;
    PyObject *fault;
    PyObject *bad;
} ReallocObject;

static PyObject *may_leave_name;

static int Realloc_traverse(ReallocObject *self, visitproc visit, void *arg) {
    Py_VISIT(self->owner);
    Py_VISIT(self->memory);
    Py_VISIT(self->instance);
    Py_VISIT(self->fault);
    Py_VISIT(self->bad);
    return 0;
}

/* `bad` is usually a bound method of an object that holds this one's `alloc`: a cycle. */
static int Realloc_clear(ReallocObject *self) {
    Py_CLEAR(self->owner);
    Py_CLEAR(self->memory);
    Py_CLEAR(self->instance);
    Py_CLEAR(self->fault);
    Py_CLEAR(self->bad);
    return 0;
}

static void Realloc_dealloc(ReallocObject *self) {
    PyObject_GC_UnTrack(self);
    Realloc_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Realloc_init(ReallocObject *self, PyObject *args, PyObject *kwds) {
    PyObject *call, *context, *func, *owner, *memory, *instance, *fault, *bad;
    if (kwds != NULL && PyDict_GET_SIZE(kwds) > 0) {
        PyErr_SetString(PyExc_TypeError, "Realloc() takes no keyword arguments");
        return -1;
    }
    if (!PyArg_UnpackTuple(args, "Realloc", 8, 8, &call, &context, &func, &owner, &memory, &instance, &fault,
                           &bad)) {
        return -1;
    }
    if (!PyObject_TypeCheck(memory, &MemoryType)) {
        PyErr_SetString(PyExc_TypeError, "Realloc: memory must be a Memory");
        return -1;
    }
    self->call = (call_fn)PyLong_AsVoidPtr(call);
    self->context = PyLong_AsVoidPtr(context);
    self->func = PyLong_AsVoidPtr(func);
    if (PyErr_Occurred()) {
        return -1;
    }
    if (self->call == NULL || self->context == NULL || self->func == NULL) {
        PyErr_SetString(PyExc_ValueError, "Realloc: null address");
        return -1;
    }
    Py_INCREF(owner);
    Py_XSETREF(self->owner, owner);
    Py_INCREF(memory);
    Py_XSETREF(self->memory, (MemoryObject *)memory);
    Py_INCREF(instance);
    Py_XSETREF(self->instance, instance);
    Py_INCREF(fault);
    Py_XSETREF(self->fault, fault);
    Py_INCREF(bad);
    Py_XSETREF(self->bad, bad);
    return 0;
}

/* One `wasmtime_val_raw_t` (16 bytes); i32 arguments and results live in its first 4 bytes. */
typedef union {
    uint32_t i32;
    unsigned char bytes[16];
} raw_slot;

/* `realloc(0, 0, align, size)` with its checks; 0 and the pointer in `*out`, or -1 with the
   exception set (the trap's `fault`, or what `bad` raised). */
static int realloc_call(ReallocObject *self, uint32_t align, uint32_t size, uint32_t *out) {
    if (self->owner == NULL || self->instance == NULL || self->fault == NULL || self->bad == NULL ||
        self->memory == NULL || self->memory->owner == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "alloc: cleared");
        return -1;
    }
    raw_slot slots[4];
    memset(slots, 0, sizeof slots);
    slots[2].i32 = align;
    slots[3].i32 = size;
    void *trap = NULL;
    if (PyObject_SetAttr(self->instance, may_leave_name, Py_False) < 0) {
        return -1;
    }
    void *error;
    Py_BEGIN_ALLOW_THREADS
    error = self->call(self->context, self->func, slots, 4, &trap);
    Py_END_ALLOW_THREADS
    if (PyObject_SetAttr(self->instance, may_leave_name, Py_True) < 0) {
        return -1;
    }
    if (error != NULL || trap != NULL) {
        PyObject *exc = PyObject_CallFunction(self->fault, "nn", (Py_ssize_t)error, (Py_ssize_t)trap);
        if (exc != NULL) {
            PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
            Py_DECREF(exc);
        }
        return -1;
    }
    uint32_t ptr = slots[0].i32;
    size_t memory_size = self->memory->data_size(self->memory->context, self->memory->memory);
    if (ptr % align != 0 || (uint64_t)ptr + size > memory_size) {
        PyObject *raised = PyObject_CallFunction(self->bad, "kkk", (unsigned long)ptr, (unsigned long)align,
                                                 (unsigned long)size);
        if (raised != NULL) {
            Py_DECREF(raised);
            PyErr_SetString(PyExc_RuntimeError, "alloc: the bad-pointer check did not raise");
        }
        return -1;
    }
    *out = ptr;
    return 0;
}

static PyObject *Realloc_alloc(ReallocObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "alloc(align, size) takes 2 arguments");
        return NULL;
    }
    unsigned long align = PyLong_AsUnsignedLong(args[0]);
    unsigned long size = PyLong_AsUnsignedLong(args[1]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    if (align == 0 || align > 0xffffffffUL || size > 0xffffffffUL) {
        PyErr_SetString(PyExc_ValueError, "alloc: alignment or size out of range");
        return NULL;
    }
    uint32_t ptr;
    if (realloc_call(self, (uint32_t)align, (uint32_t)size, &ptr) < 0) {
        return NULL;
    }
    return PyLong_FromUnsignedLong(ptr);
}

/* A well-formed UTF-8 sequence, as Python's strict decoder takes it: no overlong forms, no
   surrogates, nothing past U+10FFFF. */
static bool valid_utf8(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        if (n - i >= 8) { /* eight ASCII bytes at a time */
            uint64_t word;
            memcpy(&word, s + i, 8);
            if ((word & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i <= need) {
            return false;
        }
        for (size_t k = 1; k <= need; k++) {
            unsigned char t = s[i + k];
            if ((t & 0xC0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (t & 0x3F);
        }
        if ((need == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
            return false;
        }
        i += need + 1;
    }
    return true;
}

/* Realloc.load_utf8_strings(view, ptr, count) -> (bytes, lengths) | None: the `count` UTF-8
   strings whose (pointer, length) pairs are at `ptr` of a memoryview (the caller checked the
   pairs' span), their bytes joined; None when one is out of bounds or not valid UTF-8 (the
   caller's plain path then reports it). */
static PyObject *load_utf8_strings(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "load_utf8_strings(view, ptr, count) takes 3 arguments");
        return NULL;
    }
    Py_ssize_t ptr = PyLong_AsSsize_t(args[1]);
    Py_ssize_t n = PyLong_AsSsize_t(args[2]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    PyObject *result = NULL, *lengths = NULL, *blob = NULL;
    const unsigned char *mem = (const unsigned char *)view.buf;
    size_t size = (size_t)view.len;
    if (ptr < 0 || n < 0 || (size_t)ptr > size || (size_t)n > (size - (size_t)ptr) / 8) {
        PyErr_SetString(PyExc_IndexError, "load_utf8_strings: the pairs are out of bounds");
        goto done;
    }
    size_t total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        uint32_t p, k;
        memcpy(&p, mem + ptr + 8 * i, 4);
        memcpy(&k, mem + ptr + 8 * i + 4, 4);
        if ((uint64_t)p + k > size || !valid_utf8(mem + p, k)) {
            result = Py_None;
            Py_INCREF(result);
            goto done;
        }
        total += k;
        if (total > ((size_t)1 << 31)) { /* more than a memory's worth: left to the plain path */
            result = Py_None;
            Py_INCREF(result);
            goto done;
        }
    }
    lengths = PyTuple_New(n);
    blob = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)total);
    if (lengths == NULL || blob == NULL) {
        goto done;
    }
    char *out = PyBytes_AS_STRING(blob);
    for (Py_ssize_t i = 0; i < n; i++) {
        uint32_t p, k;
        memcpy(&p, mem + ptr + 8 * i, 4);
        memcpy(&k, mem + ptr + 8 * i + 4, 4);
        memcpy(out, mem + p, k);
        out += k;
        PyObject *length = PyLong_FromUnsignedLong(k);
        if (length == NULL) {
            goto done;
        }
        PyTuple_SET_ITEM(lengths, i, length);
    }
    result = PyTuple_Pack(2, blob, lengths);
done:
    Py_XDECREF(lengths);
    Py_XDECREF(blob);
    PyBuffer_Release(&view);
    return result;
}

/* Realloc.store_utf8_strings(blob, lengths, base): each string of `blob` (cut by `lengths`)
   stored as CanonicalABI.md's UTF-8 to UTF-8 copy does, `realloc(0, 0, 1, length)` then the
   bytes, its (pointer, length) pair written at `base` + 8 i right after. */
static PyObject *Realloc_store_utf8_strings(ReallocObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3 || !PyBytes_Check(args[0]) || !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "store_utf8_strings(blob: bytes, lengths: tuple, base) takes 3 arguments");
        return NULL;
    }
    PyObject *blob = args[0], *lengths = args[1];
    unsigned long base = PyLong_AsUnsignedLong(args[2]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(lengths), offset = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned long k = PyLong_AsUnsignedLong(PyTuple_GET_ITEM(lengths, i));
        if (PyErr_Occurred()) {
            return NULL;
        }
        if (k > 0xffffffffUL || offset + (Py_ssize_t)k > PyBytes_GET_SIZE(blob)) {
            PyErr_SetString(PyExc_ValueError, "store_utf8_strings: lengths beyond the bytes");
            return NULL;
        }
        uint32_t ptr;
        if (realloc_call(self, 1, (uint32_t)k, &ptr) < 0) {
            return NULL;
        }
        MemoryObject *m = self->memory;
        unsigned char *data = m->data(m->context, m->memory); /* the memory may have grown */
        size_t size = m->data_size(m->context, m->memory);
        if ((uint64_t)base + 8 * (uint64_t)i + 8 > size) {
            PyErr_SetString(PyExc_IndexError, "store_utf8_strings: the pairs are out of bounds");
            return NULL;
        }
        memcpy(data + ptr, PyBytes_AS_STRING(blob) + offset, k);
        uint32_t pair[2] = {ptr, (uint32_t)k};
        memcpy(data + base + 8 * i, pair, 8);
        offset += (Py_ssize_t)k;
    }
    Py_RETURN_NONE;
}

static PyMethodDef Realloc_methods[] = {
    {"alloc", (PyCFunction)(void (*)(void))Realloc_alloc, METH_FASTCALL,
     "`realloc(0, 0, align, size)` in the instance, its pointer checked."},
    {"store_utf8_strings", (PyCFunction)(void (*)(void))Realloc_store_utf8_strings, METH_FASTCALL,
     "Store UTF-8 strings as the spec's copy does, each pair written at `base` + 8 i."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ReallocType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "witgen.runtime.cabi._wire.Realloc",
    .tp_basicsize = sizeof(ReallocObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = (traverseproc)Realloc_traverse,
    .tp_clear = (inquiry)Realloc_clear,
    .tp_doc = "A component instance's realloc, called as the canonical ABI's lowering does.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Realloc_init,
    .tp_dealloc = (destructor)Realloc_dealloc,
    .tp_methods = Realloc_methods,
};

typedef void *(*trap_new_fn)(const char *message, size_t len);

/* Adapter(call, trap_new, context, callee, post_return, count, post_count, body): a fused adapter
   whose core signature is the callee's. `callee`/`post_return` are the 16-byte `wasmtime_func_t`s
   (post_return b"" when there is none); `count` is the callee's max(params, results) slots,
   `post_count` its result count (post-return's parameters). `body` is a weak reference to the
   Python object with `caller` and `callee` (component instances) and `message(error, trap, where)`,
   which makes the trap message of a failure (where: 0 the flags refused the call or the callee
   trapped, 1 post-return trapped) and poisons what it must. The function's `env` holds a reference
   to the Adapter (dropped by `adapter_finalizer` with the store), the Adapter only a weak one to
   `body`, which the instance keeps: no cycle through the store. */
typedef struct {
    PyObject_HEAD
    call_fn call;
    trap_new_fn trap_new;
    void *context;
    unsigned char callee[16];
    unsigned char post[16];
    bool has_post;
    size_t count;
    size_t post_count;
    PyObject *body;
} AdapterObject;

static PyObject *caller_name, *callee_name, *poisoned_name, *may_enter_name;

static void Adapter_dealloc(AdapterObject *self) {
    Py_XDECREF(self->body);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Adapter_init(AdapterObject *self, PyObject *args, PyObject *kwds) {
    PyObject *call, *trap_new, *context, *body;
    Py_buffer callee, post;
    Py_ssize_t count, post_count;
    if (kwds != NULL && PyDict_GET_SIZE(kwds) > 0) {
        PyErr_SetString(PyExc_TypeError, "Adapter() takes no keyword arguments");
        return -1;
    }
    if (!PyArg_ParseTuple(args, "OOOy*y*nnO", &call, &trap_new, &context, &callee, &post, &count, &post_count,
                          &body)) {
        return -1;
    }
    int ok = -1;
    if (callee.len != 16 || (post.len != 0 && post.len != 16) || count < 0 || count > 64 || post_count < 0 ||
        post_count > count || !PyWeakref_CheckRef(body)) {
        PyErr_SetString(PyExc_ValueError, "Adapter: bad function, counts or body reference");
        goto out;
    }
    self->call = (call_fn)PyLong_AsVoidPtr(call);
    self->trap_new = (trap_new_fn)PyLong_AsVoidPtr(trap_new);
    self->context = PyLong_AsVoidPtr(context);
    if (PyErr_Occurred()) {
        goto out;
    }
    if (self->call == NULL || self->trap_new == NULL || self->context == NULL) {
        PyErr_SetString(PyExc_ValueError, "Adapter: null address");
        goto out;
    }
    memcpy(self->callee, callee.buf, 16);
    self->has_post = post.len == 16;
    if (self->has_post) {
        memcpy(self->post, post.buf, 16);
    }
    self->count = (size_t)count;
    self->post_count = (size_t)post_count;
    Py_INCREF(body);
    Py_XSETREF(self->body, body);
    ok = 0;
out:
    PyBuffer_Release(&callee);
    PyBuffer_Release(&post);
    return ok;
}

static void *adapter_trap(AdapterObject *a, const char *message) { return a->trap_new(message, strlen(message)); }

/* The trap for a failure: its message is `body.message(error, trap, where)` (bytes). */
static void *adapter_failed(AdapterObject *a, PyObject *body, void *error, void *trap, int where) {
    PyErr_Clear();
    PyObject *out = PyObject_CallMethod(body, "message", "nni", (Py_ssize_t)error, (Py_ssize_t)trap, where);
    void *made;
    if (out != NULL && PyBytes_Check(out)) {
        made = a->trap_new(PyBytes_AS_STRING(out), (size_t)PyBytes_GET_SIZE(out));
    } else {
        PyErr_Clear();
        made = adapter_trap(a, "a fused adapter failed, and so did reporting why");
    }
    Py_XDECREF(out);
    return made;
}

/* An attribute of `obj` compared with `expected` by identity (-1: the lookup failed). */
static int attr_is(PyObject *obj, PyObject *name, PyObject *expected) {
    PyObject *v = PyObject_GetAttr(obj, name);
    if (v == NULL) {
        return -1;
    }
    int same = v == expected;
    Py_DECREF(v);
    return same;
}

/* wasmtime_func_unchecked_callback_t: runs with the GIL released (wasm was called without it). */
static void *adapter_callback(void *env, void *caller, raw_slot *slots, size_t count) {
    (void)caller;
    AdapterObject *a = (AdapterObject *)env;
    void *result = NULL;
    PyGILState_STATE gil = PyGILState_Ensure();
    PyObject *body = PyWeakref_GetObject(a->body); /* borrowed */
    if (body == NULL || body == Py_None) {
        PyErr_Clear();
        result = adapter_trap(a, "a fused adapter was called after the instance that made it was dropped");
        goto release;
    }
    Py_INCREF(body);
    PyObject *from = PyObject_GetAttr(body, caller_name);
    PyObject *to = from == NULL ? NULL : PyObject_GetAttr(body, callee_name);
    if (to == NULL || count < a->count) {
        result = adapter_failed(a, body, NULL, NULL, 0);
        goto done;
    }
    /* fuse.py's `enter`: the caller may leave, the callee is alive and not on the stack */
    if (attr_is(from, may_leave_name, Py_True) != 1 || attr_is(to, poisoned_name, Py_None) != 1 ||
        attr_is(to, may_enter_name, Py_True) != 1 || PyObject_SetAttr(to, may_enter_name, Py_False) < 0) {
        PyErr_Clear();
        result = adapter_failed(a, body, NULL, NULL, 0);
        goto done;
    }
    void *trap = NULL;
    void *error;
    raw_slot results[64];
    PyThreadState *state = PyEval_SaveThread();
    error = a->call(a->context, a->callee, slots, a->count, &trap);
    PyEval_RestoreThread(state);
    if (PyObject_SetAttr(to, may_enter_name, Py_True) < 0) {
        PyErr_Clear();
    }
    if (error != NULL || trap != NULL) {
        result = adapter_failed(a, body, error, trap, 0);
        goto done;
    }
    if (a->has_post) { /* post-return gets the results; the caller gets them unchanged */
        memcpy(results, slots, a->post_count * sizeof(raw_slot));
        if (PyObject_SetAttr(to, may_leave_name, Py_False) < 0) {
            PyErr_Clear();
        }
        state = PyEval_SaveThread();
        error = a->call(a->context, a->post, results, a->post_count, &trap);
        PyEval_RestoreThread(state);
        if (PyObject_SetAttr(to, may_leave_name, Py_True) < 0) {
            PyErr_Clear();
        }
        if (error != NULL || trap != NULL) {
            result = adapter_failed(a, body, error, trap, 1);
        }
    }
done:
    Py_XDECREF(from);
    Py_XDECREF(to);
    Py_DECREF(body);
release:
    PyGILState_Release(gil);
    return result;
}

/* The function's finalizer: wasmtime drops its env (a reference to the Adapter) with the store. */
static void adapter_finalizer(void *env) {
    PyGILState_STATE gil = PyGILState_Ensure();
    Py_DECREF((PyObject *)env);
    PyGILState_Release(gil);
}

typedef void (*func_new_unchecked_fn)(void *context, const void *type, void *callback, void *env,
                                      void (*finalizer)(void *), void *out);

/* Adapter.new_func(func_new, type, out): make the wasmtime function running this adapter into the
   `wasmtime_func_t` at `out` (it holds a reference to the adapter until the store drops it). */
static PyObject *Adapter_new_func(AdapterObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "new_func(func_new, type, out) takes 3 arguments");
        return NULL;
    }
    func_new_unchecked_fn func_new = (func_new_unchecked_fn)PyLong_AsVoidPtr(args[0]);
    void *type = PyLong_AsVoidPtr(args[1]);
    void *out = PyLong_AsVoidPtr(args[2]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    if (func_new == NULL || type == NULL || out == NULL || self->body == NULL) {
        PyErr_SetString(PyExc_ValueError, "new_func: null address");
        return NULL;
    }
    Py_INCREF(self);
    func_new(self->context, type, (void *)adapter_callback, self, adapter_finalizer, out);
    Py_RETURN_NONE;
}

static PyMethodDef Adapter_methods[] = {
    {"new_func", (PyCFunction)(void (*)(void))Adapter_new_func, METH_FASTCALL,
     "Make the wasmtime function running this adapter at the address `out`."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject AdapterType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "witgen.runtime.cabi._wire.Adapter",
    .tp_basicsize = sizeof(AdapterObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A fused adapter for values that pass between two component instances as they are.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Adapter_init,
    .tp_dealloc = (destructor)Adapter_dealloc,
    .tp_methods = Adapter_methods,
};

/* --- lists of plain records ------------------------------------------------------------------

   A record's fields are described by `kinds` (one struct code each: b B h H i I q Q f d, and ?
   for bool) and their byte `offsets` in a `size`-byte element. */

static int field_size(char kind) {
    switch (kind) {
    case 'b': case 'B': case '?': return 1;
    case 'h': case 'H': return 2;
    case 'i': case 'I': case 'f': return 4;
    case 'q': case 'Q': case 'd': return 8;
    default: return 0;
    }
}

/* Checks a record description against `size`; fills `offs` (at most 64 fields). */
static int record_layout(PyObject *names, PyObject *kinds, PyObject *offsets, Py_ssize_t size, Py_ssize_t *offs,
                         Py_ssize_t *count) {
    if (!PyTuple_Check(names) || !PyBytes_Check(kinds) || !PyTuple_Check(offsets)) {
        PyErr_SetString(PyExc_TypeError, "records: names and offsets must be tuples, kinds bytes");
        return -1;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(names);
    if (n == 0 || n > 64 || PyBytes_GET_SIZE(kinds) != n || PyTuple_GET_SIZE(offsets) != n || size <= 0) {
        PyErr_SetString(PyExc_ValueError, "records: bad record description");
        return -1;
    }
    const char *k = PyBytes_AS_STRING(kinds);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t off = PyLong_AsSsize_t(PyTuple_GET_ITEM(offsets, i));
        if (off == -1 && PyErr_Occurred()) {
            return -1;
        }
        int width = field_size(k[i]);
        if (width == 0 || off < 0 || off + width > size || !PyUnicode_Check(PyTuple_GET_ITEM(names, i))) {
            PyErr_SetString(PyExc_ValueError, "records: bad record description");
            return -1;
        }
        offs[i] = off;
    }
    *count = n;
    return 0;
}

/* Writes one field; 1 when the value is not one the generated check takes as it is (the
   caller then leaves the whole list to the generated code, which reports or converts it). */
static int put_field(char kind, PyObject *v, unsigned char *at) {
    if (kind == '?') {
        if (v != Py_True && v != Py_False) {
            return 1;
        }
        *at = v == Py_True;
        return 0;
    }
    if (kind == 'd' || kind == 'f') {
        if (!PyFloat_CheckExact(v)) {
            return 1;
        }
        double x = PyFloat_AS_DOUBLE(v);
        if (kind == 'd') {
            memcpy(at, &x, 8);
            return 0;
        }
        if ((x > FLT_MAX || x < -FLT_MAX) && !isinf(x)) {
            return 1;
        }
        float y = (float)x;
        memcpy(at, &y, 4);
        return 0;
    }
    if (!PyLong_CheckExact(v)) {
        return 1;
    }
    int overflow = 0;
    if (kind == 'Q') {
        unsigned long long u = PyLong_AsUnsignedLongLong(v);
        if (u == (unsigned long long)-1 && PyErr_Occurred()) {
            PyErr_Clear();
            return 1;
        }
        memcpy(at, &u, 8);
        return 0;
    }
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow != 0 || (x == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return 1;
    }
    switch (kind) {
    case 'b': if (x < -128 || x > 127) return 1; { int8_t y = (int8_t)x; memcpy(at, &y, 1); } return 0;
    case 'B': if (x < 0 || x > 255) return 1; { uint8_t y = (uint8_t)x; memcpy(at, &y, 1); } return 0;
    case 'h': if (x < -32768 || x > 32767) return 1; { int16_t y = (int16_t)x; memcpy(at, &y, 2); } return 0;
    case 'H': if (x < 0 || x > 65535) return 1; { uint16_t y = (uint16_t)x; memcpy(at, &y, 2); } return 0;
    case 'i': if (x < INT32_MIN || x > INT32_MAX) return 1; { int32_t y = (int32_t)x; memcpy(at, &y, 4); } return 0;
    case 'I': if (x < 0 || x > (long long)UINT32_MAX) return 1; { uint32_t y = (uint32_t)x; memcpy(at, &y, 4); } return 0;
    case 'q': memcpy(at, &x, 8); return 0;
    default: return 1;
    }
}

/* pack_records(items, cls, names, kinds, offsets, size) -> (bytes, count) | None: a list or tuple
   of `cls` instances (exactly) as the bytes of their elements; None when any element or field is
   not exactly what the generated check takes as it is. */
static PyObject *pack_records(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "pack_records(items, cls, names, kinds, offsets, size) takes 6 arguments");
        return NULL;
    }
    PyObject *items = args[0], *cls = args[1], *names = args[2];
    Py_ssize_t size = PyLong_AsSsize_t(args[5]);
    Py_ssize_t offs[64], fields;
    if ((size == -1 && PyErr_Occurred()) || record_layout(names, args[3], args[4], size, offs, &fields) < 0) {
        return NULL;
    }
    if (!PyList_CheckExact(items) && !PyTuple_CheckExact(items)) {
        Py_RETURN_NONE;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(items);
    if (n > PY_SSIZE_T_MAX / size) {
        Py_RETURN_NONE;
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, n * size);
    if (out == NULL) {
        return NULL;
    }
    unsigned char *buf = (unsigned char *)PyBytes_AS_STRING(out);
    memset(buf, 0, (size_t)(n * size));
    const char *kinds = PyBytes_AS_STRING(args[3]);
    for (Py_ssize_t i = 0; i < n; i++) {
        /* a list may change while a getter runs: read its length and items afresh each time */
        if (i >= PySequence_Fast_GET_SIZE(items)) {
            Py_DECREF(out);
            Py_RETURN_NONE;
        }
        PyObject *item = PySequence_Fast_GET_ITEM(items, i);
        if ((PyObject *)Py_TYPE(item) != cls) {
            Py_DECREF(out);
            Py_RETURN_NONE;
        }
        Py_INCREF(item);
        for (Py_ssize_t f = 0; f < fields; f++) {
            PyObject *v = PyObject_GetAttr(item, PyTuple_GET_ITEM(names, f));
            int refused = v == NULL ? -1 : put_field(kinds[f], v, buf + i * size + offs[f]);
            Py_XDECREF(v);
            if (refused != 0) {
                Py_DECREF(item);
                Py_DECREF(out);
                if (refused < 0) {
                    return NULL;
                }
                Py_RETURN_NONE;
            }
        }
        Py_DECREF(item);
    }
    if (PySequence_Fast_GET_SIZE(items) != n) {
        Py_DECREF(out);
        Py_RETURN_NONE;
    }
    PyObject *result = Py_BuildValue("(Nn)", out, n);
    return result;
}

static PyObject *get_field(char kind, const unsigned char *at) {
    switch (kind) {
    case '?': return PyBool_FromLong(*at != 0);
    case 'b': { int8_t y; memcpy(&y, at, 1); return PyLong_FromLong(y); }
    case 'B': return PyLong_FromLong(*at);
    case 'h': { int16_t y; memcpy(&y, at, 2); return PyLong_FromLong(y); }
    case 'H': { uint16_t y; memcpy(&y, at, 2); return PyLong_FromLong(y); }
    case 'i': { int32_t y; memcpy(&y, at, 4); return PyLong_FromLong(y); }
    case 'I': { uint32_t y; memcpy(&y, at, 4); return PyLong_FromUnsignedLong(y); }
    case 'q': { int64_t y; memcpy(&y, at, 8); return PyLong_FromLongLong(y); }
    case 'Q': { uint64_t y; memcpy(&y, at, 8); return PyLong_FromUnsignedLongLong(y); }
    case 'f': { float y; memcpy(&y, at, 4); return PyFloat_FromDouble((double)y); }
    case 'd': { double y; memcpy(&y, at, 8); return PyFloat_FromDouble(y); }
    default: PyErr_SetString(PyExc_ValueError, "records: bad kind"); return NULL;
    }
}

/* unpack_records(view, ptr, count, cls, names, kinds, offsets, size) -> list: `count` elements at
   `ptr` of a memoryview (bounds checked by the caller too), each a new `cls` (made as
   `cls.__new__(cls)`, its fields set as the dataclass `__init__` sets them). */
static PyObject *unpack_records(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 8) {
        PyErr_SetString(PyExc_TypeError,
                        "unpack_records(view, ptr, count, cls, names, kinds, offsets, size) takes 8 arguments");
        return NULL;
    }
    PyObject *cls = args[3], *names = args[4];
    Py_ssize_t ptr = PyLong_AsSsize_t(args[1]);
    Py_ssize_t n = PyLong_AsSsize_t(args[2]);
    Py_ssize_t size = PyLong_AsSsize_t(args[7]);
    Py_ssize_t offs[64], fields;
    if (PyErr_Occurred() || record_layout(names, args[5], args[6], size, offs, &fields) < 0) {
        return NULL;
    }
    if (!PyType_Check(cls) || ((PyTypeObject *)cls)->tp_new == NULL) {
        PyErr_SetString(PyExc_TypeError, "unpack_records: cls must be a class");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    PyObject *out = NULL;
    if (ptr < 0 || n < 0 || (n > 0 && (n > (PY_SSIZE_T_MAX - ptr) / size || ptr + n * size > view.len))) {
        PyErr_SetString(PyExc_IndexError, "unpack_records: out of bounds");
        goto done;
    }
    const char *kinds = PyBytes_AS_STRING(args[5]);
    PyObject *empty = PyTuple_New(0);
    if (empty == NULL) {
        goto done;
    }
    out = PyList_New(n);
    if (out == NULL) {
        Py_DECREF(empty);
        goto done;
    }
    const unsigned char *base = (const unsigned char *)view.buf + ptr;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *obj = ((PyTypeObject *)cls)->tp_new((PyTypeObject *)cls, empty, NULL);
        if (obj == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, obj);
        for (Py_ssize_t f = 0; f < fields; f++) {
            PyObject *v = get_field(kinds[f], base + i * size + offs[f]);
            if (v == NULL || PyObject_GenericSetAttr(obj, PyTuple_GET_ITEM(names, f), v) < 0) {
                Py_XDECREF(v);
                Py_CLEAR(out);
                break;
            }
            Py_DECREF(v);
        }
        if (out == NULL) {
            break;
        }
    }
    Py_DECREF(empty);
done:
    PyBuffer_Release(&view);
    return out;
}

static PyMethodDef methods[] = {
    {"load_utf8_strings", (PyCFunction)(void (*)(void))load_utf8_strings, METH_FASTCALL,
     "A list of UTF-8 strings in memory as (joined bytes, lengths), or None if one is bad."},
    {"pack_records", (PyCFunction)(void (*)(void))pack_records, METH_FASTCALL,
     "A list of plain records as (bytes, count), or None to leave it to the generated check."},
    {"unpack_records", (PyCFunction)(void (*)(void))unpack_records, METH_FASTCALL,
     "A list of plain records made from their bytes in memory."},
    {"fill", (PyCFunction)(void (*)(void))fill, METH_FASTCALL,
     "Look up `count` wires with `export_get`; the index of the first that fails, else `count`."},
    {"new_funcs", (PyCFunction)(void (*)(void))new_funcs, METH_FASTCALL,
     "Make `count` host functions with `func_new` into an array of externs."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef wire_module = {
    PyModuleDef_HEAD_INIT, "_wire", "The cabi engine's loops over wasmtime's C API, in C.", -1, methods,
};

PyMODINIT_FUNC PyInit__wire(void) {
    may_leave_name = PyUnicode_InternFromString("may_leave");
    may_enter_name = PyUnicode_InternFromString("may_enter");
    poisoned_name = PyUnicode_InternFromString("poisoned");
    caller_name = PyUnicode_InternFromString("caller");
    callee_name = PyUnicode_InternFromString("callee");
    if (may_leave_name == NULL || may_enter_name == NULL || poisoned_name == NULL || caller_name == NULL ||
        callee_name == NULL || PyType_Ready(&MemoryType) < 0 || PyType_Ready(&ReallocType) < 0 ||
        PyType_Ready(&AdapterType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&wire_module);
    if (module == NULL) {
        return NULL;
    }
    Py_INCREF(&MemoryType);
    Py_INCREF(&ReallocType);
    Py_INCREF(&AdapterType);
    if (PyModule_AddObject(module, "Memory", (PyObject *)&MemoryType) < 0 ||
        PyModule_AddObject(module, "Realloc", (PyObject *)&ReallocType) < 0 ||
        PyModule_AddObject(module, "Adapter", (PyObject *)&AdapterType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
