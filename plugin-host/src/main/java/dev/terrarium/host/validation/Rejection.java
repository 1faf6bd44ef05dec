package dev.terrarium.host.validation;

/**
 * Why the validator refused a module: the class of fault, the byte offset in the module where it was found and
 * the rule it breaks. {@link dev.terrarium.host.engine.Engine} translates it into the public load exceptions.
 */
public final class Rejection extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The class of fault, which decides the error code. */
  public enum Kind {
    /** The bytes do not decode as the binary format (LOAD_MALFORMED). */
    MALFORMED,
    /** The module decodes but breaks a validation rule (LOAD_INVALID). */
    INVALID,
    /** The module uses a feature this host refuses to run (LOAD_UNSUPPORTED). */
    UNSUPPORTED
  }

  private final Kind kind;
  private final int offset;
  private final String rule;

  Rejection(Kind kind, int offset, String rule, String where) {
    super(rule + ", at byte offset " + offset + where, null, false, false);
    this.kind = kind;
    this.offset = offset;
    this.rule = rule;
  }

  /** Returns the class of fault. */
  public Kind kind() {
    return kind;
  }

  /** Returns the byte offset in the module at which the fault was found. */
  public int offset() {
    return offset;
  }

  /** Returns the rule the module breaks, without the position. */
  public String rule() {
    return rule;
  }
}
