package dev.terrarium.host;

import static dev.terrarium.host.Fixtures.assertHealthy;
import static dev.terrarium.host.Fixtures.fixture;
import static dev.terrarium.host.Fixtures.manifest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.BadExportException;
import dev.terrarium.api.CallTimeoutException;
import dev.terrarium.api.Capabilities;
import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.GuestTrapException;
import dev.terrarium.api.HostFunctionException;
import dev.terrarium.api.InstanceUnusableException;
import dev.terrarium.api.MemoryLimitException;
import dev.terrarium.api.PluginInstantiationException;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.StackExhaustedException;
import dev.terrarium.api.TrapKind;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every way a call can fail, under the compiler and the interpreter; after each, the host still works. */
class CallFailuresTest {
  private PluginHost host;

  private PluginHost host(ExecutionMode mode, PluginLimits limits) {
    host = Fixtures.host(mode).limits(limits).build();
    return host;
  }

  @AfterEach
  void tearDown() {
    if (host != null) {
      host.close();
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void call_infiniteLoopIsStoppedAtTheDeadline(ExecutionMode mode) {
    PluginHost h = host(mode, PluginLimits.builder().callTimeout(Duration.ofMillis(200)).build());
    Plugin loop = h.load(fixture("loop"), manifest("loop"));
    try (PluginInstance instance = loop.instantiate()) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> instance.call("spin"))
          .isInstanceOfSatisfying(
              CallTimeoutException.class,
              e -> {
                assertThat(e.timeout()).isEqualTo(Duration.ofMillis(200));
                assertThat(e.function()).isEqualTo("spin");
                assertThat(e.code()).isEqualTo(ErrorCode.CALL_TIMEOUT);
              })
          .hasMessageStartingWith("[Terrarium/CALL_TIMEOUT] plugin 'loop': call to 'spin' failed:")
          .hasMessageContaining("deadline of 200 ms");
      long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(elapsedMillis).isGreaterThanOrEqualTo(200);
      // The watchdog's interrupt must not leak into the caller's thread.
      assertThat(Thread.currentThread().isInterrupted()).isFalse();
      assertThatThrownBy(() -> instance.call("noop")).isInstanceOf(InstanceUnusableException.class);
    }
    try (PluginInstance fresh = loop.instantiate()) {
      assertThat(fresh.call("noop")).isEmpty();
    }
    assertHealthy(h);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void call_applicationInterruptIsReportedAndItsFlagKept(ExecutionMode mode) throws Exception {
    PluginHost h = host(mode, PluginLimits.builder().callTimeout(Duration.ofSeconds(30)).build());
    Plugin loop = h.load(fixture("loop"), manifest("loop"));
    var outcome = new java.util.concurrent.CompletableFuture<String>();
    Thread caller =
        new Thread(
            () -> {
              try (PluginInstance i = loop.instantiate()) {
                i.call("spin");
                outcome.complete("returned");
              } catch (dev.terrarium.api.CallInterruptedException e) {
                outcome.complete("interrupted, flag " + Thread.currentThread().isInterrupted());
              } catch (RuntimeException e) {
                outcome.complete(e.toString());
              }
            });
    caller.start();
    Thread.sleep(200);
    caller.interrupt();
    assertThat(outcome.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("interrupted, flag true");
    assertHealthy(h);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void call_fastCallsUnderADeadlineSucceedRepeatedly(ExecutionMode mode) {
    PluginHost h = host(mode, PluginLimits.builder().callTimeout(Duration.ofMillis(50)).build());
    try (PluginInstance i = h.load(fixture("add"), manifest("add")).instantiate()) {
      GuestFunction add = i.function("add");
      for (int n = 0; n < 10_000; n++) {
        assertThat(add.call(n, 1)[0]).isEqualTo(n + 1);
      }
    }
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void call_memoryBombIsStoppedByThePageLimit(ExecutionMode mode) {
    PluginHost h = host(mode, PluginLimits.builder().maxMemoryPages(64).build());
    Plugin bomb = h.load(fixture("memory-bomb"), manifest("bomb"));
    try (PluginInstance instance = bomb.instantiate()) {
      assertThatThrownBy(() -> instance.call("bomb"))
          .isInstanceOfSatisfying(MemoryLimitException.class, e -> assertThat(e.limitPages()).isEqualTo(64))
          .hasMessageStartingWith("[Terrarium/CALL_MEMORY_LIMIT] plugin 'bomb': call to 'bomb' failed:")
          .hasMessageContaining("limit of 64 pages (4096 KiB)")
          .hasMessageContaining("UNREACHABLE");
      assertThat(instance.memoryPages()).isLessThanOrEqualTo(64);
    }
    assertHealthy(h);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void call_aGrowRefusedInAnEarlierCallDoesNotMakeALaterTrapAMemoryLimit(ExecutionMode mode) {
    PluginHost h = host(mode, PluginLimits.builder().maxMemoryPages(64).build());
    Plugin bomb = h.load(fixture("memory-bomb"), manifest("bomb"));
    try (PluginInstance instance = bomb.instantiate()) {
      // The guest sees -1 and carries on: the call succeeds and the instance stays usable.
      assertThat(instance.call("grow", 100)).containsExactly(-1L);
      assertThat(instance.call("grow", 1)).containsExactly(1L);
      assertThat(instance.call("grow", 100)).containsExactly(-1L);
      // A trap in a later call is the guest's own fault, not the page limit's.
      assertThatThrownBy(() -> instance.call("trap"))
          .isInstanceOfSatisfying(GuestTrapException.class, e -> assertThat(e.kind()).isEqualTo(TrapKind.UNREACHABLE))
          .isNotInstanceOf(MemoryLimitException.class);
      assertThat(instance.usable()).isFalse();
      assertThatThrownBy(() -> instance.call("pages")).isInstanceOf(InstanceUnusableException.class);
    }
    try (PluginInstance instance = bomb.instantiate()) {
      // A trap in the same call as the refusal is reported as the page limit.
      assertThatThrownBy(() -> instance.call("bomb")).isInstanceOf(MemoryLimitException.class);
    }
    assertHealthy(h);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void instantiate_refusesModuleWhoseInitialMemoryExceedsTheLimit(ExecutionMode mode) {
    PluginHost h = host(mode, PluginLimits.builder().maxMemoryPages(16).build());
    Plugin big = h.load(fixture("big-initial-memory"), manifest("big"));
    assertThatThrownBy(big::instantiate)
        .isInstanceOf(PluginInstantiationException.class)
        .hasMessageContaining("needs 300 pages of memory to start, more than its limit of 16 pages")
        .extracting(e -> ((PluginInstantiationException) e).code())
        .isEqualTo(ErrorCode.INSTANTIATE_MEMORY_LIMIT);
    assertHealthy(h);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void call_unboundedRecursionExhaustsTheStack(ExecutionMode mode) {
    PluginHost h = host(mode, PluginLimits.none());
    try (PluginInstance instance = h.load(fixture("recursion"), manifest("deep")).instantiate()) {
      assertThatThrownBy(() -> instance.call("recurse", 0))
          .isInstanceOf(StackExhaustedException.class)
          .hasMessageStartingWith("[Terrarium/CALL_STACK_EXHAUSTED] plugin 'deep': call to 'recurse' failed:")
          .hasMessageContaining("the calling thread's stack");
    }
    assertHealthy(h);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void call_unboundedRecursionOnAConfiguredGuestStack(ExecutionMode mode) {
    PluginHost h = host(mode, PluginLimits.builder().guestStackBytes(256 * 1024).build());
    try (PluginInstance instance = h.load(fixture("recursion"), manifest("deep")).instantiate()) {
      String caller = Thread.currentThread().getName();
      assertThatThrownBy(() -> instance.call("recurse", 0))
          .isInstanceOf(StackExhaustedException.class)
          .hasMessageContaining("a guest stack of 262144 bytes");
      assertThat(Thread.currentThread().getName()).isEqualTo(caller);
    }
    try (PluginInstance other = h.load(fixture("add"), manifest("add")).instantiate()) {
      assertThat(other.call("add", 1, 1)).containsExactly(2);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void call_hostFunctionThatThrowsBecomesHostFunctionException(ExecutionMode mode) {
    PluginHost h = host(mode, PluginLimits.none());
    Plugin caller = h.load(fixture("host-call"), manifest("caller", Capabilities.builder().hostModule("host").build()));
    try (PluginInstance instance = caller.instantiate()) {
      assertThat(instance.call("callFail", 21)).containsExactly(42);
      assertThatThrownBy(() -> instance.call("callFail", -1))
          .isInstanceOfSatisfying(
              HostFunctionException.class,
              e -> {
                assertThat(e.hostFunction()).isEqualTo("host.fail");
                assertThat(e.getCause())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("host refuses negative input -1");
              })
          .hasMessageStartingWith("[Terrarium/CALL_HOST_FUNCTION] plugin 'caller': call to 'callFail' failed:")
          .hasMessageContaining("host function host.fail threw");
      assertThatThrownBy(() -> instance.call("noop")).isInstanceOf(InstanceUnusableException.class);
    }
    try (PluginInstance again = caller.instantiate()) {
      assertThat(again.call("callFail", 5)).containsExactly(10);
    }
    assertHealthy(h);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void call_trapsAreTypedByKind(ExecutionMode mode) {
    PluginHost h = host(mode, PluginLimits.none());
    Plugin traps = h.load(fixture("traps"), manifest("traps"));
    assertTrap(traps, "div0", TrapKind.INTEGER_DIVIDE_BY_ZERO);
    assertTrap(traps, "oob", TrapKind.OUT_OF_BOUNDS_MEMORY_ACCESS);
    assertTrap(traps, "unreachable", TrapKind.UNREACHABLE);
    assertHealthy(h);
  }

  private static void assertTrap(Plugin plugin, String function, TrapKind kind) {
    try (PluginInstance instance = plugin.instantiate()) {
      assertThatThrownBy(() -> instance.call(function))
          .isInstanceOfSatisfying(GuestTrapException.class, e -> assertThat(e.kind()).isEqualTo(kind))
          .hasMessageStartingWith("[Terrarium/CALL_TRAP] plugin 'traps': call to '" + function + "' failed:");
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void instantiate_startFunctionTrapIsAnInstantiationError(ExecutionMode mode) {
    PluginHost h = host(mode, PluginLimits.none());
    Plugin p = h.load(fixture("start-trap"), manifest("starter"));
    assertThatThrownBy(p::instantiate)
        .isInstanceOf(PluginInstantiationException.class)
        .hasMessageStartingWith("[Terrarium/INSTANTIATE_FAILED] plugin 'starter': creating an instance failed")
        .hasMessageContaining("UNREACHABLE");
    assertHealthy(h);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void instantiate_startFunctionThatLoopsIsStoppedAtTheDeadline(ExecutionMode mode) {
    PluginHost h = host(mode, PluginLimits.builder().callTimeout(Duration.ofMillis(150)).build());
    Plugin p = h.load(fixture("start-loop"), manifest("stuck"));
    assertThatThrownBy(p::instantiate)
        .isInstanceOfSatisfying(
            PluginInstantiationException.class,
            e -> assertThat(e.getCause()).isInstanceOf(CallTimeoutException.class))
        .hasMessageContaining("its start function failed")
        .hasMessageContaining("deadline of 150 ms");
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
    assertHealthy(h);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void call_aTimeoutInOneInstanceLeavesConcurrentInstancesAlone(ExecutionMode mode) throws Exception {
    PluginHost h = host(mode, PluginLimits.builder().callTimeout(Duration.ofMillis(300)).build());
    Plugin loop = h.load(fixture("loop"), manifest("loop"));
    Plugin add = h.load(fixture("add"), manifest("add"));
    var pool = java.util.concurrent.Executors.newFixedThreadPool(3);
    try {
      var stuck =
          pool.submit(
              () -> {
                try (PluginInstance i = loop.instantiate()) {
                  i.call("spin");
                  return "returned";
                } catch (CallTimeoutException e) {
                  return "timed out";
                }
              });
      java.util.List<java.util.concurrent.Future<Long>> sums = new java.util.ArrayList<>();
      for (int t = 0; t < 2; t++) {
        sums.add(
            pool.submit(
                () -> {
                  long total = 0;
                  try (PluginInstance i = add.instantiate()) {
                    GuestFunction f = i.function("add");
                    for (int n = 0; n < 20_000; n++) {
                      total += f.call(n, 1)[0];
                    }
                  }
                  return total;
                }));
      }
      for (var sum : sums) {
        assertThat(sum.get()).isEqualTo(20_000L * 20_001L / 2);
      }
      assertThat(stuck.get()).isEqualTo("timed out");
    } finally {
      pool.shutdownNow();
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void call_badExportNameOrArityLeavesTheInstanceUsable(ExecutionMode mode) {
    PluginHost h = host(mode, PluginLimits.none());
    try (PluginInstance i = h.load(fixture("add"), manifest("add")).instantiate()) {
      assertThatThrownBy(() -> i.call("sub", 1, 2))
          .isInstanceOf(BadExportException.class)
          .hasMessageContaining("the module has no export named 'sub'")
          .hasMessageContaining("add (i32, i32) -> (i32)");
      assertThatThrownBy(() -> i.call("add", 1))
          .isInstanceOf(BadExportException.class)
          .hasMessageContaining("it takes 2 arguments [I32, I32] but was given 1");
      assertThatThrownBy(() -> i.call("memory"))
          .isInstanceOf(BadExportException.class)
          .hasMessageContaining("is a memory, not a function");
      GuestFunction add = i.function("add");
      assertThatThrownBy(() -> add.call(1, 2, 3))
          .isInstanceOf(BadExportException.class)
          .hasMessageContaining("it takes 2 arguments [I32, I32] but was given 3");
      assertThatThrownBy(() -> add.call((long[]) null))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("arguments must not be null");
      assertThat(i.usable()).isTrue();
      assertThat(i.call("add", 1, 2)).containsExactly(3);
      assertThat(add.call(40, 2)).containsExactly(42);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void call_closedInstanceRefusesCalls(ExecutionMode mode) {
    PluginHost h = host(mode, PluginLimits.none());
    PluginInstance i = h.load(fixture("add"), manifest("add")).instantiate();
    GuestFunction add = i.function("add");
    i.close();
    assertThatThrownBy(() -> add.call(1, 2))
        .isInstanceOf(InstanceUnusableException.class)
        .hasMessageContaining("the instance was closed");
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void call_numbersOfEveryTypeRoundTrip(ExecutionMode mode) {
    PluginHost h = host(mode, PluginLimits.none());
    try (PluginInstance i = h.load(fixture("add"), manifest("add")).instantiate()) {
      assertThat(i.call("add", -5, 3)).containsExactly(-2);
      assertThat(i.call("add64", Long.MAX_VALUE - 1, 1)).containsExactly(Long.MAX_VALUE);
      GuestFunction addf = i.function("addf");
      long r = addf.call(dev.terrarium.api.WasmType.F64.encode(1.25), dev.terrarium.api.WasmType.F64.encode(2.5))[0];
      assertThat(dev.terrarium.api.WasmType.F64.decode(r)).isEqualTo(3.75);
    }
  }
}
