package dev.terrarium.host.engine;

import dev.terrarium.host.internal.Watchdog;
import java.time.Duration;
import java.util.concurrent.ExecutorService;

/**
 * Everything an instance needs besides its module.
 *
 * @param pluginId the plugin's id, for messages
 * @param memoryLimitPages the most pages its memory may have
 * @param links its imports, resolved once per plugin
 * @param wasi what its WASI starts with, or {@code null} when it imports no WASI function
 * @param watchdog the host's watchdog, used when {@code timeout} is set
 * @param timeout the per-call deadline, or {@code null}
 * @param guestExecutor the threads with a configured stack to run guest code on, or {@code null} for the caller's
 * @param stackDescription a human description of the guest stack, for messages
 * @param fuel the instance's fuel account, or {@code null} when the module is not metered
 * @param fastFuel whether the module was metered with {@code Accounting.FAST}: a call that traps or is stopped is
 *     then charged all the fuel it drew
 * @param fuelListener hears of every settled metered call, or {@code null}
 * @param tableElementLimit the most elements its tables may hold together
 * @param caller who the instance is, as its host functions see it
 * @param outputDrain waits until the guest's pumped output is written (run at the end of every call, inside its
 *     deadline), or {@code null} when its output is not pumped
 * @param callObservers the observer of each exported function's calls (by name; it may return {@code null}), or
 *     {@code null} when no metrics are recorded
 */
public record InstanceSpec(
    String pluginId,
    int memoryLimitPages,
    EngineInstance.Links links,
    dev.terrarium.host.wasi.WasiSetup wasi,
    Watchdog watchdog,
    Duration timeout,
    ExecutorService guestExecutor,
    String stackDescription,
    dev.terrarium.host.quota.InstanceFuel fuel,
    boolean fastFuel,
    FuelListener fuelListener,
    int tableElementLimit,
    Caller caller,
    Runnable outputDrain,
    java.util.function.Function<String, CallObserver> callObservers) {

  /**
   * Who an instance is, for its host functions ({@link dev.terrarium.api.HostCallContext}).
   *
   * @param tenant the tenant's id, or {@code null}
   * @param instanceId unique among the host's instances
   * @param attachment the application's data, or {@code null}
   */
  public record Caller(String tenant, long instanceId, Object attachment) {}
}
