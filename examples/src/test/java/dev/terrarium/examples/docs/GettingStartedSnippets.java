package dev.terrarium.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.MountMode;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.api.WasmType;
import dev.terrarium.host.GuestFunction;
import dev.terrarium.host.Grants;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.SessionLimits;
import dev.terrarium.host.Tenant;
import dev.terrarium.host.fs.HostDirectory;
import dev.terrarium.samples.SamplePlugins;
import dev.terrarium.samples.abi.Entry;
import dev.terrarium.samples.abi.Greeter;
import dev.terrarium.samples.abi.KeyValueStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code of docs/getting-started.md, compiled and run. The typed interfaces of its "Typed bindings" section are
 * in {@link TypedBindingsSnippets}. Snippets that name relative paths run in a child JVM ({@link InDirectory}).
 */
class GettingStartedSnippets {
  private static final AppLog log = new AppLog();

  @Test
  void buildLoadAndCall_helloFromPluginsDirectory(@TempDir Path dir) throws Exception {
    SamplePlugins.copyTo("hello.wasm", Files.createDirectories(dir.resolve("plugins")));

    InDirectory.Outcome outcome = InDirectory.run(dir, GettingStartedSnippets.class, "hello");

    assertThat(outcome.output()).isEqualTo("guest says 3" + System.lineSeparator());
    assertThat(outcome.exitCode()).isZero();
  }

  @Test
  void files_mountsATenantHomeAndAHostDirectoryAndTracesWasiCalls(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("shared"));
    SamplePlugins.copyTo("sizer.wasm", dir);

    InDirectory.Outcome outcome = InDirectory.run(dir, GettingStartedSnippets.class, "files");

