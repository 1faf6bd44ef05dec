package dev.terrarium.cli;

import dev.terrarium.api.WasmType;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reads {@code --invoke} arguments and writes results, as the text of WebAssembly numbers.
 *
 * <ul>
 *   <li>{@code i32}, {@code i64}: a decimal or {@code 0x} hexadecimal integer with an optional sign. Values above
 *       the signed maximum up to the unsigned maximum are accepted as their two's-complement bit pattern ({@code
 *       4294967295} is the i32 {@code -1}). Results print as signed decimal.
 *   <li>{@code f32}, {@code f64}: a decimal number ({@code 1}, {@code 1.5}, {@code -2e-3}), {@code inf}, {@code
 *       infinity} or {@code nan}, case-insensitive, with an optional sign; an {@code f32} is rounded from the decimal
 *       text directly. Results print as Java's {@code Float/Double.toString} ({@code 4.0}, {@code 1.0E-7}, {@code
 *       NaN}, {@code Infinity}), which this parser reads back to the same value.
 * </ul>
 */
final class WasmValues {
  private static final Pattern INTEGER = Pattern.compile("[+-]?(0[xX][0-9a-fA-F]+|[0-9]+)");
  private static final Pattern FLOAT =
      Pattern.compile("[+-]?(([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?|inf|infinity|nan)", Pattern.CASE_INSENSITIVE);

  private static final BigInteger I32_MIN = BigInteger.valueOf(Integer.MIN_VALUE);
  private static final BigInteger I32_MAX_UNSIGNED = BigInteger.ONE.shiftLeft(32).subtract(BigInteger.ONE);
  private static final BigInteger I64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger I64_MAX_UNSIGNED = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private WasmValues() {}

  /**
   * Parses the arguments of a call to {@code function} with parameter types {@code params}.
   *
   * @return the values encoded as {@link WasmType#encode} does
   * @throws UsageException when the count is wrong or a value is not a number of its parameter's type
   */
  static long[] parseArguments(String function, List<WasmType> params, List<String> texts) {
    if (texts.size() != params.size()) {
      throw new UsageException(
          "--invoke "
              + function
              + ": the export takes "
              + (params.isEmpty() ? "no arguments" : params.size() + " argument" + (params.size() == 1 ? "" : "s"))
              + " "
              + signature(params)
              + " but "
              + texts.size()
              + (texts.size() == 1 ? " was" : " were")
              + " given");
    }
    long[] raw = new long[params.size()];
    for (int i = 0; i < raw.length; i++) {
      WasmType type = params.get(i);
      String text = texts.get(i);
      try {
        raw[i] = parse(type, text);
      } catch (IllegalArgumentException e) {
        throw new UsageException(
            "--invoke " + function + ": argument " + (i + 1) + " '" + text + "' " + e.getMessage());
      }
    }
    return raw;
  }

  /**
   * Parses one value of {@code type}.
   *
   * @throws IllegalArgumentException whose message completes "argument N 'TEXT' ..."
   */
  static long parse(WasmType type, String text) {
    return switch (type) {
      case I32 -> integer(text, I32_MIN, I32_MAX_UNSIGNED, "i32").intValue();
      case I64 -> integer(text, I64_MIN, I64_MAX_UNSIGNED, "i64").longValue();
      case F32 -> WasmType.F32.encode(parseFloat(text, "f32"));
      case F64 -> WasmType.F64.encode(parseDouble(text, "f64"));
      case FUNCREF, EXTERNREF -> nullRef(type, text);
    };
  }

  /** A reference from the command line can only be null: the CLI holds no functions or host objects. */
  private static long nullRef(WasmType type, String text) {
    if (!text.equalsIgnoreCase("null")) {
      throw new IllegalArgumentException(
          "is not a " + type.wasmName() + ": the command line can only pass null for a reference");
    }
    return WasmType.NULL_REF;
  }

  /** Formats one result of {@code type} carried in {@code raw}. */
  static String format(WasmType type, long raw) {
    if (type.isReference() && raw == WasmType.NULL_REF) {
      return "null";
    }
    return type.decode(raw).toString();
  }

  /** Returns the types as WebAssembly text names, e.g. {@code (i32, i32)}. */
  static String signature(List<WasmType> types) {
    return "(" + String.join(", ", types.stream().map(WasmType::wasmName).toList()) + ")";
  }

  private static BigInteger integer(String text, BigInteger min, BigInteger maxUnsigned, String type) {
    String expected =
        "(expected a decimal or 0x-hex integer from " + min + " to " + maxUnsigned + ")";
    if (!INTEGER.matcher(text).matches()) {
      throw new IllegalArgumentException("is not an " + type + " " + expected);
    }
    boolean negative = text.startsWith("-");
    String digits = text.startsWith("-") || text.startsWith("+") ? text.substring(1) : text;
    BigInteger value =
        digits.length() > 2 && (digits.startsWith("0x") || digits.startsWith("0X"))
            ? new BigInteger(digits.substring(2), 16)
            : new BigInteger(digits);
    if (negative) {
      value = value.negate();
    }
    if (value.compareTo(min) < 0 || value.compareTo(maxUnsigned) > 0) {
      throw new IllegalArgumentException("is out of range for " + type + " " + expected);
    }
    return value;
  }

  private static String floatText(String text, String type) {
    if (!FLOAT.matcher(text).matches()) {
      throw new IllegalArgumentException(
          "is not an " + type + " (expected a decimal number such as 1.5 or -2e-3, inf or nan)");
    }
    String lower = text.toLowerCase(Locale.ROOT);
    String sign = lower.startsWith("-") ? "-" : "";
    String body = lower.startsWith("-") || lower.startsWith("+") ? lower.substring(1) : lower;
    return switch (body) {
      case "inf", "infinity" -> sign + "Infinity";
      case "nan" -> "NaN";
      default -> text;
    };
  }

  private static float parseFloat(String text, String type) {
    return Float.parseFloat(floatText(text, type));
  }

  private static double parseDouble(String text, String type) {
    return Double.parseDouble(floatText(text, type));
  }
}
