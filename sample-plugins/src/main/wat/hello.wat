;; hello.wasm: the smallest Terrarium plugin.
;; Imports one host function and calls it with the constant 3.
;; The build appends a "terrarium.manifest" custom section (see src/main/manifests/hello.json).
(module
  (import "host" "hello" (func $host_hello (param i32)))
  (memory (export "memory") 1)
  (func (export "hello")
    (call $host_hello (i32.const 3))))
