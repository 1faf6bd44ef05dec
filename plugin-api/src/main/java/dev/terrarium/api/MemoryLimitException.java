package dev.terrarium.api;

/** The guest asked for more linear memory than its limit and failed as a result. */
public final class MemoryLimitException extends PluginCallException {
  private static final long serialVersionUID = 1L;

  private final int limitPages;

  public MemoryLimitException(String pluginId, String function, int limitPages, String detail, Throwable cause) {
    super(
        ErrorCode.CALL_MEMORY_LIMIT,
        pluginId,
        function,
        "the guest tried to grow its memory past the limit of "
            + limitPages
            + " pages ("
            + (limitPages * 64L)
            + " KiB) and then failed: "
            + detail
            + ". Raise maxMemoryPages if the plugin legitimately needs more memory.",
        cause);
    this.limitPages = limitPages;
  }

  /** Returns the memory limit, in 64 KiB pages. */
  public int limitPages() {
    return limitPages;
  }
}
