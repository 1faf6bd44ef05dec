package dev.terrarium.host.validation;

import static dev.terrarium.host.validation.Types.F32;
import static dev.terrarium.host.validation.Types.F64;
import static dev.terrarium.host.validation.Types.I32;
import static dev.terrarium.host.validation.Types.I64;

/**
 * Instruction names (for messages) and the operand types of the plain numeric instructions, as tables indexed by
 * opcode so that the checker looks them up without allocating.
 */
final class Opcodes {
  private Opcodes() {}

  private static final String[] NAMES = new String[256];
  private static final String[] FC_NAMES = new String[18];

  /**
   * For a numeric instruction, {@code in1 | in2 << 8 | out << 16} (in2 0 for one operand); 0 for the others.
   */
  private static final int[] NUMERIC = new int[256];

  /** For loads and stores (0x28 to 0x3E): {@code valueType | naturalAlignmentLog2 << 8}. */
  private static final int[] MEMORY = new int[256];

  private static final int[] FC_NUMERIC = new int[8];

  static {
    String control =
        "unreachable nop block loop if else try catch throw rethrow throw_ref end br br_if br_table return call"
            + " call_indirect return_call return_call_indirect call_ref return_call_ref - - delegate catch_all drop"
            + " select select - - try_table local.get local.set local.tee global.get global.set table.get"
            + " table.set -";
    put(0x00, control);
    put(
        0x28,
        "i32.load i64.load f32.load f64.load i32.load8_s i32.load8_u i32.load16_s i32.load16_u i64.load8_s"
            + " i64.load8_u i64.load16_s i64.load16_u i64.load32_s i64.load32_u i32.store i64.store f32.store"
            + " f64.store i32.store8 i32.store16 i64.store8 i64.store16 i64.store32 memory.size memory.grow"
            + " i32.const i64.const f32.const f64.const");
    put(
        0x45,
        "i32.eqz i32.eq i32.ne i32.lt_s i32.lt_u i32.gt_s i32.gt_u i32.le_s i32.le_u i32.ge_s i32.ge_u"
            + " i64.eqz i64.eq i64.ne i64.lt_s i64.lt_u i64.gt_s i64.gt_u i64.le_s i64.le_u i64.ge_s i64.ge_u"
            + " f32.eq f32.ne f32.lt f32.gt f32.le f32.ge f64.eq f64.ne f64.lt f64.gt f64.le f64.ge"
            + " i32.clz i32.ctz i32.popcnt i32.add i32.sub i32.mul i32.div_s i32.div_u i32.rem_s i32.rem_u"
            + " i32.and i32.or i32.xor i32.shl i32.shr_s i32.shr_u i32.rotl i32.rotr"
            + " i64.clz i64.ctz i64.popcnt i64.add i64.sub i64.mul i64.div_s i64.div_u i64.rem_s i64.rem_u"
            + " i64.and i64.or i64.xor i64.shl i64.shr_s i64.shr_u i64.rotl i64.rotr"
            + " f32.abs f32.neg f32.ceil f32.floor f32.trunc f32.nearest f32.sqrt f32.add f32.sub f32.mul f32.div"
            + " f32.min f32.max f32.copysign"
            + " f64.abs f64.neg f64.ceil f64.floor f64.trunc f64.nearest f64.sqrt f64.add f64.sub f64.mul f64.div"
            + " f64.min f64.max f64.copysign"
            + " i32.wrap_i64 i32.trunc_f32_s i32.trunc_f32_u i32.trunc_f64_s i32.trunc_f64_u i64.extend_i32_s"
            + " i64.extend_i32_u i64.trunc_f32_s i64.trunc_f32_u i64.trunc_f64_s i64.trunc_f64_u"
            + " f32.convert_i32_s f32.convert_i32_u f32.convert_i64_s f32.convert_i64_u f32.demote_f64"
            + " f64.convert_i32_s f64.convert_i32_u f64.convert_i64_s f64.convert_i64_u f64.promote_f32"
            + " i32.reinterpret_f32 i64.reinterpret_f64 f32.reinterpret_i32 f64.reinterpret_i64"
            + " i32.extend8_s i32.extend16_s i64.extend8_s i64.extend16_s i64.extend32_s");
    put(0xD0, "ref.null ref.is_null ref.func ref.eq ref.as_non_null br_on_null br_on_non_null");
    String[] fc =
        ("i32.trunc_sat_f32_s i32.trunc_sat_f32_u i32.trunc_sat_f64_s i32.trunc_sat_f64_u i64.trunc_sat_f32_s"
                + " i64.trunc_sat_f32_u i64.trunc_sat_f64_s i64.trunc_sat_f64_u memory.init data.drop memory.copy"
                + " memory.fill table.init elem.drop table.copy table.grow table.size table.fill")
            .split(" ");
    System.arraycopy(fc, 0, FC_NAMES, 0, fc.length);

    numeric(0x45, 0x45, I32, 0, I32);
    numeric(0x46, 0x4F, I32, I32, I32);
    numeric(0x50, 0x50, I64, 0, I32);
    numeric(0x51, 0x5A, I64, I64, I32);
    numeric(0x5B, 0x60, F32, F32, I32);
    numeric(0x61, 0x66, F64, F64, I32);
    numeric(0x67, 0x69, I32, 0, I32);
    numeric(0x6A, 0x78, I32, I32, I32);
    numeric(0x79, 0x7B, I64, 0, I64);
    numeric(0x7C, 0x8A, I64, I64, I64);
    numeric(0x8B, 0x91, F32, 0, F32);
    numeric(0x92, 0x98, F32, F32, F32);
    numeric(0x99, 0x9F, F64, 0, F64);
    numeric(0xA0, 0xA6, F64, F64, F64);
    numeric(0xA7, 0xA7, I64, 0, I32);
    numeric(0xA8, 0xA9, F32, 0, I32);
    numeric(0xAA, 0xAB, F64, 0, I32);
    numeric(0xAC, 0xAD, I32, 0, I64);
    numeric(0xAE, 0xAF, F32, 0, I64);
    numeric(0xB0, 0xB1, F64, 0, I64);
    numeric(0xB2, 0xB3, I32, 0, F32);
    numeric(0xB4, 0xB5, I64, 0, F32);
    numeric(0xB6, 0xB6, F64, 0, F32);
    numeric(0xB7, 0xB8, I32, 0, F64);
    numeric(0xB9, 0xBA, I64, 0, F64);
    numeric(0xBB, 0xBB, F32, 0, F64);
    numeric(0xBC, 0xBC, F32, 0, I32);
    numeric(0xBD, 0xBD, F64, 0, I64);
    numeric(0xBE, 0xBE, I32, 0, F32);
    numeric(0xBF, 0xBF, I64, 0, F64);
    numeric(0xC0, 0xC1, I32, 0, I32);
    numeric(0xC2, 0xC4, I64, 0, I64);

    FC_NUMERIC[0] = FC_NUMERIC[1] = F32 | I32 << 16;
    FC_NUMERIC[2] = FC_NUMERIC[3] = F64 | I32 << 16;
    FC_NUMERIC[4] = FC_NUMERIC[5] = F32 | I64 << 16;
    FC_NUMERIC[6] = FC_NUMERIC[7] = F64 | I64 << 16;

    int[] memory = {
      I32, 2, I64, 3, F32, 2, F64, 3, I32, 0, I32, 0, I32, 1, I32, 1, I64, 0, I64, 0, I64, 1, I64, 1, I64, 2, I64, 2,
      I32, 2, I64, 3, F32, 2, F64, 3, I32, 0, I32, 1, I64, 0, I64, 1, I64, 2
    };
    for (int op = 0x28, i = 0; op <= 0x3E; op++, i += 2) {
      MEMORY[op] = memory[i] | memory[i + 1] << 8;
    }
  }

