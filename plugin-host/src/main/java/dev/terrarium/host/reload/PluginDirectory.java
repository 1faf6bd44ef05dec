package dev.terrarium.host.reload;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.ManifestException;
import dev.terrarium.api.PluginException;
import dev.terrarium.api.PluginExports;
import dev.terrarium.api.PluginInstantiationException;
import dev.terrarium.api.PluginLoadException;
import dev.terrarium.api.PluginUnavailableException;
import dev.terrarium.api.PoolClosedException;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.Tenant;
import dev.terrarium.host.internal.ObjectMethods;
import dev.terrarium.host.pool.InstancePool;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A watched directory of plugins, each loaded, checked, started, and replaced by its new version while it serves:
 * hot reload with the host's sandbox.
 *
 * <pre>{@code
 * try (PluginDirectory plugins = PluginDirectory.watch(host, Path.of("/srv/plugins"))) {
 *   PluginRef adder = plugins.plugin("adder");      // always the version serving now
 *   long[] sum = adder.call("add", 40, 2);
 * }
 * }</pre>
 *
 * <p><b>What is a plugin here.</b> A regular file {@code ID.wasm} directly in the directory, with its manifest as
 * {@link PluginHost#load(Path)} finds it ({@code ID.manifest.json} beside it, else the one embedded in the module,
 * else an anonymous one). The file's name is the plugin's id: a lowercase name of letters, digits, {@code .},
 * {@code _} and {@code -} (what {@link dev.terrarium.api.PluginManifest#idFromFileName} gives), and a manifest that
 * names another id is refused. Everything else is ignored: other names, hidden files (a leading {@code .}, so that
 * a file being written as {@code .adder.wasm.tmp} is not read), subdirectories, and <em>every</em> symbolic link
 * (a linked {@code .wasm} is no plugin; a linked manifest fails its plugin). The plugins get the host's grants, as
 * any other plugin does.
 *
 * <p><b>Lifecycle.</b> See {@link PluginState}. A plugin whose files appear is loaded and checked in full (parsed,
 * validated, its manifest checked against the host's grants, compiled, and one instance created and closed), then
 * started: it gets an {@link InstancePool} for the directory's tenant, through which {@link PluginRef}s call it.
 * When its files change, the new version is checked the same way <em>before</em> it replaces the old one in one
 * atomic swap: calls that have begun finish on the old version, new calls go to the new one, and the old version's
 * pool is closed, which closes each of its instances as its call returns. A new version that fails any check is
 * refused: the old one keeps serving, and the failure is recorded ({@link PluginStatus#lastFailure()}) and
 * reported to listeners; the directory tries again when the files change again. A removed file stops its plugin
 * (calls under way finish). {@link #disable} is held in memory only, for the life of this object: a disabled
 * plugin's files are not read until {@link #enable}; to keep a plugin out across restarts, move its file away.
 *
 * <p><b>Watching.</b> One daemon thread, {@value #WATCHER_THREAD}, wakes on the file system's change notices
 * ({@link WatchService}) and also rescans the directory every poll interval, since notices are missed on some file
 * systems (network mounts, some containers). A change is acted on once the plugin's files have stayed the same
 * (size, modification time, file identity) for the quiet period, so that a file being copied is not read half
 * written; one that still is (a very slow copy) fails to load and is loaded again when it changes. Files whose
 * content is unchanged (touched, or rewritten alike) cause nothing. Deploy a new version by writing it under a
 * hidden or other name and renaming it to {@code ID.wasm} (an atomic move), the manifest first when both change.
 *
 * <p>Thread-safe. Changes (by the watcher or by {@link #start}, {@link #stop}, {@link #disable}, {@link #enable})
 * happen one at a time; calls through {@link PluginRef}s take no lock. Close the directory before its host.
 */
public final class PluginDirectory implements AutoCloseable {
  /** The default time between rescans of the directory. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(2);

  /** The default time a plugin's files must stay unchanged before the directory acts on a change. */
  public static final Duration DEFAULT_QUIET_PERIOD = Duration.ofMillis(500);

  /** The tenant the directory's pools lend instances for unless the builder names another. */
  public static final String DEFAULT_TENANT = "default";

  /** The name of the watcher thread. */
  public static final String WATCHER_THREAD = "terrarium-plugin-watcher";

  private static final System.Logger LOG = System.getLogger("dev.terrarium.host");

  /** What {@code PluginManifest.idFromFileName} returns unchanged: the file names that are plugin ids. */
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");

  private final PluginHost host;
  private final Path directory;
  private final Tenant tenant;
  private final Consumer<InstancePool.Builder> poolSettings;
  private final boolean autoStart;
  private final boolean checkInstance;
  private final long pollNanos;
  private final long quietNanos;

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<PluginStateListener> listeners = new CopyOnWriteArrayList<>();
  /** Names already warned about as ignored, so that each is logged once. */
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  /** Held while the state of any plugin changes. */
  private final Object lock = new Object();

  /** Wakes the watcher when the directory has no watch service. */
  private final Object wakeUp = new Object();

  /** Whether the last listing failed (it is logged once until one succeeds). */
  private volatile boolean listingFailed;

  private final WatchService watchService;
  private final Thread watcher;
  private volatile boolean closed;

  private PluginDirectory(Builder b, Tenant tenant) {
    this.host = b.host;
    this.directory = b.directory;
    this.tenant = tenant;
    this.poolSettings = b.poolSettings;
    this.autoStart = b.autoStart;
    this.checkInstance = b.checkInstance;
    this.pollNanos = b.pollInterval.toNanos();
    this.quietNanos = b.quietPeriod.toNanos();
    this.listeners.addAll(b.listeners);
    this.watchService = b.useWatchService ? register(directory) : null;
    try {
      initialScan();
    } catch (RuntimeException e) {
      closeWatchService();
      throw e;
    }
    this.watcher = new Thread(this::watchLoop, WATCHER_THREAD);
    watcher.setDaemon(true);
    watcher.start();
  }

  /** Watches {@code directory} with the default options; see {@link #builder}. */
  public static PluginDirectory watch(PluginHost host, Path directory) {
    return builder(host, directory).build();
  }

  /**
   * Starts a watched directory of plugins for {@code host}; {@link Builder#build()} loads what the directory holds
   * and starts watching it.
   *
   * @throws IllegalArgumentException when either is null
   */
  public static Builder builder(PluginHost host, Path directory) {
    if (host == null) {
      throw new IllegalArgumentException("host must not be null");
    }
    if (directory == null) {
      throw new IllegalArgumentException("directory must not be null");
    }
    return new Builder(host, directory);
  }

  /** Returns the watched directory. */
  public Path path() {
    return directory;
  }

  /** Returns the tenant whose instances the directory's pools lend. */
  public Tenant tenant() {
    return tenant;
  }

  /**
   * Returns a handle on the plugin {@code id} that always reaches its version serving now; the plugin need not be
   * there yet.
   *
   * @throws IllegalArgumentException when {@code id} is null or cannot be a plugin's id
   */
  public PluginRef plugin(String id) {
    return new PluginRef(this, checkId(id));
  }

  /**
   * Returns the status of plugin {@code id}, or empty when the directory has never seen it. Takes no lock: a change
   * under way (a new version being compiled) shows once it is made.
   */
  public Optional<PluginStatus> status(String id) {
    Entry e = entries.get(checkId(id));
    return e == null ? Optional.empty() : Optional.ofNullable(e.published);
  }

  /** Returns the status of every plugin the directory has seen, by id. Takes no lock. */
  public List<PluginStatus> statuses() {
    List<PluginStatus> all = new ArrayList<>();
    for (String id : new TreeSet<>(entries.keySet())) {
      PluginStatus s = entries.get(id).published;
      if (s != null) {
        all.add(s);
      }
    }
    return List.copyOf(all);
  }

  /** Adds a listener told of every later change (see {@link PluginStateListener}). */
  public void addListener(PluginStateListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Removes a listener; returns whether it was there. */
  public boolean removeListener(PluginStateListener listener) {
    return listeners.remove(listener);
  }

  /**
   * Starts plugin {@code id} with the version it has loaded ({@code LOADED}, or {@code STOPPED} with its file still
   * there); it is {@code STARTED} afterwards and new versions of its file are swapped in again. Does nothing when it
   * is started already.
   *
   * @throws IllegalArgumentException when the directory holds no such plugin
   * @throws IllegalStateException when the plugin is disabled, or has no version to start (its file is gone, or
   *     failed to load), or the directory is closed
   * @throws PluginException when its instance pool cannot be made (the plugin is {@code FAILED} then)
   */
  public void start(String id) {
    synchronized (lock) {
      checkOpen();
      Entry e = existing(id);
      if (e.state == PluginState.STARTED) {
        return;
      }
      if (e.state == PluginState.DISABLED) {
        throw new IllegalStateException("plugin '" + id + "' is disabled; enable it instead of starting it");
      }
      if (e.loaded == null) {
        throw new IllegalStateException(
            "plugin '" + id + "' has no version to start: "
                + (e.lastFailure == null
                    ? "its file " + id + ".wasm is gone from " + directory + ". Deploy it again."
                    : "its files failed to load (" + e.lastFailure.getMessage() + ")."));
      }
      e.held = false;
      startLoaded(e, e.state, e.version());
      if (e.state == PluginState.FAILED) {
        throw e.lastFailure;
      }
    }
  }

  /**
   * Stops plugin {@code id}: new calls fail with {@link PluginUnavailableException}, calls under way finish, and its
   * pool is closed. It keeps its version for {@link #start}; a new version of its file is loaded and checked but not
   * started ({@code LOADED}). Does nothing when it serves no calls already.
   *
   * @throws IllegalArgumentException when the directory holds no such plugin
   */
  public void stop(String id) {
    synchronized (lock) {
      Entry e = existing(id);
      if (e.state == PluginState.DISABLED) {
        return;
      }
      e.held = true;
      if (e.state == PluginState.STARTED || e.state == PluginState.LOADED) {
        PluginState from = e.state;
        e.retire();
        e.state = PluginState.STOPPED;
        fire(e, from, e.version(), null);
      }
    }
  }

  /**
   * Disables plugin {@code id}: stops and unloads it, and ignores its files until {@link #enable}. A plugin not yet
   * deployed may be disabled ahead. Held in memory only. Does nothing when it is disabled already.
   *
   * @throws IllegalArgumentException when {@code id} cannot be a plugin's id
   * @throws IllegalStateException when the directory is closed
   */
  public void disable(String id) {
    checkId(id);
    synchronized (lock) {
      checkOpen();
      Entry e = entries.computeIfAbsent(id, Entry::new);
      if (e.state == PluginState.DISABLED) {
        return;
      }
      PluginState from = e.state;
      String previous = e.version();
      e.retire();
      e.forget();
      e.state = PluginState.DISABLED;
      fire(e, from, previous, null);
    }
  }

  /**
   * Enables plugin {@code id} after {@link #disable}: reads its files now, on this thread, and loads and starts it as
   * if it had just been deployed ({@code STARTED}, {@code LOADED}, {@code FAILED}, or {@code STOPPED} when its file is
   * not there). Does nothing when it is not disabled.
   *
   * @throws IllegalArgumentException when {@code id} cannot be a plugin's id
   * @throws IllegalStateException when the directory is closed
   */
  public void enable(String id) {
    checkId(id);
    synchronized (lock) {
      checkOpen();
      Entry e = entries.get(id);
      if (e == null || e.state != PluginState.DISABLED) {
        return;
      }
      Snapshot now = snapshot(id);
      e.processed = now;
      e.pending = null;
      if (now.present()) {
        update(e, now);
      } else {
        removed(e);
      }
    }
  }

  /**
   * Stops watching, stops every plugin (calls under way finish; each pool closes its instances as they are
   * returned), and tells listeners. The host and plugins loaded from it directly are unaffected. Idempotent.
   */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    closeWatchService();
    synchronized (wakeUp) {
      wakeUp.notifyAll();
    }
    // Not from the watcher itself, nor from a listener holding the lock the watcher may be waiting for: the watcher
    // ends on its own once it sees the directory closed.
    if (Thread.currentThread() != watcher && !Thread.holdsLock(lock)) {
      try {
        watcher.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (lock) {
      for (String id : new TreeSet<>(entries.keySet())) {
        Entry e = entries.get(id);
        if (e.state == PluginState.STARTED || e.state == PluginState.LOADED) {
          PluginState from = e.state;
          e.retire();
          e.state = PluginState.STOPPED;
          fire(e, from, e.version(), null);
        }
      }
    }
  }

  @Override
  public String toString() {
    return "PluginDirectory[" + directory + ", tenant '" + tenant.id() + "']";
  }

  // --- calls through PluginRef -----------------------------------------------------------------------------------

  Optional<Plugin> servingPlugin(String id) {
    Entry e = entries.get(id);
    Serving s = e == null ? null : e.serving;
    return s == null ? Optional.empty() : Optional.of(s.loaded.plugin());
  }

  <R> R withInstance(String id, Function<? super PluginInstance, ? extends R> function) {
    for (; ; ) {
      Serving s = serving(id);
      InstancePool.Lease lease;
      try {
        lease = s.pool.borrow();
      } catch (PoolClosedException swapped) {
        // The version was replaced or stopped between looking it up and borrowing: look again.
        if (entries.get(id).serving == s) {
          throw swapped;
        }
        continue;
      }
      try {
        return function.apply(lease.instance());
      } finally {
        lease.close();
      }
    }
  }

  <T> T exports(String id, Class<T> type) {
    if (type == null) {
      throw new IllegalArgumentException("type must not be null: pass the @PluginExports interface");
    }
    if (!type.isInterface() || !type.isAnnotationPresent(PluginExports.class)) {
      throw new IllegalArgumentException(
          type.getName() + " is not an interface annotated @PluginExports; a plugin handle can only proxy one");
    }
    return type.cast(
        Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, new CurrentExports(id, type)));
  }

  private Serving serving(String id) {
    Entry e = entries.get(id);
    Serving s = e == null ? null : e.serving;
    if (s == null) {
      throw unavailable(id, e);
    }
    return s;
  }

  private PluginUnavailableException unavailable(String id, Entry e) {
    PluginStatus status = e == null ? null : e.published;
    if (status == null) {
      return new PluginUnavailableException(
          id, null, "the plugin directory " + directory + " holds no such plugin. Deploy " + id + ".wasm there.");
    }
    String why;
    switch (status.state()) {
      case LOADED:
        why = "it is loaded but not started. Start it (PluginDirectory.start).";
        break;
      case FAILED:
        PluginException f = status.lastFailure();
        why = "its files failed to load" + (f == null ? "" : " (" + f.getMessage() + ")")
            + ". Fix " + id + ".wasm or its manifest; the directory loads them again when they change.";
        break;
      case DISABLED:
        why = "it is disabled. Enable it (PluginDirectory.enable).";
        break;
      default:
        why = closed ? "its plugin directory " + directory + " was closed."
            : status.version() == null ? "its file " + id + ".wasm was removed from " + directory + ". Deploy it again."
            : "it was stopped. Start it (PluginDirectory.start).";
    }
    return new PluginUnavailableException(id, status.state().name(), "it serves no calls: " + why);
  }

  /** Proxies calls to the pooled proxy of the version serving at each call. */
  private final class CurrentExports implements InvocationHandler {
    private final String id;
    private final Class<?> type;

    CurrentExports(String id, Class<?> type) {
      this.id = id;
      this.type = type;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (ObjectMethods.handles(method)) {
        return ObjectMethods.invoke(proxy, method, args, type.getSimpleName() + " of plugin '" + id + "' in " + directory);
      }
      for (; ; ) {
        Serving s = serving(id);
        Object pooled = s.proxies.computeIfAbsent(type, s.pool::exports);
        try {
          return Proxy.getInvocationHandler(pooled).invoke(pooled, method, args);
        } catch (PoolClosedException swapped) {
          if (entries.get(id).serving == s) {
            throw swapped;
          }
        }
      }
    }
  }

  // --- changes ---------------------------------------------------------------------------------------------------

  /** Loads what the directory holds now, at once (no quiet period). */
  private void initialScan() {
    Map<String, Snapshot> found = scan();
    if (found == null) {
      throw new IllegalArgumentException("the plugin directory " + directory + " cannot be listed; see the log");
    }
    synchronized (lock) {
      for (String id : new TreeSet<>(found.keySet())) {
        Entry e = entries.computeIfAbsent(id, Entry::new);
        e.processed = found.get(id);
        update(e, e.processed);
      }
    }
  }

  /**
   * Rescans the directory and acts on each plugin whose files have stayed changed for the quiet period. Returns
   * how long to wait before the next rescan.
   */
  private long tick() {
    Map<String, Snapshot> found = scan();
    if (found == null) {
      return pollNanos;
    }
    long next = pollNanos;
    Set<String> ids = new TreeSet<>(found.keySet());
    ids.addAll(entries.keySet());
    for (String id : ids) {
      Snapshot seen = found.getOrDefault(id, Snapshot.ABSENT);
      synchronized (lock) {
        if (closed) {
          return next;
        }
        Entry e = entries.get(id);
        if (e == null) {
          e = new Entry(id);
          entries.put(id, e);
        }
        if (seen.equals(e.processed)) {
          e.pending = null;
          continue;
        }
        long now = System.nanoTime();
        if (!seen.equals(e.pending)) {
          e.pending = seen;
          e.pendingSince = now;
        }
        long waited = now - e.pendingSince;
        if (waited < quietNanos) {
          next = Math.min(next, quietNanos - waited);
          continue;
        }
        e.pending = null;
        e.processed = seen;
        if (e.state == PluginState.DISABLED) {
          continue;
        }
        if (seen.present()) {
          update(e, seen);
        } else if (e.state != null) {
          removed(e);
        }
      }
    }
    return next;
  }

  /** With the lock held: loads the plugin's files as they are now, unless their content is the one tried last. */
  private void update(Entry e, Snapshot seen) {
    Path wasm = directory.resolve(e.id + ".wasm");
    Loaded candidate;
    try {
      if (seen.manifest().kind() != Kind.ABSENT && seen.manifest().kind() != Kind.REGULAR) {
        throw new ManifestException(
            e.id,
            "the manifest " + PluginHost.besideManifest(wasm) + " is not a regular file (a symbolic link, a"
                + " directory, ...); a watched plugin directory reads only regular files. Put the manifest itself"
                + " there.",
            null);
      }
      String fingerprint = fingerprint(e.id, wasm);
      if (fingerprint.equals(e.attempted)) {
        return; // touched, or rewritten with the same content
      }
      e.attempted = fingerprint;
      candidate = check(e.id, wasm);
    } catch (PluginException f) {
      failed(e, f);
      return;
    }
    accept(e, candidate);
  }

  /** Loads and checks a version fully: the host's load (with its grants), the id, and one instance. */
  private Loaded check(String id, Path wasm) {
    Plugin plugin;
    try {
      plugin = host.load(wasm);
    } catch (PluginException f) {
      throw f;
    } catch (RuntimeException x) {
      throw new PluginLoadException(ErrorCode.LOAD_IO, id, "loading " + wasm + " failed: " + x + ".", x);
    }
    if (!plugin.id().equals(id)) {
      throw new ManifestException(
          id,
          "the manifest of " + wasm.getFileName() + " names the plugin '" + plugin.id() + "', but a plugin in a"
              + " watched directory is named by its file. Make the manifest's id '" + id + "', or rename the file to "
              + plugin.id() + ".wasm.",
          null);
    }
    if (checkInstance) {
      try (PluginInstance instance = plugin.instantiate(tenant, InstanceOptions.defaults())) {
        // created and closed: the module starts within its limits
      } catch (PluginException f) {
        throw f;
      } catch (RuntimeException x) {
        throw new PluginInstantiationException(
            ErrorCode.INSTANTIATE_FAILED, id, "the check instance could not be created: " + x + ".", x);
      }
    }
    return new Loaded(plugin, plugin.sha256());
  }

  /** With the lock held: takes a checked version: swaps it in when the plugin serves, else loads or starts it. */
  private void accept(Entry e, Loaded candidate) {
    PluginState from = e.state;
    String previous = e.version();
    e.lastFailure = null;
    if (from == PluginState.STARTED) {
      Serving next;
      try {
        next = serve(e.id, candidate);
      } catch (PluginException f) {
        failed(e, f);
        return;
      }
      Serving old = e.serving;
      e.loaded = candidate;
      e.serving = next; // the swap: new calls from here on borrow from the new version's pool
      old.pool.close(); // calls under way finish; each of their instances is closed as it is returned
      fire(e, from, previous, null);
      return;
    }
    e.loaded = candidate;
    if (autoStart && !e.held) {
      startLoaded(e, from, previous);
    } else {
      e.state = PluginState.LOADED;
      fire(e, from, previous, null);
    }
  }

  /** With the lock held: starts the loaded version, or records why it cannot start ({@code FAILED}). */
  private void startLoaded(Entry e, PluginState from, String previous) {
    try {
      e.serving = serve(e.id, e.loaded);
      e.state = PluginState.STARTED;
      e.lastFailure = null;
      fire(e, from, previous, null);
    } catch (PluginException f) {
      e.lastFailure = f;
      e.state = PluginState.FAILED;
      LOG.log(
          System.Logger.Level.WARNING,
          "plugin '" + e.id + "' in " + directory + " could not start: " + f.getMessage());
      fire(e, from, previous, f);
    }
  }

  /**
   * With the lock held: records a failed attempt. A plugin with a good version keeps it (and keeps serving it when
   * started); one without fails.
   */
  private void failed(Entry e, PluginException f) {
    PluginState from = e.state;
    String previous = e.version();
    e.lastFailure = f;
    if (e.loaded == null) {
      e.state = PluginState.FAILED;
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "plugin '" + e.id + "' in " + directory + ": its files were refused"
            + (e.state == PluginState.STARTED ? ", the old one keeps serving" : "") + ": " + f.getMessage());
    fire(e, from, previous, f);
  }

  /** With the lock held: the plugin's file is gone; stops it. */
  private void removed(Entry e) {
    PluginState from = e.state;
    String previous = e.version();
    e.retire();
    e.forget();
    e.state = PluginState.STOPPED;
    if (from != PluginState.STOPPED || previous != null) {
      fire(e, from, previous, null);
    } else {
      e.published = e.status(); // only the last failure was dropped
    }
  }

  private Serving serve(String id, Loaded loaded) {
    InstancePool.Builder b = InstancePool.builder(loaded.plugin(), tenant);
    try {
      poolSettings.accept(b);
      return new Serving(loaded, b.build());
    } catch (PluginException f) {
      throw f;
    } catch (RuntimeException x) {
      throw new PluginInstantiationException(
          ErrorCode.INSTANTIATE_FAILED,
          id,
          "the instance pool could not be made: " + x + ". Check the directory's pool settings.",
          x);
    }
  }

  private void fire(Entry e, PluginState from, String previous, PluginException failure) {
    e.published = e.status();
    PluginStateEvent event = new PluginStateEvent(e.id, from, e.state, e.version(), previous, failure);
    LOG.log(System.Logger.Level.DEBUG, "{0}", event);
    for (PluginStateListener l : listeners) {
      try {
        l.stateChanged(event);
      } catch (RuntimeException | LinkageError | AssertionError x) {
        LOG.log(System.Logger.Level.WARNING, "a plugin state listener failed on " + event + "; ignoring it", x);
      }
    }
  }

  // --- the directory ---------------------------------------------------------------------------------------------

  private void watchLoop() {
    long wait = pollNanos;
    while (awaitChange(wait)) {
      try {
        wait = tick();
      } catch (RuntimeException | LinkageError | AssertionError x) {
        LOG.log(System.Logger.Level.WARNING, "watching " + directory + " failed once; going on", x);
        wait = pollNanos;
      }
    }
  }

  /** Waits up to {@code nanos} for a change notice; returns false once the directory is closed. */
  private boolean awaitChange(long nanos) {
    if (closed) {
      return false;
    }
    try {
      if (watchService == null) {
        synchronized (wakeUp) {
          if (!closed) {
            TimeUnit.NANOSECONDS.timedWait(wakeUp, Math.max(1, nanos));
          }
        }
      } else {
        WatchKey key = watchService.poll(Math.max(1, nanos), TimeUnit.NANOSECONDS);
        while (key != null) {
          key.pollEvents(); // which files changed does not matter: the rescan finds them
          key.reset();
          key = watchService.poll();
        }
      }
    } catch (ClosedWatchServiceException | InterruptedException x) {
      return !closed;
    }
    return !closed;
  }

  private WatchService register(Path dir) {
    try {
      WatchService ws = dir.getFileSystem().newWatchService();
      dir.register(
          ws,
          StandardWatchEventKinds.ENTRY_CREATE,
          StandardWatchEventKinds.ENTRY_MODIFY,
          StandardWatchEventKinds.ENTRY_DELETE);
      return ws;
    } catch (IOException | UnsupportedOperationException x) {
      LOG.log(
          System.Logger.Level.INFO,
          "the file system of " + dir + " gives no change notices (" + x + "); rescanning it every poll interval");
      return null;
    }
  }

  private void closeWatchService() {
    if (watchService != null) {
      try {
        watchService.close();
      } catch (IOException x) {
        LOG.log(System.Logger.Level.DEBUG, "closing the watch service of " + directory + " failed", x);
      }
    }
  }

  /** Lists the plugins' files, or returns null when the directory cannot be listed (logged). */
  private Map<String, Snapshot> scan() {
    Map<String, Snapshot> found = new HashMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
      for (Path p : files) {
        String name = p.getFileName().toString();
        if (!name.endsWith(".wasm") || name.startsWith(".")) {
          continue;
        }
        String id = name.substring(0, name.length() - ".wasm".length());
        if (!ID.matcher(id).matches()) {
          warnOnce(name, "its name is not a plugin id (lowercase letters, digits, '.', '_', '-', starting with a"
              + " letter or digit); rename it to " + dev.terrarium.api.PluginManifest.idFromFileName(name) + ".wasm");
          continue;
        }
        Snapshot s = snapshot(id);
        if (!s.present()) {
          if (s.wasm().kind() != Kind.ABSENT) {
            warnOnce(name, "it is not a regular file (a symbolic link, a directory, ...); a watched plugin"
                + " directory loads only regular files");
          }
          continue;
        }
        found.put(id, s);
      }
    } catch (IOException | DirectoryIteratorException x) {
      if (!listingFailed) {
        listingFailed = true;
        LOG.log(
            System.Logger.Level.WARNING,
            "the plugin directory " + directory + " cannot be listed (" + x + "); its plugins keep their state"
                + " until it can");
      }
      return null;
    }
    listingFailed = false;
    return found;
  }

  private void warnOnce(String name, String why) {
    if (warned.add(name)) {
      LOG.log(System.Logger.Level.WARNING, "ignoring " + directory.resolve(name) + ": " + why);
    }
  }

  /** The state of plugin {@code id}'s files now; absent unless its module is a regular file. */
  private Snapshot snapshot(String id) {
    Path wasm = directory.resolve(id + ".wasm");
    return new Snapshot(stamp(wasm), stamp(PluginHost.besideManifest(wasm)));
  }

  private static Stamp stamp(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      Kind kind = a.isRegularFile() ? Kind.REGULAR : a.isSymbolicLink() ? Kind.LINK : Kind.OTHER;
      return new Stamp(kind, a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS), a.fileKey());
    } catch (NoSuchFileException x) {
      return Stamp.ABSENT;
    } catch (IOException x) {
      return new Stamp(Kind.OTHER, -1, -1, x.toString());
    }
  }

  /** The SHA-256 of the module's bytes and the manifest's, to tell a new version from a touched file. */
  private static String fingerprint(String id, Path wasm) {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException x) {
      throw new IllegalStateException("the JDK has no SHA-256", x);
    }
    Path manifest = PluginHost.besideManifest(wasm);
    digestFile(digest, wasm, id, true);
    digest.update((byte) 0);
    digestFile(digest, manifest, id, false);
    return HexFormat.of().formatHex(digest.digest());
  }

  private static void digestFile(MessageDigest digest, Path file, String id, boolean required) {
    byte[] buffer = new byte[65536];
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
    } catch (NoSuchFileException x) {
      if (required) {
        throw new PluginLoadException(ErrorCode.LOAD_IO, id, "the module file " + file + " does not exist.", x);
      }
      digest.update((byte) 1); // no manifest differs from an empty one
    } catch (IOException x) {
      throw new PluginLoadException(
          ErrorCode.LOAD_IO, id, "the file " + file + " could not be read: " + x + ".", x);
    }
  }

  private Entry existing(String id) {
    Entry e = entries.get(checkId(id));
    if (e == null || e.state == null) {
      throw new IllegalArgumentException(
          "the plugin directory " + directory + " holds no plugin '" + id + "'; deploy " + id + ".wasm there first");
    }
    return e;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
  }

  private static String checkId(String id) {
    if (id == null) {
      throw new IllegalArgumentException("plugin id must not be null");
    }
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "'" + id + "' cannot be the id of a plugin in a watched directory: ids are file names of lowercase letters,"
              + " digits, '.', '_' and '-', starting with a letter or digit, at most 128 characters");
    }
    return id;
  }

  // --- state -----------------------------------------------------------------------------------------------------

  private enum Kind {
    ABSENT,
    REGULAR,
    LINK,
    OTHER
  }

  /** What a file looks like without reading it. */
  private record Stamp(Kind kind, long size, long modifiedNanos, Object key) {
    static final Stamp ABSENT = new Stamp(Kind.ABSENT, -1, -1, null);
  }

  /** A plugin's files at one moment: present when its module is a regular file. */
  private record Snapshot(Stamp wasm, Stamp manifest) {
    static final Snapshot ABSENT = new Snapshot(Stamp.ABSENT, Stamp.ABSENT);

    boolean present() {
      return wasm.kind() == Kind.REGULAR;
    }
  }

  /** A checked version. */
  private record Loaded(Plugin plugin, String sha256) {}

  /** A version serving calls through its pool. */
  private static final class Serving {
    final Loaded loaded;
    final InstancePool pool;
    /** The pool's exports proxies, by interface. */
    final ConcurrentHashMap<Class<?>, Object> proxies = new ConcurrentHashMap<>();

    Serving(Loaded loaded, InstancePool pool) {
      this.loaded = loaded;
      this.pool = pool;
    }
  }

  /** One plugin id's state; fields change with the directory's lock held. */
  private static final class Entry {
    final String id;
    volatile PluginState state;
    Loaded loaded;
    /** The version calls go to; non-null exactly when STARTED. */
    volatile Serving serving;
    volatile PluginException lastFailure;
    /** The fingerprint of the content tried last, good or bad. */
    String attempted;
    /** Whether it was stopped on purpose: a new version is then loaded but not started. */
    boolean held;
    /** The status as of the last change, for readers that take no lock; null until the first. */
    volatile PluginStatus published;
    /** The files as last acted on. */
    Snapshot processed = Snapshot.ABSENT;
    /** The files as they changed to, waiting for the quiet period to pass, or null. */
    Snapshot pending;
    long pendingSince;

    Entry(String id) {
      this.id = id;
    }

    String version() {
      return loaded == null ? null : loaded.sha256();
    }

    PluginStatus status() {
      return new PluginStatus(id, state, version(), lastFailure);
    }

    /** Takes the serving version out of service: new calls fail, its pool drains. */
    void retire() {
      Serving s = serving;
      serving = null;
      if (s != null) {
        s.pool.close();
      }
    }

    /** Drops the loaded version and what was tried, so that the files are read afresh. */
    void forget() {
      loaded = null;
      attempted = null;
      lastFailure = null;
      held = false;
    }
  }

  /** Builds a {@link PluginDirectory}; each setter validates its value and names it when it is bad. */
  public static final class Builder {
    private final PluginHost host;
    private final Path directory;
    private Tenant tenant;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private Duration quietPeriod = DEFAULT_QUIET_PERIOD;
    private boolean autoStart = true;
    private boolean checkInstance = true;
    private boolean useWatchService = true;
    private Consumer<InstancePool.Builder> poolSettings = b -> {};
    private final List<PluginStateListener> listeners = new ArrayList<>();

    private Builder(PluginHost host, Path directory) {
      this.host = host;
      this.directory = directory;
    }

    /**
     * Sets the tenant whose instances the plugins' pools lend and are charged to (default: the host's tenant
     * {@value PluginDirectory#DEFAULT_TENANT}, with unlimited fuel). It must come from the directory's host.
     */
    public Builder tenant(Tenant forTenant) {
      if (forTenant == null) {
        throw new IllegalArgumentException("tenant must not be null");
      }
      this.tenant = forTenant;
      return this;
    }

    /** Sets how often the directory is rescanned, besides change notices (default 2 s). */
    public Builder pollInterval(Duration interval) {
      if (interval == null || interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("pollInterval must be positive, was " + interval);
      }
      this.pollInterval = interval;
      return this;
    }

    /**
     * Sets how long a plugin's files must stay unchanged before the directory acts on a change (default 500 ms);
     * zero acts at once.
     */
    public Builder quietPeriod(Duration period) {
      if (period == null || period.isNegative()) {
        throw new IllegalArgumentException("quietPeriod must not be negative, was " + period);
      }
      this.quietPeriod = period;
      return this;
    }

    /**
     * Sets whether plugins are started as soon as they are loaded (default true); when false they stay {@code
     * LOADED} until {@link PluginDirectory#start}, and a started plugin still gets its new versions swapped in.
     */
    public Builder autoStart(boolean start) {
      this.autoStart = start;
      return this;
    }

    /**
     * Sets whether each version is checked by creating (and closing) one instance before it is accepted (default
     * true), so that a module whose start function traps or whose memory is above the limit never replaces a good
     * version.
     */
    public Builder checkInstance(boolean check) {
      this.checkInstance = check;
      return this;
    }

    /**
     * Sets whether the file system's change notices are used (default true); without them the directory is only
     * rescanned every poll interval.
     */
    public Builder changeNotices(boolean use) {
      this.useWatchService = use;
      return this;
    }

    /**
     * Sets the settings of each version's instance pool ({@code maxSize}, {@code minIdle}, {@code borrowTimeout},
     * ...), applied to a fresh {@link InstancePool.Builder} whenever a version starts.
     */
    public Builder pool(Consumer<InstancePool.Builder> settings) {
      if (settings == null) {
        throw new IllegalArgumentException("pool settings must not be null");
      }
      this.poolSettings = settings;
      return this;
    }

    /** Adds a listener, told also of the changes {@link #build()} makes while it loads the directory. */
    public Builder listener(PluginStateListener listener) {
      if (listener == null) {
        throw new IllegalArgumentException("listener must not be null");
      }
      listeners.add(listener);
      return this;
    }

    /**
     * Loads and starts the plugins the directory holds (on this thread; a plugin that fails is recorded {@code
     * FAILED}, not thrown), then starts watching.
     *
     * @throws IllegalArgumentException when the directory does not exist, is not a directory, cannot be listed, or
     *     others may write to it (anyone could deploy a plugin), or the tenant belongs to another host
     */
    public PluginDirectory build() {
      if (!Files.isDirectory(directory)) {
        throw new IllegalArgumentException(
            "the plugin directory " + directory + " does not exist or is not a directory; create it first");
      }
      try {
        PosixFileAttributes a = Files.readAttributes(directory, PosixFileAttributes.class);
        if (a.permissions().contains(PosixFilePermission.OTHERS_WRITE)) {
          throw new IllegalArgumentException(
              "the plugin directory " + directory + " may be written by every user (" + 
                  java.nio.file.attribute.PosixFilePermissions.toString(a.permissions())
                  + "), so anyone could deploy a plugin; remove the others' write permission (chmod o-w)");
        }
      } catch (UnsupportedOperationException x) {
        // not a POSIX file system: nothing to check
      } catch (IOException x) {
        throw new IllegalArgumentException("the plugin directory " + directory + " cannot be read: " + x, x);
      }
      Tenant t = tenant == null ? host.tenant(DEFAULT_TENANT) : tenant;
      if (tenant != null && host.tenant(tenant.id(), tenant.policy()) != tenant) {
        throw new IllegalArgumentException(tenant + " belongs to another PluginHost; get it from this directory's host");
      }
      return new PluginDirectory(this, t);
    }
  }
}
