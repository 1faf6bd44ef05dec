package dev.terrarium.examples.shell;

import dev.terrarium.api.FuelPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings of a {@link ShellServer}, from its command line ({@link #parse}) or built in code (the {@code
 * with...} methods). Every value is checked here, and a bad one is named in the message.
 *
 * @param socket the path of the Unix domain socket
 * @param maxConnections the most connections served at once (logged in or logging in); one more gets {@code
 *     error: server busy}
 * @param maxTenants the most distinct login names the server keeps; a new name beyond them is refused
 * @param idleTimeout the longest a session (or a client that has not logged in yet) may keep the server waiting
 *     for input
 * @param sessionDeadline the longest one session may last
 * @param sessionFuel the most fuel one session may use
 * @param tenantFuel the fuel each tenant gets (shared by all its sessions): a bucket of {@code tenantFuel} units
 *     that refills by as much every {@code tenantFuelPeriod}
 * @param tenantFuelPeriod see {@code tenantFuel}
 * @param maxMemoryMib the most linear memory one session's guest may have, in MiB
 * @param maxStateBytes the most bytes the shared map may hold
 * @param guestStackBytes the stack of the thread that runs a session's guest (the REPL needs 1 MiB)
 */
public record ShellOptions(
    Path socket,
    int maxConnections,
    int maxTenants,
    Duration idleTimeout,
    Duration sessionDeadline,
    long sessionFuel,
    long tenantFuel,
    Duration tenantFuelPeriod,
    int maxMemoryMib,
    long maxStateBytes,
    long guestStackBytes) {

  public static final int DEFAULT_MAX_CONNECTIONS = 64;
  public static final int DEFAULT_MAX_TENANTS = 10_000;
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
  public static final Duration DEFAULT_SESSION_DEADLINE = Duration.ofHours(1);
  public static final long DEFAULT_SESSION_FUEL = 10_000_000_000L;
  public static final long DEFAULT_TENANT_FUEL = 100_000_000_000L;
  public static final Duration DEFAULT_TENANT_FUEL_PERIOD = Duration.ofHours(1);
  public static final int DEFAULT_MAX_MEMORY_MIB = 32;
  public static final long DEFAULT_MAX_STATE_BYTES = 256L << 20;
  public static final long DEFAULT_GUEST_STACK_BYTES = 2L << 20;

  public static final String USAGE =
      String.join(
          "\n",
          "usage: shell-server SOCKET [options]",
          "  Serves one sandboxed REPL (shell-repl.wasm) per connection on the Unix domain socket SOCKET.",
          "  --max-connections N      connections served at once (default " + DEFAULT_MAX_CONNECTIONS + ")",
          "  --max-tenants N          distinct login names kept (default " + DEFAULT_MAX_TENANTS + ")",
          "  --idle-timeout D         longest wait for a client's input (default 5m)",
          "  --session-deadline D     longest session (default 1h)",
          "  --session-fuel N         fuel one session may use (default " + DEFAULT_SESSION_FUEL + ")",
          "  --tenant-fuel N[/D]      fuel per tenant, refilled every D (default " + DEFAULT_TENANT_FUEL + "/1h)",
          "  --max-memory-mib N       guest memory per session in MiB (default " + DEFAULT_MAX_MEMORY_MIB + ")",
          "  --max-state-mib N        bytes the shared map may hold, in MiB (default 256)",
          "  Durations: 500ms, 30s, 5m, 2h. Numbers may contain underscores: 10_000_000_000.");

  private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

  public ShellOptions {
    Objects.requireNonNull(socket, "socket");
    positive("--max-connections", maxConnections);
    positive("--max-tenants", maxTenants);
    positive("--idle-timeout", idleTimeout);
    positive("--session-deadline", sessionDeadline);
    positive("--session-fuel", sessionFuel);
    positive("--tenant-fuel", tenantFuel);
    positive("--tenant-fuel period", tenantFuelPeriod);
    if (maxMemoryMib < 1 || maxMemoryMib > 4096) {
      throw new IllegalArgumentException("--max-memory-mib must be 1 to 4096, was " + maxMemoryMib);
    }
    positive("--max-state-mib", maxStateBytes);
    if (guestStackBytes < (1 << 20)) {
      throw new IllegalArgumentException("the guest stack must be at least 1 MiB, was " + guestStackBytes);
    }
  }

  /** The defaults, serving {@code socket}. */
  public static ShellOptions defaults(Path socket) {
    return new ShellOptions(
        socket,
        DEFAULT_MAX_CONNECTIONS,
        DEFAULT_MAX_TENANTS,
        DEFAULT_IDLE_TIMEOUT,
        DEFAULT_SESSION_DEADLINE,
        DEFAULT_SESSION_FUEL,
        DEFAULT_TENANT_FUEL,
        DEFAULT_TENANT_FUEL_PERIOD,
        DEFAULT_MAX_MEMORY_MIB,
        DEFAULT_MAX_STATE_BYTES,
        DEFAULT_GUEST_STACK_BYTES);
  }

  /**
   * Parses {@code SOCKET [--flag value]...}.
   *
   * @throws IllegalArgumentException naming the bad or missing argument
   */
  public static ShellOptions parse(String... args) {
    if (args.length == 0 || args[0].startsWith("--")) {
      throw new IllegalArgumentException("the socket path is missing");
    }
    ShellOptions o = defaults(Path.of(args[0]));
    for (int i = 1; i < args.length; i += 2) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String v = args[i + 1];
      o =
          switch (flag) {
            case "--max-connections" -> o.withMaxConnections(intValue(flag, v));
            case "--max-tenants" -> o.withMaxTenants(intValue(flag, v));
            case "--idle-timeout" -> o.withIdleTimeout(duration(flag, v));
            case "--session-deadline" -> o.withSessionDeadline(duration(flag, v));
            case "--session-fuel" -> o.withSessionFuel(longValue(flag, v));
            case "--tenant-fuel" -> {
              int slash = v.indexOf('/');
              yield slash < 0
                  ? o.withTenantFuel(longValue(flag, v), o.tenantFuelPeriod)
                  : o.withTenantFuel(longValue(flag, v.substring(0, slash)), duration(flag, v.substring(slash + 1)));
            }
            case "--max-memory-mib" -> o.withMaxMemoryMib(intValue(flag, v));
            case "--max-state-mib" -> {
              long mib = longValue(flag, v);
              if (mib > (1L << 32)) {
                throw new IllegalArgumentException("--max-state-mib is too large: " + v);
              }
              yield o.withMaxStateBytes(mib << 20);
            }
            default -> throw new IllegalArgumentException("unknown option: " + flag);
          };
    }
    return o;
  }

  /** Parses {@code 500ms}, {@code 30s}, {@code 5m} or {@code 2h}. */
  static Duration duration(String flag, String text) {
    Matcher m = DURATION.matcher(text.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(flag + " must be a duration such as 500ms, 30s, 5m or 2h, was '" + text + "'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  private static long longValue(String flag, String text) {
    try {
      return Long.parseLong(text.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be a whole number, was '" + text + "'");
    }
  }

  private static int intValue(String flag, String text) {
    long n = longValue(flag, text);
    if (n > Integer.MAX_VALUE || n < Integer.MIN_VALUE) {
      throw new IllegalArgumentException(flag + " is too large: " + text);
    }
    return (int) n;
  }

  private static void positive(String name, long n) {
    if (n < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, was " + n);
    }
  }

  private static void positive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + d);
    }
  }

  /** The tenants' fuel policy: a bucket of {@code tenantFuel} that refills by as much every period. */
  public FuelPolicy tenantPolicy() {
    return FuelPolicy.per(tenantFuel, tenantFuelPeriod);
  }

  public ShellOptions withMaxConnections(int n) {
    return new ShellOptions(socket, n, maxTenants, idleTimeout, sessionDeadline, sessionFuel, tenantFuel,
        tenantFuelPeriod, maxMemoryMib, maxStateBytes, guestStackBytes);
  }

  public ShellOptions withMaxTenants(int n) {
    return new ShellOptions(socket, maxConnections, n, idleTimeout, sessionDeadline, sessionFuel, tenantFuel,
        tenantFuelPeriod, maxMemoryMib, maxStateBytes, guestStackBytes);
  }

  public ShellOptions withIdleTimeout(Duration d) {
    return new ShellOptions(socket, maxConnections, maxTenants, d, sessionDeadline, sessionFuel, tenantFuel,
        tenantFuelPeriod, maxMemoryMib, maxStateBytes, guestStackBytes);
  }

  public ShellOptions withSessionDeadline(Duration d) {
    return new ShellOptions(socket, maxConnections, maxTenants, idleTimeout, d, sessionFuel, tenantFuel,
        tenantFuelPeriod, maxMemoryMib, maxStateBytes, guestStackBytes);
  }

  public ShellOptions withSessionFuel(long fuel) {
    return new ShellOptions(socket, maxConnections, maxTenants, idleTimeout, sessionDeadline, fuel, tenantFuel,
        tenantFuelPeriod, maxMemoryMib, maxStateBytes, guestStackBytes);
  }

  public ShellOptions withTenantFuel(long fuel, Duration period) {
    return new ShellOptions(socket, maxConnections, maxTenants, idleTimeout, sessionDeadline, sessionFuel, fuel,
        period, maxMemoryMib, maxStateBytes, guestStackBytes);
  }

  public ShellOptions withMaxMemoryMib(int mib) {
    return new ShellOptions(socket, maxConnections, maxTenants, idleTimeout, sessionDeadline, sessionFuel,
        tenantFuel, tenantFuelPeriod, mib, maxStateBytes, guestStackBytes);
  }

  public ShellOptions withMaxStateBytes(long bytes) {
    return new ShellOptions(socket, maxConnections, maxTenants, idleTimeout, sessionDeadline, sessionFuel,
        tenantFuel, tenantFuelPeriod, maxMemoryMib, bytes, guestStackBytes);
  }
}
