;; A component defining resource `counter` (with a destructor) and importing host resource `thing`.
;; Memory of $state: [0] = rep of the last destroyed counter, [4] = number of counters destroyed.
(component
  (type $host-t (instance
    (export "thing" (type (sub resource)))
    (export "[method]thing.value" (func (param "self" (borrow 0)) (result u32)))
  ))
  (import "test:res/host" (instance $host (type $host-t)))
  (alias export $host "thing" (type $thing))
  (alias export $host "[method]thing.value" (func $thing-value))

  (core module $state
    (memory (export "memory") 1)
    (func (export "dtor") (param i32)
      (i32.store (i32.const 0) (local.get 0))
      (i32.store (i32.const 4) (i32.add (i32.load (i32.const 4)) (i32.const 1)))))
  (core instance $s (instantiate $state))
  (alias core export $s "dtor" (core func $dtor))
  (alias core export $s "memory" (core memory $mem))

  (type $counter (resource (rep i32) (dtor (core func $dtor))))
  (core func $new (canon resource.new $counter))
  (core func $rep (canon resource.rep $counter))
  (core func $drop (canon resource.drop $counter))
  (core func $drop-thing (canon resource.drop $thing))
  (core func $thing-value-core (canon lower (func $thing-value)))

  (core module $main
    (import "r" "new" (func $new (param i32) (result i32)))
    (import "r" "rep" (func $rep (param i32) (result i32)))
    (import "r" "drop" (func $drop (param i32)))
    (import "host" "drop-thing" (func $drop-thing (param i32)))
    (import "host" "thing-value" (func $thing-value (param i32) (result i32)))
    (func (export "ctor") (param i32) (result i32) (call $new (local.get 0)))
    (func (export "get") (param i32) (result i32) (local.get 0))
    (func (export "rep-of") (param i32) (result i32) (call $rep (local.get 0)))
    (func (export "drop") (param i32) (call $drop (local.get 0)))
    ;; asks the host for the value of a borrowed thing, then ends the borrow
    (func (export "use-thing") (param i32) (result i32)
      (local $v i32)
      (local.set $v (call $thing-value (local.get 0)))
      (call $drop-thing (local.get 0))
      (local.get $v))
    ;; keeps the borrow (the caller's scope must trap)
    (func (export "keep-thing") (param i32) (result i32) (call $thing-value (local.get 0)))
    (func (export "drop-thing") (param i32) (call $drop-thing (local.get 0))))
  (core instance $m (instantiate $main
    (with "r" (instance (export "new" (func $new)) (export "rep" (func $rep)) (export "drop" (func $drop))))
    (with "host" (instance (export "drop-thing" (func $drop-thing)) (export "thing-value" (func $thing-value-core))))))

  (export $counter-e "counter" (type $counter))
  (func (export "[constructor]counter") (param "v" u32) (result (own $counter-e)) (canon lift (core func $m "ctor")))
  (func (export "[method]counter.get") (param "self" (borrow $counter-e)) (result u32) (canon lift (core func $m "get")))
  (func (export "rep-of") (param "h" u32) (result u32) (canon lift (core func $m "rep-of")))
  (func (export "drop") (param "h" u32) (canon lift (core func $m "drop")))
  (func (export "use-thing") (param "t" (borrow $thing)) (result u32) (canon lift (core func $m "use-thing")))
  (func (export "keep-thing") (param "t" (borrow $thing)) (result u32) (canon lift (core func $m "keep-thing")))
  (func (export "drop-thing") (param "t" (own $thing)) (canon lift (core func $m "drop-thing")))
  (export "state" (core module $state))
)
