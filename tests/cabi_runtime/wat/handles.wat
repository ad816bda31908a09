;; $B creates, borrows and drops a resource implemented by $A: own and borrow handles move between
;; the two instances' tables through fused adapters, and $A's destructor runs on $B's drop.
(component $root
  (component $A
    (core module $s
      (global $last (mut i32) (i32.const 0))
      (func (export "dtor") (param i32) (global.set $last (local.get 0)))
      (func (export "dropped") (result i32) (global.get $last)))
    (core instance $si (instantiate $s))
    (alias core export $si "dtor" (core func $dtor))
    (type $r (resource (rep i32) (dtor (core func $dtor))))
    (core func $new (canon resource.new $r))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (func (export "make") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "peek") (param i32) (result i32) (local.get 0)))
    (core instance $i (instantiate $m (with "" (instance (export "new" (func $new))))))
    (export $re "r" (type $r))
    (func (export "make") (param "v" u32) (result (own $re)) (canon lift (core func $i "make")))
    (func (export "peek") (param "x" (borrow $re)) (result u32) (canon lift (core func $i "peek")))
    (func (export "dropped") (result u32) (canon lift (core func $si "dropped"))))
  (component $B
    (import "r" (type $r (sub resource)))
    (import "make" (func $make (param "v" u32) (result (own $r))))
    (import "peek" (func $peek (param "x" (borrow $r)) (result u32)))
    (core func $make-c (canon lower (func $make)))
    (core func $peek-c (canon lower (func $peek)))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "" "make" (func $make (param i32) (result i32)))
      (import "" "peek" (func $peek (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "run") (param i32) (result i32)
        (local $h i32) (local $v i32)
        (local.set $h (call $make (local.get 0)))
        (local.set $v (call $peek (local.get $h)))
        (call $drop (local.get $h))
        (local.get $v)))
    (core instance $i (instantiate $m
      (with "" (instance (export "make" (func $make-c)) (export "peek" (func $peek-c)) (export "drop" (func $drop))))))
    (func (export "run") (param "v" u32) (result u32) (canon lift (core func $i "run"))))
  (instance $a (instantiate $A))
  (instance $b (instantiate $B (with "r" (type $a "r")) (with "make" (func $a "make")) (with "peek" (func $a "peek"))))
  (export "run" (func $b "run"))
  (export "a" (instance $a)))
