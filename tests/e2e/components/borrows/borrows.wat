;; Core module for world `borrows` (borrows.wit). `run(which)` makes things a = 3 and b = 4, calls:
;; 0 one(a), 1 two(a, b), 2 two(a, a), 3 many([a]), 4 many([a, b]), 5 many([a, b, a]),
;; 6 own-borrow(a, b) (a moves to the host); then drops what it still owns.
;; Memory map: 64.. the list of handles passed to `many`.
(module
  (import "witgen-e2e:borrows/things@0.1.0" "[constructor]thing" (func $new (param i32) (result i32)))
  (import "witgen-e2e:borrows/things@0.1.0" "one" (func $one (param i32) (result i32)))
  (import "witgen-e2e:borrows/things@0.1.0" "two" (func $two (param i32 i32) (result i32)))
  (import "witgen-e2e:borrows/things@0.1.0" "own-borrow" (func $own_borrow (param i32 i32) (result i32)))
  (import "witgen-e2e:borrows/things@0.1.0" "many" (func $many (param i32 i32) (result i32)))
  (import "witgen-e2e:borrows/things@0.1.0" "[resource-drop]thing" (func $drop (param i32)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
  (func (export "run") (param $which i32) (result i32)
    (local $a i32) (local $b i32) (local $res i32)
    (local.set $a (call $new (i32.const 3)))
    (local.set $b (call $new (i32.const 4)))
    (i32.store (i32.const 64) (local.get $a))
    (i32.store (i32.const 68) (local.get $b))
    (i32.store (i32.const 72) (local.get $a))
    (block $owned
      (block $borrowed
        (block $c6 (block $c5 (block $c4 (block $c3 (block $c2 (block $c1 (block $c0
          (br_table $c0 $c1 $c2 $c3 $c4 $c5 $c6 $borrowed (local.get $which)))
          (local.set $res (call $one (local.get $a))) (br $borrowed))
          (local.set $res (call $two (local.get $a) (local.get $b))) (br $borrowed))
          (local.set $res (call $two (local.get $a) (local.get $a))) (br $borrowed))
          (local.set $res (call $many (i32.const 64) (i32.const 1))) (br $borrowed))
          (local.set $res (call $many (i32.const 64) (i32.const 2))) (br $borrowed))
          (local.set $res (call $many (i32.const 64) (i32.const 3))) (br $borrowed))
        (local.set $res (call $own_borrow (local.get $a) (local.get $b)))
        (br $owned))
      (call $drop (local.get $a)))
    (call $drop (local.get $b))
    (local.get $res))
)
