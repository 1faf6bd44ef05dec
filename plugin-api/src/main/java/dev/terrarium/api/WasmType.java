package dev.terrarium.api;

/**
 * The WebAssembly number types that cross the boundary. In the low-level API every value travels in a {@code
 * long}: {@code i32} sign-extended, {@code i64} as is, {@code f32} as {@link Float#floatToRawIntBits} in the low
 * 32 bits and {@code f64} as {@link Double#doubleToRawLongBits}.
 */
public enum WasmType {
  I32,
  I64,
  F32,
  F64;

  /** Encodes a Java value of this type into the {@code long} the low-level API carries. */
  public long encode(Number value) {
    return switch (this) {
      case I32 -> value.intValue();
      case I64 -> value.longValue();
      case F32 -> Float.floatToRawIntBits(value.floatValue()) & 0xFFFFFFFFL;
      case F64 -> Double.doubleToRawLongBits(value.doubleValue());
    };
  }

  /** Decodes a {@code long} carried by the low-level API into a boxed Java value of this type. */
  public Number decode(long raw) {
    return switch (this) {
      case I32 -> (int) raw;
      case I64 -> raw;
      case F32 -> Float.intBitsToFloat((int) raw);
      case F64 -> Double.longBitsToDouble(raw);
    };
  }

  /** Returns the WebAssembly text name, e.g. {@code i32}. */
  public String wasmName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
