;; Core module for world `http-client` (wit/http.wit): exercises wasi:http/types resources
;; through wasmtime's own wasi:http.
;; Memory map: 64.. "content-type" (12 bytes) "text/plain" (10 bytes), 128 result<_, header-error>.
(module
  (import "wasi:http/types@0.2.12" "[constructor]fields" (func $fields (result i32)))
  (import "wasi:http/types@0.2.12" "[method]fields.append"
    (func $append (param i32 i32 i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]fields.has" (func $has (param i32 i32 i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]fields" (func $drop (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "content-typetext/plain")
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
  (func (export "check-fields") (result i32)
    (local $h i32) (local $ok i32)
    (local.set $h (call $fields))
    (call $append (local.get $h) (i32.const 64) (i32.const 12) (i32.const 76) (i32.const 10) (i32.const 128))
    (local.set $ok (i32.and (i32.eqz (i32.load8_u (i32.const 128)))
                            (call $has (local.get $h) (i32.const 64) (i32.const 12))))
    (call $drop (local.get $h))
    (local.get $ok))
)
