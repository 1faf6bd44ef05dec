package dev.terrarium.host.engine;

import dev.terrarium.api.TrapKind;
import java.util.Locale;

/** Classifies the engine's trap messages into {@link TrapKind}s. */
final class Traps {
  private Traps() {}

  static TrapKind classify(String message) {
    String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
    if (m.contains("unreachable")) {
      return TrapKind.UNREACHABLE;
    } else if (m.contains("divide by zero") || m.contains("/ by zero")) {
      return TrapKind.INTEGER_DIVIDE_BY_ZERO;
    } else if (m.contains("integer overflow")) {
      return TrapKind.INTEGER_OVERFLOW;
    } else if (m.contains("invalid conversion")) {
      return TrapKind.INVALID_CONVERSION_TO_INTEGER;
    } else if (m.contains("out of bounds memory")) {
      return TrapKind.OUT_OF_BOUNDS_MEMORY_ACCESS;
    } else if (m.contains("out of bounds table") || m.contains("out of bounds array")) {
      return TrapKind.OUT_OF_BOUNDS_TABLE_ACCESS;
    } else if (m.contains("indirect call type mismatch")) {
      return TrapKind.INDIRECT_CALL_TYPE_MISMATCH;
    } else if (m.contains("undefined element")) {
      return TrapKind.UNDEFINED_ELEMENT;
    } else if (m.contains("uninitialized element")) {
      return TrapKind.UNINITIALIZED_ELEMENT;
    } else if (m.contains("null")) {
      return TrapKind.NULL_REFERENCE;
    }
    return TrapKind.OTHER;
  }

  static boolean isStackExhaustion(String message) {
    return message != null && message.toLowerCase(Locale.ROOT).contains("call stack exhausted");
  }
}
