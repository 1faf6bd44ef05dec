package dev.terrarium.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * Tiny WASI commands written for these tests (the sample plugins print neither their arguments nor their
 * environment). The bytes were assembled with {@code wat2wasm} from the text given with each.
 */
final class TestModules {
  private TestModules() {}

  /**
   * Prints each of its arguments ({@code argv[0]} included) on its own line.
   *
   * <pre>
   * (module
   *   (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
   *   (import "wasi_snapshot_preview1" "args_get" (func $get (param i32 i32) (result i32)))
   *   (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
   *   (memory (export "memory") 1)
   *   (data (i32.const 48) "\n")
   *   (func $strlen (param $p i32) (result i32) (local $n i32)
   *     (block $done (loop $l
   *       (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
   *       (local.set $n (i32.add (local.get $n) (i32.const 1)))
   *       (br $l)))
   *     (local.get $n))
   *   (func (export "_start") (local $i i32) (local $p i32)
   *     (drop (call $sizes (i32.const 0) (i32.const 4)))
   *     (drop (call $get (i32.const 1024) (i32.const 8192)))
   *     (block $done (loop $l
   *       (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
   *       (local.set $p (i32.load (i32.add (i32.const 1024) (i32.mul (local.get $i) (i32.const 4)))))
   *       (i32.store (i32.const 16) (local.get $p))
   *       (i32.store (i32.const 20) (call $strlen (local.get $p)))
   *       (i32.store (i32.const 24) (i32.const 48))
   *       (i32.store (i32.const 28) (i32.const 1))
   *       (drop (call $write (i32.const 1) (i32.const 16) (i32.const 2) (i32.const 32)))
   *       (local.set $i (i32.add (local.get $i) (i32.const 1)))
   *       (br $l)))))
   * </pre>
   */
  static final String ARGV_HEX =
      "0061736d0100000001170460027f7f017f60047f7f7f7f017f60017f017f600000026d0316776173695f736e617073686f745f70"
          + "726576696577310e617267735f73697a65735f676574000016776173695f736e617073686f745f707265766965773108617267"
          + "735f676574000016776173695f736e617073686f745f70726576696577310866645f7772697465000103030202030503010001"
          + "071302066d656d6f72790200065f737461727400040a8801022001017f02400340200020016a2d0000450d01200141016a2101"
          + "0c000b0b20010b6501027f4100410410001a4180084180c00010011a02400340200041002802004f0d01418008200041046c6a"
          + "28020021014110200136020041142001100336020041184130360200411c4101360200410141104102412010021a200041016a"
          + "21000c000b0b0b0b07010041300b010a";

  /**
   * Exits with the number of its environment variables.
   *
   * <pre>
   * (module
   *   (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
   *   (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
   *   (memory (export "memory") 1)
   *   (func (export "_start")
   *     (drop (call $sizes (i32.const 0) (i32.const 4)))
   *     (call $exit (i32.load (i32.const 0)))))
   * </pre>
   */
  static final String ENV_COUNT_HEX =
      "0061736d01000000010e0360027f7f017f60017f00600000024f0216776173695f736e617073686f745f707265766965773111656e"
          + "7669726f6e5f73697a65735f676574000016776173695f736e617073686f745f70726576696577310970726f635f6578697400"
          + "01030201020503010001071302066d656d6f72790200065f737461727400020a120110004100410410001a410028020010010b";

  /**
   * Exits with code 300, which no process exit status can carry.
   *
   * <pre>
   * (module
   *   (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
   *   (func (export "_start") (call $proc_exit (i32.const 300))))
   * </pre>
   */
  static final String EXIT_300_HEX =
      "0061736d0100000001080260017f0060000002240116776173695f736e617073686f745f70726576696577310970726f635f65"
          + "786974000003020101070a01065f737461727400010a0901070041ac0210000b";

  /**
   * Returns the bits of the quotient of its two arguments, so a NaN's sign and payload are visible.
   *
   * <pre>
   * (module
   *   (func (export "divbits") (param f64 f64) (result i64)
   *     (i64.reinterpret_f64 (f64.div (local.get 0) (local.get 1)))))
   * </pre>
   */
  static final String DIVBITS_HEX =
      "0061736d0100000001070160027c7c017e03020100070b01076469766269747300000a0a01080020002001a3bd0b";

  /** Writes a module given as hex into {@code dir/fileName}. */
  static Path write(String hex, Path dir, String fileName) {
    try {
      return Files.write(dir.resolve(fileName), HexFormat.of().parseHex(hex));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
