/* The cabi engine's per-instantiation loops over wasmtime's C API, in C (optional: without a
C compiler the same loops run through ctypes).

- `fill`, the loop of `wiring.ImportArray.fill`: CPython built for wasm wires ~2,100 exports
  between its core modules on every instantiation, each one `wasmtime_instance_export_get`.
- `new_funcs`, the loop of `fastcall.HostFuncs.add_all`: a componentize-py component lowers
  ~120 host functions, each one `wasmtime_func_new_unchecked`.

From Python each C call also pays ctypes' argument conversion (~0.25-1 us); here the calls run
back to back. This module knows nothing of wasmtime: it is handed the C functions' addresses
and arrays of ready arguments.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdbool.h>
#include <stddef.h>

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

PyMODINIT_FUNC PyInit__wire(void) { return PyModule_Create(&wire_module); }
