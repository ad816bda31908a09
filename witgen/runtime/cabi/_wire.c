/* The cabi engine's per-instantiation loops over wasmtime's C API, in C (optional: without a
C compiler the same loops run through ctypes).

- `fill`, the loop of `wiring.ImportArray.fill`: CPython built for wasm wires ~2,100 exports
  between its core modules on every instantiation, each one `wasmtime_instance_export_get`.
- `new_funcs`, the loop of `fastcall.HostFuncs.add_all`: a componentize-py component lowers
  ~120 host functions, each one `wasmtime_func_new_unchecked`.

- `Memory`, a linear memory's `memoryview`, rebuilt only when the memory grew (`fastcall.MemoryView`).
- `Realloc`, a component instance's `cabi_realloc` called as the spec's lowering does, with its
  checks (`engine._Site.alloc`): a list of 1,000 strings calls it 1,001 times.

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
        if (size == 0) {
            view = PyMemoryView_FromMemory((char *)"", 0, PyBUF_READ);
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
    raw_slot slots[4];
    memset(slots, 0, sizeof slots);
    slots[2].i32 = (uint32_t)align;
    slots[3].i32 = (uint32_t)size;
    void *trap = NULL;
    if (self->owner == NULL || self->instance == NULL || self->fault == NULL || self->bad == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "alloc: cleared");
        return NULL;
    }
    if (PyObject_SetAttr(self->instance, may_leave_name, Py_False) < 0) {
        return NULL;
    }
    void *error;
    Py_BEGIN_ALLOW_THREADS
    error = self->call(self->context, self->func, slots, 4, &trap);
    Py_END_ALLOW_THREADS
    if (PyObject_SetAttr(self->instance, may_leave_name, Py_True) < 0) {
        return NULL;
    }
    if (error != NULL || trap != NULL) {
        PyObject *exc = PyObject_CallFunction(self->fault, "nn", (Py_ssize_t)error, (Py_ssize_t)trap);
        if (exc != NULL) {
            PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
            Py_DECREF(exc);
        }
        return NULL;
    }
    uint32_t ptr = slots[0].i32;
    if (self->memory == NULL || self->memory->owner == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "alloc: cleared");
        return NULL;
    }
    size_t memory_size = self->memory->data_size(self->memory->context, self->memory->memory);
    if (ptr % align != 0 || (uint64_t)ptr + size > memory_size) {
        PyObject *out = PyObject_CallFunction(self->bad, "kkk", (unsigned long)ptr, align, size);
        if (out != NULL) { /* `bad` must raise; if it did not, its result is the pointer */
            return out;
        }
        return NULL;
    }
    return PyLong_FromUnsignedLong(ptr);
}

static PyMethodDef Realloc_methods[] = {
    {"alloc", (PyCFunction)(void (*)(void))Realloc_alloc, METH_FASTCALL,
     "`realloc(0, 0, align, size)` in the instance, its pointer checked."},
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

static PyMethodDef methods[] = {
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
    if (may_leave_name == NULL || PyType_Ready(&MemoryType) < 0 || PyType_Ready(&ReallocType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&wire_module);
    if (module == NULL) {
        return NULL;
    }
    Py_INCREF(&MemoryType);
    Py_INCREF(&ReallocType);
    if (PyModule_AddObject(module, "Memory", (PyObject *)&MemoryType) < 0 ||
        PyModule_AddObject(module, "Realloc", (PyObject *)&ReallocType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
