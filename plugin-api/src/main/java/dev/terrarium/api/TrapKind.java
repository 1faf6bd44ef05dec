package dev.terrarium.api;

/** Why a guest trapped, as the WebAssembly specification names the causes. */
public enum TrapKind {
  UNREACHABLE,
  INTEGER_DIVIDE_BY_ZERO,
  INTEGER_OVERFLOW,
  INVALID_CONVERSION_TO_INTEGER,
  OUT_OF_BOUNDS_MEMORY_ACCESS,
  OUT_OF_BOUNDS_TABLE_ACCESS,
  INDIRECT_CALL_TYPE_MISMATCH,
  UNDEFINED_ELEMENT,
  UNINITIALIZED_ELEMENT,
  NULL_REFERENCE,
  /** A trap the engine reported with a reason Terrarium does not classify; the message keeps it. */
  OTHER
}
