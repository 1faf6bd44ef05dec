package dev.terrarium.host.validation;

/** Value types as their one-byte binary codes, with the checks and names the validator needs. */
final class Types {
  static final int I32 = 0x7F;
  static final int I64 = 0x7E;
  static final int F32 = 0x7D;
  static final int F64 = 0x7C;
  static final int V128 = 0x7B;
  static final int FUNCREF = 0x70;
  static final int EXTERNREF = 0x6F;
  /** The unknown type of a value popped from the polymorphic stack of unreachable code. */
  static final int UNKNOWN = 0;

  static final String SIMD =
      "the module uses SIMD (v128), which this engine cannot run; rebuild it without SIMD"
          + " (e.g. without -msimd128 or target-feature +simd128)";

  private Types() {}

  static boolean isReference(int t) {
    return t == FUNCREF || t == EXTERNREF;
  }

  static boolean isNumeric(int t) {
    return t == I32 || t == I64 || t == F32 || t == F64;
  }

  static String name(int t) {
    return switch (t) {
      case I32 -> "i32";
      case I64 -> "i64";
      case F32 -> "f32";
      case F64 -> "f64";
      case V128 -> "v128";
      case FUNCREF -> "funcref";
      case EXTERNREF -> "externref";
      case UNKNOWN -> "unknown";
      default -> String.format("0x%02X", t);
    };
  }

  /** Reads a value type, refusing v128 and the reference types of later proposals. */
  static int valueType(WasmReader r) {
    int at = r.pos();
    int t = r.u8();
    switch (t) {
      case I32, I64, F32, F64, FUNCREF, EXTERNREF:
        return t;
      default:
        throw refused(r, at, t, "value type");
    }
  }

  /** Reads a reference type (funcref or externref). */
  static int referenceType(WasmReader r) {
    int at = r.pos();
    int t = r.u8();
    if (t == FUNCREF || t == EXTERNREF) {
      return t;
    }
    throw refused(r, at, t, "reference type");
  }

  /** The fault for a type byte that is not one this validator accepts where {@code what} is expected. */
  static Rejection refused(WasmReader r, int at, int t, String what) {
    if (t == V128) {
      return r.unsupported(at, SIMD);
    }
    if (t == 0x63 || t == 0x64 || (t >= 0x65 && t <= 0x6E) || t == 0x71 || t == 0x72 || t == 0x73 || t == 0x74) {
      return r.unsupported(
          at,
          String.format(
              "the %s 0x%02X belongs to the typed function references or GC proposals, which this host does not"
                  + " support",
              what, t));
    }
    return r.malformed(at, String.format("malformed %s 0x%02X", what, t));
  }
}
