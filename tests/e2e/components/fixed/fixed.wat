;; Core module for world `fixed` (fixed.wit). Memory map: 16..64 return area, 1024.. heap.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p
      (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
               (i32.xor (i32.sub (local.get 2) (i32.const 1)) (i32.const -1))))
    (global.set $heap (i32.add (local.get $p) (local.get 3)))
    (local.get $p))
  (func $reset (param i32) (global.set $heap (i32.const 1024)))

  ;; four i32s -> the same four at 16
  (func $four (param i32 i32 i32 i32) (result i32)
    (i32.store (i32.const 16) (local.get 0)) (i32.store (i32.const 20) (local.get 1))
    (i32.store (i32.const 24) (local.get 2)) (i32.store (i32.const 28) (local.get 3))
    (i32.const 16))
  (export "echo-quad" (func $four))
  ;; (ptr, len) twice: the strings stay where they are
  (export "echo-names" (func $four))
  (export "cabi_post_echo-names" (func $reset))

  (func (export "sum-pairs") (param i32 i32 i32 i32 i32 i32) (result i32)
    (i32.add (i32.add (i32.add (local.get 0) (local.get 1)) (i32.add (local.get 2) (local.get 3)))
             (i32.add (local.get 4) (local.get 5))))

  (func (export "echo-matrix") (param f32 f32 f32 f32) (result i32)
    (f32.store (i32.const 16) (local.get 0)) (f32.store (i32.const 20) (local.get 1))
    (f32.store (i32.const 24) (local.get 2)) (f32.store (i32.const 28) (local.get 3))
    (i32.const 16))
)
