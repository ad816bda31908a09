/* The loop of `wiring.ImportArray.fill` in C (optional: the pure-Python loop does the same).

CPython built for wasm wires ~2,100 exports between its core modules on every instantiation,
each one `wasmtime_instance_export_get`. From Python each lookup also pays a ctypes call
(~0.25 us, a third of the wire); here the lookups run back to back. This module knows nothing
of wasmtime: it is handed the C function's address and an array of ready arguments.
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

static PyMethodDef methods[] = {
    {"fill", (PyCFunction)(void (*)(void))fill, METH_FASTCALL,
     "Look up `count` wires with `export_get`; the index of the first that fails, else `count`."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef wire_module = {
    PyModuleDef_HEAD_INIT, "_wire", "wasmtime_instance_export_get over an array of wires, in C.", -1, methods,
};

PyMODINIT_FUNC PyInit__wire(void) { return PyModule_Create(&wire_module); }
