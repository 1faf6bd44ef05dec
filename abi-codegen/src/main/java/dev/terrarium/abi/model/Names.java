package dev.terrarium.abi.model;

import java.util.Locale;

/** Name mapping between Java and the wasm and guest-language worlds. */
public final class Names {
  private Names() {}

  /** {@code getValue} → {@code get_value}; {@code parseURL} → {@code parse_url}; {@code v2Name} → {@code v2_name}. */
  public static String snakeCase(String javaName) {
    StringBuilder out = new StringBuilder();
    char[] c = javaName.toCharArray();
    for (int i = 0; i < c.length; i++) {
      char ch = c[i];
      if (Character.isUpperCase(ch)) {
        boolean prevLowerOrDigit = i > 0 && (Character.isLowerCase(c[i - 1]) || Character.isDigit(c[i - 1]));
        boolean nextLower = i + 1 < c.length && Character.isLowerCase(c[i + 1]);
        boolean prevUpper = i > 0 && Character.isUpperCase(c[i - 1]);
        if (out.length() > 0 && out.charAt(out.length() - 1) != '_' && (prevLowerOrDigit || (prevUpper && nextLower))) {
          out.append('_');
        }
        out.append(Character.toLowerCase(ch));
      } else {
        out.append(ch);
      }
    }
    return out.toString().toLowerCase(Locale.ROOT);
  }
}
