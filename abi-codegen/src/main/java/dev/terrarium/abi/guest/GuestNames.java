package dev.terrarium.abi.guest;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/** Identifier and literal helpers shared by the guest-language writers. */
final class GuestNames {
  private GuestNames() {}

  /** C11 keywords (and a few reserved spellings) that are not Java keywords, so Java names can collide with them. */
  private static final Set<String> C_RESERVED =
      Set.of(
          "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
          "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
          "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
          "bool", "true", "false", "alignas", "alignof", "noreturn", "static_assert", "thread_local", "errno",
          "assert", "offsetof", "NULL", "free", "malloc", "calloc", "memcpy", "strlen");

  /** Rust keywords (strict and reserved) usable as raw identifiers. */
  private static final Set<String> RUST_KEYWORDS =
      Set.of(
          "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in",
          "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct", "trait", "true",
          "type", "unsafe", "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do",
          "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen");

  /** Rust keywords that cannot be raw identifiers. */
  private static final Set<String> RUST_NOT_RAW = Set.of("self", "Self", "super", "crate", "_");

  /** A C identifier for a Java name: reserved words get a trailing underscore. */
  static String cIdent(String name) {
    return C_RESERVED.contains(name) ? name + "_" : name;
  }

  /** A Rust identifier for a name: keywords become raw identifiers ({@code r#match}). */
  static String rustIdent(String name) {
    if (RUST_NOT_RAW.contains(name)) {
      return name + "_";
    }
    return RUST_KEYWORDS.contains(name) ? "r#" + name : name;
  }

  /** An identifier made only of {@code [A-Za-z0-9_]}, for macro names and mangled type names. */
  static String plain(String name) {
    StringBuilder out = new StringBuilder();
    for (char c : name.toCharArray()) {
      out.append((c < 128 && (Character.isLetterOrDigit(c) || c == '_')) ? c : '_');
    }
    return out.toString();
  }

  /** {@code WORDS} → {@code Words}, {@code BIG_ENDIAN} → {@code BigEndian}, {@code fooBar} → {@code FooBar}. */
  static String upperCamel(String constant) {
    boolean hasLower = !constant.equals(constant.toUpperCase(Locale.ROOT));
    if (hasLower) {
      StringBuilder out = new StringBuilder();
      boolean up = true;
      for (char c : constant.toCharArray()) {
        if (c == '_') {
          up = true;
          continue;
        }
        out.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
      return out.length() == 0 ? "V" : out.toString();
    }
    StringBuilder out = new StringBuilder();
    for (String part : constant.split("_")) {
      if (part.isEmpty()) {
        continue;
      }
      out.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
    }
    if (out.length() == 0 || !Character.isLetter(out.charAt(0))) {
      out.insert(0, 'V');
    }
    return out.toString();
  }

  /** A C string literal (with quotes); non-ASCII and special bytes as octal escapes of their UTF-8 bytes. */
  static String cString(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c == '"' || c == '\\') {
        out.append('\\').append((char) c);
      } else if (c >= 0x20 && c < 0x7f && c != '?') {
        out.append((char) c);
      } else {
        out.append(String.format("\\%03o", c));
      }
    }
    return out.append('"').toString();
  }

  /** A Rust string literal (with quotes). */
  static String rustString(String s) {
    StringBuilder out = new StringBuilder("\"");
    s.codePoints()
        .forEach(
            cp -> {
              if (cp == '"' || cp == '\\') {
                out.append('\\').appendCodePoint(cp);
              } else if (cp >= 0x20 && cp < 0x7f) {
                out.appendCodePoint(cp);
              } else {
                out.append(String.format("\\u{%x}", cp));
              }
            });
    return out.append('"').toString();
  }

  /** Text safe inside a C or Rust block comment (no comment terminator). */
  static String comment(String s) {
    return s.replace("*/", "* /").replace("/*", "/ *");
  }
}
