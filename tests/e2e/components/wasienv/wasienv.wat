;; Core module for world `wasienv` (wit/wasienv.wit).
;; Memory map: 8 "\n", 9 "=", 10 "dir ", 32 write's return area, 48 environment list,
;; 56 directory list, 4096.. bump heap for the host's lists.
(module
  (import "wasi:cli/environment@0.2.12" "get-environment" (func $get_env (param i32)))
  (import "wasi:cli/stdout@0.2.12" "get-stdout" (func $get_stdout (result i32)))
  (import "wasi:io/streams@0.2.12" "[method]output-stream.blocking-write-and-flush"
    (func $write_flush (param i32 i32 i32 i32)))
  (import "wasi:filesystem/preopens@0.2.12" "get-directories" (func $get_dirs (param i32)))
  (import "wasi:cli/exit@0.2.12" "exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 8) "\n=dir ")
  (global $heap (mut i32) (i32.const 4096))
  (global $out (mut i32) (i32.const 0))

  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
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
    (local.get $p))

  (func $write (param i32 i32)
    (call $write_flush (global.get $out) (local.get 0) (local.get 1) (i32.const 32)))

  (func (export "show") (result i32)
    (local $i i32) (local $e i32) (local $lines i32)
    (global.set $out (call $get_stdout))
    (call $get_env (i32.const 48))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 52))))
        (local.set $e (i32.add (i32.load (i32.const 48)) (i32.mul (local.get $i) (i32.const 16))))
        (call $write (i32.load (local.get $e)) (i32.load offset=4 (local.get $e)))
        (call $write (i32.const 9) (i32.const 1))
        (call $write (i32.load offset=8 (local.get $e)) (i32.load offset=12 (local.get $e)))
        (call $write (i32.const 8) (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.set $lines (local.get $i))
    (local.set $i (i32.const 0))
    (call $get_dirs (i32.const 56))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 60))))
        (local.set $e (i32.add (i32.load (i32.const 56)) (i32.mul (local.get $i) (i32.const 12))))
        (call $write (i32.const 10) (i32.const 4))
        (call $write (i32.load offset=4 (local.get $e)) (i32.load offset=8 (local.get $e)))
        (call $write (i32.const 8) (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.add (local.get $lines) (local.get $i)))

  (func (export "quit") (param i32) (call $exit (local.get 0)))
)
