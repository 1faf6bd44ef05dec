package dev.terrarium.host.pool;

/**
 * A snapshot of an {@link InstancePool}'s counters, for operators. The counters are read one after another while
 * the pool keeps working, so they may disagree by the borrows in flight.
 *
 * @param created instances the pool created (pre-warmed, replacements, and on borrow)
 * @param destroyed instances the pool closed (returned under {@link ResetPolicy#FRESH}, broken, evicted as
 *     idle, or closed with the pool)
 * @param brokenReplaced instances returned broken (by a trap, timeout, fuel exhaustion or another failure that
 *     leaves an instance unusable, or closed by the borrower) and therefore dropped
 * @param failedCreations instantiations that failed (the plugin's start function failed, the tenant's fuel ran
 *     out, ...)
 * @param evicted instances closed because they stayed idle longer than the idle timeout
 * @param borrows instances lent
 * @param waits borrows that found every instance in use and had to wait
 * @param timeouts borrows that gave up after the borrow timeout with {@link
 *     dev.terrarium.api.PoolExhaustedException}
 * @param idle instances ready to lend now
 * @param inUse instances lent and not yet returned
 */
public record PoolStats(
    long created,
    long destroyed,
    long brokenReplaced,
    long failedCreations,
    long evicted,
    long borrows,
    long waits,
    long timeouts,
    int idle,
    int inUse) {}
