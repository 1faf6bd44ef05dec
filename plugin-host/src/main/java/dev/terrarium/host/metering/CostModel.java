package dev.terrarium.host.metering;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * How much fuel each instruction costs. Immutable. By default every instruction costs 1, {@code memory.grow}
 * costs {@value #DEFAULT_PER_PAGE} more per requested page, and the bulk memory and table instructions cost 1
 * more per byte or element of their length operand.
 */
public final class CostModel {
  /** The default extra cost per page requested by {@code memory.grow}. */
  public static final long DEFAULT_PER_PAGE = 1024;

  private static final long MAX_COST = 1L << 20;
  private static final CostModel DEFAULT = builder().build();

  private final long[] perClass;
  private final long perPage;
  private final long perByte;
  private final long perElement;
  private final Accounting accounting;

  /**
   * How a metered function keeps its fuel counter, and so what a call that traps is charged.
   *
   * <ul>
   *   <li>{@link #EXACT} (the default): every charge goes through a global, so a call that traps, or is stopped
   *       by its deadline, is charged exactly what it used, under both engines. On Endive, whose globals are
   *       slow, metered loops run about 1.4 to 1.8 times as long as unmetered ones.
   *   <li>{@link #FAST}: each function keeps the counter in a local and stores it in the global only at calls,
   *       returns and refuels. Loops then run within about 10 to 25% of unmetered code, but what a trapping
   *       function spent since its last store is unknown, so a call that traps, overflows its stack or is
   *       stopped is charged <em>all the fuel it drew</em> (never less than it used; at most one slice more). A
   *       call that ends normally, fails in a host function, exits or runs out of fuel is still charged exactly.
   * </ul>
   */
  public enum Accounting {
    EXACT,
    FAST
  }

  private CostModel(Builder b) {
    this.perClass = new long[InstructionClass.values().length];
    for (InstructionClass c : InstructionClass.values()) {
      perClass[c.ordinal()] = b.perClass.getOrDefault(c, 1L);
    }
    this.perPage = b.perPage;
    this.perByte = b.perByte;
    this.perElement = b.perElement;
    this.accounting = b.accounting;
  }

  /** The default model: 1 per instruction, {@value #DEFAULT_PER_PAGE} per grown page, 1 per byte or element. */
  public static CostModel defaults() {
    return DEFAULT;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The static cost of one instruction of class {@code c}. */
  public long cost(InstructionClass c) {
    return perClass[c.ordinal()];
  }

  /** The extra cost per page asked of {@code memory.grow}. */
  public long perPage() {
    return perPage;
  }

  /** The extra cost per byte of {@code memory.fill}, {@code memory.copy} and {@code memory.init}. */
  public long perByte() {
    return perByte;
  }

  /** The extra cost per element of {@code table.fill}, {@code table.copy}, {@code table.init}, {@code table.grow}. */
  public long perElement() {
    return perElement;
  }

  /** A stable string naming this model completely; equal models have equal keys. */
  /** How metered functions keep their counter; see {@link Accounting}. */
  public Accounting accounting() {
    return accounting;
  }

  public String key() {
    StringBuilder sb = new StringBuilder("fuel-v4");
    for (InstructionClass c : InstructionClass.values()) {
      sb.append(';').append(c.name().toLowerCase(java.util.Locale.ROOT)).append('=').append(cost(c));
    }
    return sb.append(";page=").append(perPage).append(";byte=").append(perByte).append(";element=")
        .append(perElement).append(accounting == Accounting.FAST ? ";accounting=fast" : "").toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CostModel m && m.key().equals(key());
  }

  @Override
  public int hashCode() {
    return key().hashCode();
  }

  @Override
  public String toString() {
    return "CostModel[" + key() + "]";
  }

  /**
   * Builds a {@link CostModel}. Costs are between 0 and 2^20, so that no charge (at most 2^32 units of a bulk
   * operation, or a straight-line run of instructions) can overflow the 64-bit counter.
   */
  public static final class Builder {
    private final Map<InstructionClass, Long> perClass = new EnumMap<>(InstructionClass.class);
    private long perPage = DEFAULT_PER_PAGE;
    private long perByte = 1;
    private long perElement = 1;
    private Accounting accounting = Accounting.EXACT;

    private Builder() {}

    /** Sets how metered functions keep their counter; default {@link Accounting#EXACT}. */
    public Builder accounting(Accounting a) {
      this.accounting = Objects.requireNonNull(a, "accounting");
      return this;
    }

    public Builder cost(InstructionClass c, long cost) {
      perClass.put(Objects.requireNonNull(c, "class"), check(cost));
      return this;
    }

    public Builder perPage(long cost) {
      this.perPage = check(cost);
      return this;
    }

    public Builder perByte(long cost) {
      this.perByte = check(cost);
      return this;
    }

    public Builder perElement(long cost) {
      this.perElement = check(cost);
      return this;
    }

    public CostModel build() {
      return new CostModel(this);
    }

    private static long check(long cost) {
      if (cost < 0 || cost > MAX_COST) {
        throw new IllegalArgumentException("a cost must be between 0 and 2^20, not " + cost);
      }
      return cost;
    }
  }
}