  private static void put(int first, String names) {
    String[] list = names.split(" ");
    for (int i = 0; i < list.length; i++) {
      if (!list[i].equals("-")) {
        NAMES[first + i] = list[i];
      }
    }
  }

  private static void numeric(int from, int to, int in1, int in2, int out) {
    for (int op = from; op <= to; op++) {
      NUMERIC[op] = in1 | in2 << 8 | out << 16;
    }
  }

  /** Returns the signature of a plain numeric instruction, or 0. */
  static int numeric(int op) {
    return NUMERIC[op];
  }

  /** Returns the signature of a saturating truncation (0xFC 0 to 7). */
  static int saturating(int sub) {
    return FC_NUMERIC[sub];
  }

  /** Returns {@code valueType | naturalAlignmentLog2 << 8} for a load or store. */
  static int memory(int op) {
    return MEMORY[op];
  }

  /** Returns whether {@code op} is an instruction's first byte (a prefix counts), in any proposal this knows. */
  static boolean isInstruction(int op) {
    return NAMES[op] != null || NUMERIC[op] != 0 || op >= 0xFB && op <= 0xFE;
  }

  static String name(int op, int sub) {
    if (op == 0xFC) {
      return sub >= 0 && sub < FC_NAMES.length ? FC_NAMES[sub] : "0xFC " + Integer.toUnsignedString(sub);
    }
    String n = op >= 0 && op < 256 ? NAMES[op] : null;
    return n != null ? n : String.format("opcode 0x%02X", op);
  }
}
