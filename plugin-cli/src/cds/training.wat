;; The training module of the CLI's class-data-sharing archive (scripts/make-cds-archive.sh): a WASI command
;; that also exports a function, so that one `terrarium run --invoke` loads the classes of parsing, validation,
;; compilation, the compiled-module cache, WASI linking and an export call.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "trained\n")
  (func (export "_start")
    ;; iovec at 0: { buf = 16, len = 8 }; bytes written at 8
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 8))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1))))
