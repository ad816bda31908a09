;; Core module for world `calculator` (calc.wit), canonical ABI by hand.
;; Memory map: 0..16 unused, 16..24 return area, 64.. constant strings, 1024.. bump heap.
(module
  (import "witgen-e2e:calc/host" "tick" (func $tick (param i32) (result i32)))
  (import "$root" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "Hello, !")
  (global $heap (mut i32) (i32.const 1024))

  ;; bump allocator: cabi_realloc(old_ptr, old_size, align, new_size) -> ptr (never frees)
  (func $realloc (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p
      (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
               (i32.xor (i32.sub (local.get 2) (i32.const 1)) (i32.const -1))))
    (global.set $heap (i32.add (local.get $p) (local.get 3)))
    (block $ok
      (br_if $ok (i32.le_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536))))
      (br_if $ok (i32.ne (i32.const -1)
        (memory.grow (i32.add (i32.const 1)
          (i32.shr_u (i32.sub (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
                     (i32.const 16))))))
      unreachable)
    ;; realloc of an existing block: copy the old contents
    (if (local.get 1)
      (then (memory.copy (local.get $p) (local.get 0) (local.get 1))))
    (local.get $p))

  (func $reset (global.set $heap (i32.const 1024)))

  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))

  (func (export "witgen-e2e:calc/calc#add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))

  ;; echo-bytes(ptr, len) -> retptr{ptr, len}: returns the argument buffer itself
  (func (export "echo-bytes") (param i32 i32) (result i32)
    (i32.store (i32.const 16) (local.get 0))
    (i32.store (i32.const 20) (local.get 1))
    (i32.const 16))
  (func (export "cabi_post_echo-bytes") (param i32) (call $reset))

  ;; echo-string(ptr, len) -> retptr{ptr, len}: returns a fresh copy
  (func (export "echo-string") (param $p i32) (param $n i32) (result i32)
    (local $q i32)
    (local.set $q (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $n)))
    (memory.copy (local.get $q) (local.get $p) (local.get $n))
    (i32.store (i32.const 16) (local.get $q))
    (i32.store (i32.const 20) (local.get $n))
    (i32.const 16))
  (func (export "cabi_post_echo-string") (param i32) (call $reset))

  (func (export "sum-u32") (param $p i32) (param $n i32) (result i32)
    (local $s i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $s (i32.add (local.get $s) (i32.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (call $reset)
    (local.get $s))

  (func (export "trap") unreachable)

  (func (export "loop-host") (param $n i32) (result i32)
    (local $s i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $s (i32.add (local.get $s) (call $tick (local.get $n))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (local.get $s))

  ;; greet(ptr, len): log("Hello, " ++ name ++ "!")
  (func (export "greet") (param $p i32) (param $n i32)
    (local $q i32)
    (local.set $q (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
                                 (i32.add (local.get $n) (i32.const 8))))
    (memory.copy (local.get $q) (i32.const 64) (i32.const 7))
    (memory.copy (i32.add (local.get $q) (i32.const 7)) (local.get $p) (local.get $n))
    (i32.store8 (i32.add (i32.add (local.get $q) (i32.const 7)) (local.get $n)) (i32.const 33))
    (call $log (local.get $q) (i32.add (local.get $n) (i32.const 8)))
    (call $reset))
)
