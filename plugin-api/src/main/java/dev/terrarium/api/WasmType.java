package dev.terrarium.api;

/**
 * The WebAssembly value types that cross the boundary. In the low-level API every value travels in a {@code
 * long}: {@code i32} sign-extended, {@code i64} as is, {@code f32} as {@link Float#floatToRawIntBits} in the low
 * 32 bits, {@code f64} as {@link Double#doubleToRawLongBits}, a {@code funcref} as the index of a function of the
 * same instance (in the module's function index space) and an {@code externref} as a handle of the instance's
 * handle table ({@code PluginInstance.externRef(Object)} makes one, {@code externObject(long)} reads it). A null
 * reference of either kind is {@link #NULL_REF}.
 *
 * <p>{@code v128} has no constant: the engine cannot run SIMD, so modules that use it are refused at load.
 */
public enum WasmType {
  I32,
  I64,
  F32,
  F64,
  /** A reference to a function of the instance: its index, or {@link #NULL_REF}. */
  FUNCREF,
  /** An opaque host reference: a handle of the instance's handle table, or {@link #NULL_REF}. */
  EXTERNREF;

  /** The {@code long} that carries a null {@code funcref} or {@code externref}. */
  public static final long NULL_REF = -1;

  /** Returns whether this is a reference type ({@code funcref} or {@code externref}). */
  public boolean isReference() {
    return this == FUNCREF || this == EXTERNREF;
  }

  /**
   * Encodes a Java value of this type into the {@code long} the low-level API carries. For a reference type the
   * value is the function index or handle itself.
   */
  public long encode(Number value) {
    return switch (this) {
      case I32 -> value.intValue();
      case I64, FUNCREF, EXTERNREF -> value.longValue();
      case F32 -> Float.floatToRawIntBits(value.floatValue()) & 0xFFFFFFFFL;
      case F64 -> Double.doubleToRawLongBits(value.doubleValue());
    };
  }

  /**
   * Decodes a {@code long} carried by the low-level API into a boxed Java value of this type; a reference comes
   * back as its {@code Long} index or handle.
   */
  public Number decode(long raw) {
    return switch (this) {
      case I32 -> (int) raw;
      case I64, FUNCREF, EXTERNREF -> raw;
      case F32 -> Float.intBitsToFloat((int) raw);
      case F64 -> Double.longBitsToDouble(raw);
    };
  }

  /** Returns the WebAssembly text name, e.g. {@code i32} or {@code funcref}. */
  public String wasmName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
