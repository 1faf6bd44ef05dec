package dev.terrarium.api;

import java.time.Duration;

/**
 * Resource limits. A {@code null} field means "no limit from this side". The host's limits are the ceiling;
 * a manifest may only lower them ({@link #narrowedBy}).
 *
 * @param maxMemoryPages the most linear memory an instance may have, in 64 KiB pages (1..65536)
 * @param callTimeout the wall-clock deadline for one call; the watchdog interrupts the guest past it
 * @param guestStackBytes when set, guest code runs on a dedicated thread with this stack size, which bounds
 *     how deep it can recurse; when {@code null} it runs on the caller's thread
 * @param maxModuleBytes the largest module that may be loaded, in bytes
 * @param maxFuelPerCall on a host that meters fuel, the most fuel one call may use; the tenant's policy may cap
 *     it lower (the lowest of host, manifest and tenant wins)
 * @param maxFuelPerInstance on a host that meters fuel, the most fuel one instance may use over its life
 * @param maxTableElements the most elements an instance's tables may hold together (defined and imported ones,
 *     at instantiation and after {@code table.grow}); {@code null} means {@link #DEFAULT_MAX_TABLE_ELEMENTS}, since
 *     tables live on the JVM heap and are never unbounded
 */
public record PluginLimits(
    Integer maxMemoryPages,
    Duration callTimeout,
    Long guestStackBytes,
    Long maxModuleBytes,
    Long maxFuelPerCall,
    Long maxFuelPerInstance,
    Integer maxTableElements) {
  /** The most pages a 32-bit WebAssembly memory can have. */
  public static final int MAX_PAGES = 65536;

  /**
   * The table-element bound when neither host nor manifest sets one: ten million, the largest table browsers'
   * engines (V8, SpiderMonkey) accept, so any module that runs on the web fits. An element costs the host 8 to
   * 16 bytes of heap, so one instance's tables stay within about 160 MiB.
   */
  public static final int DEFAULT_MAX_TABLE_ELEMENTS = 10_000_000;

  private static final PluginLimits NONE = new PluginLimits(null, null, null, null, null, null, null);

  public PluginLimits {
    if (maxMemoryPages != null && (maxMemoryPages < 1 || maxMemoryPages > MAX_PAGES)) {
      throw new IllegalArgumentException(
          "maxMemoryPages must be between 1 and " + MAX_PAGES + ", was " + maxMemoryPages);
    }
    if (callTimeout != null && (callTimeout.isNegative() || callTimeout.isZero())) {
      throw new IllegalArgumentException("callTimeout must be positive, was " + callTimeout);
    }
    if (guestStackBytes != null && guestStackBytes < 64 * 1024) {
      throw new IllegalArgumentException("guestStackBytes must be at least 65536, was " + guestStackBytes);
    }
    if (maxModuleBytes != null && maxModuleBytes < 8) {
      throw new IllegalArgumentException("maxModuleBytes must be at least 8, was " + maxModuleBytes);
    }
    if (maxFuelPerCall != null && maxFuelPerCall < 1) {
      throw new IllegalArgumentException("maxFuelPerCall must be at least 1, was " + maxFuelPerCall);
    }
    if (maxFuelPerInstance != null && maxFuelPerInstance < 1) {
      throw new IllegalArgumentException("maxFuelPerInstance must be at least 1, was " + maxFuelPerInstance);
    }
    if (maxTableElements != null && maxTableElements < 0) {
      throw new IllegalArgumentException("maxTableElements must not be negative, was " + maxTableElements);
    }
  }

  /** No limits at all (every field {@code null}). */
  public static PluginLimits none() {
    return NONE;
  }

  /** Returns a builder whose fields start unset. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the limits in force when these (the host's) are narrowed by {@code requested} (a manifest's): for
   * each field, the lower of the two; a field unset on one side takes the other side's value.
   */
  public PluginLimits narrowedBy(PluginLimits requested) {
    if (requested == null) {
      return this;
    }
    return new PluginLimits(
        min(maxMemoryPages, requested.maxMemoryPages),
        min(callTimeout, requested.callTimeout),
        min(guestStackBytes, requested.guestStackBytes),
        min(maxModuleBytes, requested.maxModuleBytes),
        min(maxFuelPerCall, requested.maxFuelPerCall),
        min(maxFuelPerInstance, requested.maxFuelPerInstance),
        min(maxTableElements, requested.maxTableElements));
  }

  private static <T extends Comparable<T>> T min(T a, T b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** Builds {@link PluginLimits}; each setter validates its value and names it when it is bad. */
  public static final class Builder {
    private Integer maxMemoryPages;
    private Duration callTimeout;
    private Long guestStackBytes;
    private Long maxModuleBytes;
    private Long maxFuelPerCall;
    private Long maxFuelPerInstance;
    private Integer maxTableElements;

    private Builder() {}

    /** The most elements an instance's tables may hold together (default {@link #DEFAULT_MAX_TABLE_ELEMENTS}). */
    public Builder maxTableElements(int elements) {
      this.maxTableElements = elements;
      return this;
    }

    /** On a host that meters fuel: the most fuel one call may use (with the tenant's cap, the lower wins). */
    public Builder maxFuelPerCall(long fuel) {
      this.maxFuelPerCall = fuel;
      return this;
    }

    /** On a host that meters fuel: the most fuel one instance may use over its life. */
    public Builder maxFuelPerInstance(long fuel) {
      this.maxFuelPerInstance = fuel;
      return this;
    }

    public Builder maxMemoryPages(int pages) {
      this.maxMemoryPages = pages;
      return this;
    }

    public Builder callTimeout(Duration timeout) {
      this.callTimeout = timeout;
      return this;
    }

    public Builder guestStackBytes(long bytes) {
      this.guestStackBytes = bytes;
      return this;
    }

    public Builder maxModuleBytes(long bytes) {
      this.maxModuleBytes = bytes;
      return this;
    }

    public PluginLimits build() {
      return new PluginLimits(
          maxMemoryPages,
          callTimeout,
          guestStackBytes,
          maxModuleBytes,
          maxFuelPerCall,
          maxFuelPerInstance,
          maxTableElements);
    }
  }
}
