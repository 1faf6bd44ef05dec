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

  private CostModel(Builder b) {
    this.perClass = new long[InstructionClass.values().length];
    for (InstructionClass c : InstructionClass.values()) {
      perClass[c.ordinal()] = b.perClass.getOrDefault(c, 1L);
    }
    this.perPage = b.perPage;
    this.perByte = b.perByte;
    this.perElement = b.perElement;
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
  public String key() {
    StringBuilder sb = new StringBuilder("fuel-v1");
    for (InstructionClass c : InstructionClass.values()) {
      sb.append(';').append(c.name().toLowerCase(java.util.Locale.ROOT)).append('=').append(cost(c));
    }
    return sb.append(";page=").append(perPage).append(";byte=").append(perByte).append(";element=")
        .append(perElement).toString();
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

    private Builder() {}

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
