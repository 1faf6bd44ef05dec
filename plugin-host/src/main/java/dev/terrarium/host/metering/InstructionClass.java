package dev.terrarium.host.metering;

/** Classes of WebAssembly instructions, each with its own static cost in a {@link CostModel}. */
public enum InstructionClass {
  /** block, loop, if, else, end, br, br_if, br_table, return, unreachable, nop. */
  CONTROL,
  /** call, call_indirect, return_call, return_call_indirect. */
  CALL,
  /** drop, select, local.*, global.*. */
  VARIABLE,
  /** loads, stores, memory.size, and the fixed part of memory.grow and the bulk memory instructions. */
  MEMORY,
  /** constants, arithmetic, comparisons, conversions, sign extension, saturating truncation. */
  NUMERIC,
  /** ref.*, table.get/set/size and the fixed part of table.grow and the bulk table instructions, elem.drop. */
  REFERENCE,
  /** every 0xFD (SIMD) instruction. */
  SIMD
}
