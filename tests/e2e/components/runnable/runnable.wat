;; Core module for world `runnable` (runnable.wit).
;; Memory map: 16..28 return area of checked-div, 64.. "division by zero".
(module
  (memory (export "memory") 1)
  (data (i32.const 64) "division by zero")
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "witgen-e2e:runnable/math#add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func $neg (param i32) (result i32) (i32.sub (i32.const 0) (local.get 0)))
  (export "witgen-e2e:runnable/math#neg" (func $neg))
  (export "witgen-e2e:runnable/other#neg" (func $neg))
  (func (export "boom") unreachable)
  (func (export "nothing"))
  ;; result<u32, string> through the return area: discriminant at 16, payload at 20
  (func (export "checked-div") (param i32 i32) (result i32)
    (if (i32.eqz (local.get 1))
      (then
        (i32.store8 (i32.const 16) (i32.const 1))
        (i32.store (i32.const 20) (i32.const 64))
        (i32.store (i32.const 24) (i32.const 16)))
      (else
        (i32.store8 (i32.const 16) (i32.const 0))
        (i32.store (i32.const 20) (i32.div_u (local.get 0) (local.get 1)))))
    (i32.const 16))
  ;; (a, option<u32> as discriminant + value)
  (func (export "maybe-sum") (param i32 i32 i32) (result i32)
    (i32.add (local.get 0) (select (local.get 2) (i32.const 100) (local.get 1))))
  (func (export "unit-result") (param i32) (result i32) (local.get 0))
)
