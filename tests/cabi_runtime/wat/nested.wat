;; Two nested components wired together: $B lowers $A's lifted `double` (a fused call between two
;; component instances) and the outer import `log`; an outer alias shares a type with $B.
(component $root
  (import "log" (func $log (param "v" u32)))
  (type $ft (func (param "x" u32) (result u32)))
  (component $A
    (core module $m
      (global $calls (mut i32) (i32.const 0))
      (func (export "double") (param i32) (result i32)
        (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
        (i32.mul (local.get 0) (i32.const 2)))
      (func (export "calls") (result i32) (global.get $calls)))
    (core instance $i (instantiate $m))
    (type $u (func (result u32)))
    (func (export "double") (param "x" u32) (result u32) (canon lift (core func $i "double")))
    (func (export "calls") (type $u) (canon lift (core func $i "calls"))))
  (component $B
    (alias outer $root $ft (type $ft2))
    (import "double" (func $double (type $ft2)))
    (import "log" (func $log (param "v" u32)))
    (core func $double-core (canon lower (func $double)))
    (core func $log-core (canon lower (func $log)))
    (core module $m
      (import "" "double" (func $d (param i32) (result i32)))
      (import "" "log" (func $l (param i32)))
      (func (export "quad") (param i32) (result i32)
        (local $r i32)
        (local.set $r (call $d (call $d (local.get 0))))
        (call $l (local.get $r))
        (local.get $r)))
    (core instance $i (instantiate $m
      (with "" (instance (export "double" (func $double-core)) (export "log" (func $log-core))))))
    (func (export "quad") (type $ft2) (canon lift (core func $i "quad"))))
  (instance $a (instantiate $A))
  (instance $b (instantiate $B (with "double" (func $a "double")) (with "log" (func $log))))
  (export "quad" (func $b "quad"))
  (export "a" (instance $a))
)
