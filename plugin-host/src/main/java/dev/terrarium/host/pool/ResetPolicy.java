package dev.terrarium.host.pool;

/**
 * What an {@link InstancePool} does with an instance when its borrower returns it.
 *
 * <p>An instance keeps everything a call leaves behind: its linear memory, globals, tables and WASI state. A
 * pool therefore either never lends an instance twice ({@link #FRESH}, the default) or lends it again as it is
 * ({@link #REUSE}), for callers that may see one another's leftovers. Whatever the policy, an instance that a
 * trap, timeout or fuel exhaustion broke is closed, never lent again.
 */
public enum ResetPolicy {
  /**
   * The default: a returned instance is closed, and every borrower gets an instance no one has called before,
   * so that no caller ever sees what another left in guest memory. Each borrow costs one instantiation (about
   * 5 µs for a small module, tens of µs for a WASI or Rust module; see {@code docs/pools.md}): on the
   * borrower's thread, or ahead of time on the pool's background thread for a pool with {@code minIdle > 0}.
   */
  FRESH,

  /**
   * A returned instance that still works goes back to the pool and is lent again with its memory, globals and
   * WASI state as the last borrower left them. For callers that trust one another (the pool is per tenant);
   * costs tens of nanoseconds per borrow.
   */
  REUSE
}