    assertThat(outcome.output()).contains("exit 2" + System.lineSeparator(), "args_sizes_get", "fd_write");
    assertThat(outcome.exitCode()).isZero();
  }

  @Test
  void typedBindings_callTheGreeterPluginFromAFile(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("greeter.wasm"), SamplePlugins.bytes("greeter-c.wasm"));

    InDirectory.Outcome outcome = InDirectory.run(dir, GettingStartedSnippets.class, "typed");

    assertThat(outcome.output()).isEqualTo("Hello, Ana!" + System.lineSeparator());
    assertThat(outcome.exitCode()).isZero();
  }

  /** Runs the snippets that load relative paths, in the working directory that {@link InDirectory} gives. */
  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "hello" -> {
        PluginHost host = buildHost();
        try (host) {
          // snippet: load
          Plugin plugin = host.load(Path.of("plugins/hello.wasm"));
          // end snippet: load
          try (PluginInstance instance = plugin.instantiate()) {
            instance.call("hello");
          }
        }
      }
      case "files" -> {
        try (PluginHost host = PluginHost.builder()
            .grants(Grants.builder().wasi(WasiCapability.ARGS, WasiCapability.STDIO, WasiCapability.FILES,
                WasiCapability.EXIT).build())
            .build()) {
          Plugin plugin = host.load(Path.of("sizer.wasm"));
          try (PluginInstance instance = files(host, plugin)) {
            System.out.println("exit " + instance.run()); // sizer without an argument: usage, exit 2
          }
          log.lines.forEach(System.out::println);
        }
      }
      case "typed" -> typed(new MapStore());
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  static PluginHost buildHost() {
    // snippet: host
    PluginHost host = PluginHost.builder()
        .grants(Grants.builder()
            .wasi(WasiCapability.STDIO, WasiCapability.EXIT)     // WASI groups plugins may import
            .build())
        .limits(PluginLimits.builder()                            // the ceiling for every plugin
            .maxMemoryPages(256)                                  // 16 MiB
            .callTimeout(Duration.ofSeconds(2))                   // per call, enforced by a watchdog
            .build())
        .hostFunction("host", "hello", List.of(WasmType.I32), List.of(),
            (ctx, args) -> { System.out.println("guest says " + args[0]); return null; })
        .build();
    // end snippet: host
    return host;
  }

  /** Compiled only: no sample plugin exports both {@code add} and {@code _start}. */
  static void run(Plugin plugin, InputStream in, OutputStream out, OutputStream err) {
    // snippet: run
    try (PluginInstance instance = plugin.instantiate(InstanceOptions.builder()
            .args("--verbose")
            .stdin(in).stdout(out).stderr(err)
            .build())) {
        long[] results = instance.call("add", 1, 2);     // numbers, encoded as WasmType describes
        GuestFunction add = instance.function("add");    // look up once, call many times
        int exitCode = instance.run();                   // or run a WASI command's _start
    }
    // end snippet: run
  }

  static PluginInstance files(PluginHost host, Plugin plugin) {
    // snippet: files
    Tenant acme = host.tenant("acme");                      // owns an in-memory file system with quotas
    PluginInstance instance = plugin.instantiate(acme, InstanceOptions.builder()
            .mount("/home", acme.fileSystem().root(), MountMode.READ_WRITE)
            .mount("/shared", HostDirectory.of(Path.of("shared"), MountMode.READ_ONLY), MountMode.READ_ONLY)
            .wasiTrace(call -> log.debug("{}", call))       // every WASI call, with its errno and duration
            .build());
    // end snippet: files
    return instance;
  }

  static void typed(KeyValueStore myStore) {
    // snippet: typed
    PluginHost host = PluginHost.builder().hostImports(KeyValueStore.class, myStore).build();
    try (PluginInstance instance = host.load(Path.of("greeter.wasm")).instantiate()) {
      Greeter greeter = instance.exports(Greeter.class);   // checks every export's signature now
      String hello = greeter.greet("Ana");
    }
    // end snippet: typed
    try (host) {
      System.out.println(host.load(Path.of("greeter.wasm")).instantiate().exports(Greeter.class).greet("Ana"));
    }
  }

  /** The application's user, attached to the instances made for it. */
  record User(String name) {}

  @Test
  void attach_hostFunctionSeesTheCallersAttachment() {
    AtomicReference<User> seen = new AtomicReference<>();
    User user = new User("ana");
    try (PluginHost host = PluginHost.builder()
        .hostFunction("host", "hello", List.of(WasmType.I32), List.of(),
            (ctx, args) -> { seen.set(ctx.attachment(User.class)); return null; })
        .build()) {
      Plugin plugin = host.load(SamplePlugins.bytes("hello.wasm"));
      Tenant tenant = host.tenant("acme");

      // snippet: attach
      PluginInstance session = plugin.instantiate(tenant, InstanceOptions.builder().attach(user).build());
      // in a host function: User user = ctx.attachment(User.class);
      // end snippet: attach

      try (session) {
        session.call("hello");
      }
    }
    assertThat(seen.get()).isSameAs(user);
  }

  /** A store per tenant: what {@code hostImportsPerInstance} makes for each instance. */
  static final class TenantStore implements KeyValueStore, AutoCloseable {
    static final Map<String, String> written = new ConcurrentHashMap<>();
    private final String tenant;

    TenantStore(String tenant) {
      this.tenant = tenant;
    }

    @Override
    public Optional<String> get(String key) {
      return Optional.ofNullable(written.get(tenant + "/" + key));
    }

    @Override
    public void put(String key, String value) {
      written.put(tenant + "/" + key, value);
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
    public void close() {}
  }

  @Test
  void hostImportsPerInstance_givesEachTenantItsOwnStore() throws Exception {
    // snippet: per-instance
    PluginHost host = PluginHost.builder()
        .hostImportsPerInstance(KeyValueStore.class, ctx -> new TenantStore(ctx.tenant()))
        .build();
    // end snippet: per-instance
    try (host) {
      Plugin plugin = host.load(SamplePlugins.bytes("greeter-c.wasm"));
      for (String tenant : List.of("acme", "globex")) {
        try (PluginInstance instance = plugin.instantiate(host.tenant(tenant), InstanceOptions.builder().build())) {
          instance.exports(Greeter.class).store("owner", tenant);
        }
      }
    }
    assertThat(TenantStore.written).containsEntry("acme/owner", "acme").containsEntry("globex/owner", "globex");
  }

  @Test
  void runSession_servesEchoShellUntilEndOfInput() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (PluginHost host = PluginHost.builder().meterFuel()
        .grants(Grants.builder().wasi(WasiCapability.STDIO, WasiCapability.ENV, WasiCapability.EXIT).build())
        .build()) {
      Plugin plugin = host.load(SamplePlugins.bytes("echo-shell.wasm"));
      PluginInstance instance = plugin.instantiate(host.tenant("acme"), InstanceOptions.builder()
          .stdin(new ByteArrayInputStream("one\ntwo\n".getBytes(StandardCharsets.UTF_8)))
          .stdout(out)
          .build());
      try (instance) {
        // snippet: session
        int exit = instance.runSession(SessionLimits.none()
            .withIdleTimeout(Duration.ofMinutes(5))   // no input for 5 min: CallCancelledException (SESSION_IDLE)
            .withDeadline(Duration.ofHours(1))        // the whole session: CallTimeoutException (CALL_TIMEOUT)
            .withMaxFuel(5_000_000_000L));            // the whole session: FuelExhaustedException, reason SESSION_CAP
        // end snippet: session
        assertThat(exit).isZero();
      }
    }
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("one\ntwo\n");
  }

  @Test
  void hostGlobalsAndTables_areRegistered() {
    // snippet: globals
    PluginHost host = PluginHost.builder()
        .hostGlobal("cfg", "version", WasmType.I32, 3)              // (import "cfg" "version" (global i32))
        .mutableHostGlobal("cfg", "counter", WasmType.I64, 0)       // (import "cfg" "counter" (global (mut i64)))
        .hostTable("cfg", "callbacks", WasmType.FUNCREF, 4, 64)     // (import "cfg" "callbacks" (table 4 funcref))
        .build();
    // end snippet: globals
    try (host) {
      assertThat(host.grants().hostModules()).contains("cfg");
    }
  }

  /** A store for the typed snippet: a map. */
  static final class MapStore implements KeyValueStore {
    private final Map<String, String> map = new ConcurrentHashMap<>();

    @Override
    public Optional<String> get(String key) {
      return Optional.ofNullable(map.get(key));
    }

    @Override
    public void put(String key, String value) {
      map.put(key, value);
    }

    @Override
    public List<Entry> scan(String prefix) {
      return List.of();
    }

    @Override
    public long add(int delta) {
      return delta;
    }
  }
}
