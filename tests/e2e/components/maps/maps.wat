;; Core module for world `maps` (maps.wit). A map<string, u32> is lowered like
;; list<tuple<string, u32>>: (ptr, len), each entry 12 bytes {str_ptr, str_len, value}.
;; Memory map: 16..24 return area, 64.. constant data, 1024.. bump heap.
(module
  (memory (export "memory") 1)
  ;; "one" at 64, "two" at 67; the sample entries at 128: {64,3,1} {67,3,2}
  (data (i32.const 64) "onetwo")
  (data (i32.const 128) "\40\00\00\00\03\00\00\00\01\00\00\00\43\00\00\00\03\00\00\00\02\00\00\00")
  (global $heap (mut i32) (i32.const 1024))

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
    (if (local.get 1)
      (then (memory.copy (local.get $p) (local.get 0) (local.get 1))))
    (local.get $p))

  (func $reset (global.set $heap (i32.const 1024)))

  (func (export "echo-map") (param i32 i32) (result i32)
    (i32.store (i32.const 16) (local.get 0))
    (i32.store (i32.const 20) (local.get 1))
    (i32.const 16))
  (func (export "cabi_post_echo-map") (param i32) (call $reset))

  (func (export "total") (param $p i32) (param $n i32) (result i32)
    (local $s i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $s (i32.add (local.get $s) (i32.load offset=8 (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 12)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (call $reset)
    (local.get $s))

  (func (export "sample") (result i32)
    (i32.store (i32.const 16) (i32.const 128))
    (i32.store (i32.const 20) (i32.const 2))
    (i32.const 16))
)
