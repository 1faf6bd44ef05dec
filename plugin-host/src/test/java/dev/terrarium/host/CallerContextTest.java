package dev.terrarium.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.HostCallContext;
import dev.terrarium.api.HostFunctionException;
import dev.terrarium.api.PluginError;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.samples.SamplePlugins;
import dev.terrarium.samples.abi.Entry;
import dev.terrarium.samples.abi.Greeter;
import dev.terrarium.samples.abi.KeyValueStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Host functions know who calls them: tenant, plugin, instance and attachment, on any thread. */
class CallerContextTest {
  /** A store that belongs to one tenant's instance; remembers whether it was closed. */
  static final class TenantStore implements KeyValueStore, AutoCloseable {
    final String tenant;
    final Map<String, String> values = new ConcurrentHashMap<>();
    volatile boolean closed;

    TenantStore(String tenant) {
      this.tenant = tenant;
    }

    @Override
    public Optional<String> get(String key) {
      return Optional.ofNullable(values.get(key)).map(v -> tenant + ":" + v);
    }

    @Override
    public void put(String key, String value) throws PluginError {
      values.put(key, value);
    }

    @Override
    public List<Entry> scan(String prefix) {
      return List.of();
    }

    @Override
    public long add(int delta) {
      return delta;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /** Calls the host function {@code app.who} once. */
  private static final byte[] WHO =
      Wat.compile(
          """
          (module
            (import "app" "who" (func $who))
            (func (export "run") call $who))
          """);

  private static final dev.terrarium.api.PluginManifest WHO_MANIFEST =
      Fixtures.manifest("who", dev.terrarium.api.Capabilities.builder().hostModule("app").build());

  private record Seen(String plugin, String tenant, long instance, Object attachment, Thread thread) {}

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void hostFunction_seesTenantPluginInstanceAndAttachment_onTheCallersAndAGuestStackThread(boolean guestStack) {
    List<Seen> seen = new CopyOnWriteArrayList<>();
    PluginLimits.Builder limits = PluginLimits.builder();
    if (guestStack) {
      limits.guestStackBytes(512 * 1024);
    }
    try (PluginHost host =
        PluginHost.builder()
            .limits(limits.build())
            .hostFunction(
                "app",
                "who",
                List.of(),
                List.of(),
                (ctx, args) -> {
                  seen.add(
                      new Seen(ctx.pluginId(), ctx.tenant(), ctx.instanceId(), ctx.attachment(), Thread.currentThread()));
                  return null;
                })
            .build()) {
      Plugin plugin = host.load(WHO, WHO_MANIFEST);
      Tenant alice = host.tenant("alice");
      Tenant bob = host.tenant("bob");
      try (PluginInstance a = plugin.instantiate(alice, InstanceOptions.builder().attach("session-1").build());
          PluginInstance b = plugin.instantiate(bob, InstanceOptions.builder().attach(42).build());
          PluginInstance anonymous = plugin.instantiate()) {
        a.call("run");
        b.call("run");
        a.call("run");
        anonymous.call("run");
      }
      assertThat(seen).hasSize(4);
      assertThat(seen).extracting(Seen::plugin).containsOnly(plugin.id());
      assertThat(seen).extracting(Seen::tenant).containsExactly("alice", "bob", "alice", null);
      assertThat(seen).extracting(Seen::attachment).containsExactly("session-1", 42, "session-1", null);
      assertThat(seen.get(0).instance()).isEqualTo(seen.get(2).instance()).isPositive();
      assertThat(List.of(seen.get(0).instance(), seen.get(1).instance(), seen.get(3).instance()))
          .doesNotHaveDuplicates();
      if (guestStack) {
        assertThat(seen).extracting(Seen::thread).doesNotContain(Thread.currentThread());
      } else {
        assertThat(seen).extracting(Seen::thread).containsOnly(Thread.currentThread());
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"greeter-c.wasm", "greeter-rust.wasm"})
  void typedImports_perInstanceFactory_givesEachInstanceItsOwnImplementation(String sample) {
    List<TenantStore> made = new CopyOnWriteArrayList<>();
    try (PluginHost host =
        PluginHost.builder()
            .hostImportsPerInstance(
                KeyValueStore.class,
                ctx -> {
                  TenantStore s = new TenantStore(ctx.tenant());
                  made.add(s);
                  return s;
                })
            .build()) {
      Plugin plugin = host.load(SamplePlugins.bytes(sample));
      PluginInstance a = plugin.instantiate(host.tenant("alice"), InstanceOptions.defaults());
      PluginInstance b = plugin.instantiate(host.tenant("bob"), InstanceOptions.defaults());
      Greeter ga = a.exports(Greeter.class);
      Greeter gb = b.exports(Greeter.class);
      try {
        ga.store("k", "from alice");
        assertThat(gb.lookup("k")).isEmpty();
        gb.store("k", "from bob");
        assertThat(ga.lookup("k")).contains("alice:from alice");
        assertThat(gb.lookup("k")).contains("bob:from bob");
      } catch (PluginError e) {
        throw new AssertionError(e);
      }
      assertThat(made).extracting(s -> s.tenant).containsExactlyInAnyOrder("alice", "bob");
      assertThat(made).noneMatch(s -> s.closed);
      a.close();
      assertThat(made.stream().filter(s -> s.tenant.equals("alice"))).allMatch(s -> s.closed);
      assertThat(made.stream().filter(s -> s.tenant.equals("bob"))).noneMatch(s -> s.closed);
      b.close();
      assertThat(made).allMatch(s -> s.closed);
    }
  }

  @Test
  void typedImports_factoryIsCalledOncePerInstance_atItsFirstHostCall() throws PluginError {
    AtomicInteger calls = new AtomicInteger();
    try (PluginHost host =
        PluginHost.builder()
            .hostImportsPerInstance(
                KeyValueStore.class,
                ctx -> {
                  calls.incrementAndGet();
                  return new TenantStore(ctx.tenant());
                })
            .build()) {
      Plugin plugin = host.load(SamplePlugins.bytes("greeter-rust.wasm"));
      try (PluginInstance i = plugin.instantiate(host.tenant("t"), InstanceOptions.defaults())) {
        assertThat(calls).hasValue(0);
        Greeter g = i.exports(Greeter.class);
        assertThat(g.greet("Ana")).isEqualTo("Hello, Ana!"); // no host import: no implementation yet
        assertThat(calls).hasValue(0);
        for (int n = 0; n < 5; n++) {
          g.store("k" + n, "v");
        }
        assertThat(g.count(1, 10)).isEqualTo(1);
        assertThat(calls).hasValue(1);
      }
    }
  }

  @Test
  void typedImports_factoryReturningNull_failsTheCallClearly_andTheHostServesOthers() throws PluginError {
    try (PluginHost host =
        PluginHost.builder()
            .hostImportsPerInstance(
                KeyValueStore.class,
                ctx -> "bad".equals(ctx.tenant()) ? null : new TenantStore(ctx.tenant()))
            .build()) {
      Plugin plugin = host.load(SamplePlugins.bytes("greeter-c.wasm"));
      try (PluginInstance bad = plugin.instantiate(host.tenant("bad"), InstanceOptions.defaults())) {
        Greeter g = bad.exports(Greeter.class);
        assertThatThrownBy(() -> g.lookup("k"))
            .isInstanceOfSatisfying(
                HostFunctionException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CALL_HOST_FUNCTION))
            .hasMessageContaining("kv.get")
            .hasMessageContaining("per-instance factory for " + KeyValueStore.class.getName() + " returned null");
      }
      try (PluginInstance good = plugin.instantiate(host.tenant("good"), InstanceOptions.defaults())) {
        Greeter g = good.exports(Greeter.class);
        g.store("k", "v");
        assertThat(g.lookup("k")).contains("good:v");
      }
    }
  }

  @Test
  void attachment_ofAnotherType_isAClearError() {
    List<String> errors = new ArrayList<>();
    try (PluginHost host =
        PluginHost.builder()
            .hostFunction(
                "app",
                "who",
                List.of(),
                List.of(),
                (HostCallContext ctx, long[] args) -> {
                  try {
                    ctx.attachment(Long.class);
                  } catch (IllegalStateException e) {
                    errors.add(e.getMessage());
                  }
                  assertThat(ctx.attachment(String.class)).isEqualTo("text");
                  return null;
                })
            .build()) {
      try (PluginInstance i = host.load(WHO, WHO_MANIFEST).instantiate(InstanceOptions.builder().attach("text").build())) {
        i.call("run");
      }
    }
    assertThat(errors)
        .singleElement()
        .asString()
        .contains("an attachment of java.lang.String, not a java.lang.Long");
    assertThatThrownBy(() -> InstanceOptions.builder().attach(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("attachment");
  }

  /** Not annotated @HostImports. */
  interface Plain {
    void nothing();
  }

  @Test
  void hostImportsPerInstance_refusesBadArguments_namingThem_andTheBuilderStillWorks() throws PluginError {
    PluginHost.Builder builder = PluginHost.builder();
    assertThatThrownBy(() -> builder.hostImportsPerInstance(null, ctx -> null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("type");
    assertThatThrownBy(() -> builder.hostImportsPerInstance(KeyValueStore.class, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("factory of " + KeyValueStore.class.getName());
    assertThatThrownBy(() -> builder.hostImportsPerInstance(Plain.class, ctx -> () -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not an interface annotated @HostImports");
    try (PluginHost host =
        builder.hostImportsPerInstance(KeyValueStore.class, ctx -> new TenantStore(ctx.tenant())).build();
        PluginInstance i =
            host.load(SamplePlugins.bytes("greeter-c.wasm")).instantiate(host.tenant("t"), InstanceOptions.defaults())) {
      Greeter g = i.exports(Greeter.class);
      g.store("k", "v");
      assertThat(g.lookup("k")).contains("t:v");
    }
  }
}
