package dev.terrarium.ledger.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.FuelPolicy;
import dev.terrarium.host.quota.FuelAccount;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hosts in separate JVM processes ({@link HostChild}) sharing one tenant through one real redis-server: what they
 * spend together stays within the bucket, and a host killed with {@code kill -9} loses at most its lease.
 */
class ClusterTest {
  private static final long LEASE = 20_000_000L;
  private static final long FIB = 24;
  private static final long SLICE = FuelAccount.DEFAULT_SLICE;

  @TempDir Path temp;
  private RedisServer redis;
  private final List<Child> children = new ArrayList<>();

  @BeforeEach
  void startRedis() throws Exception {
    redis = RedisServer.start(temp.resolve("redis"));
  }

  @AfterEach
  void stop() throws Exception {
    for (Child c : children) {
      c.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    redis.close();
  }

  /** A child JVM whose output lines are collected as they come. */
  private record Child(Process process, List<String> lines, Path err) {
    boolean printed(String prefix) {
      return lines.stream().anyMatch(l -> l.startsWith(prefix));
    }

    long lastUsed() {
      for (int i = lines.size() - 1; i >= 0; i--) {
        String l = lines.get(i);
        if (l.startsWith("used ")) {
          return Long.parseLong(l.split(" ")[1]);
        }
      }
      return 0;
    }

    /** The most fuel one call used, from the differences between consecutive reports. */
    long largestCall() {
      long previous = 0;
      long largest = 0;
      for (String l : List.copyOf(lines)) {
        if (l.startsWith("used ")) {
          long used = Long.parseLong(l.split(" ")[1]);
          largest = Math.max(largest, used - previous);
          previous = used;
        }
      }
      return largest;
    }

    long total() {
      return lines.stream()
          .filter(l -> l.startsWith("total "))
          .mapToLong(l -> Long.parseLong(l.substring(6)))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no total from the child: " + this));
    }

    @Override
    public String toString() {
      String err;
      try {
        err = Files.readString(this.err);
      } catch (IOException e) {
        err = e.toString();
      }
      return "child " + lines + " stderr " + err;
    }
  }

  private Child start(String tenant, long capacity, Path go) throws IOException {
    String classpath =
        java.util.stream.Stream.of(System.getProperty("java.class.path"), System.getProperty("jdk.module.path"))
            .filter(s -> s != null && !s.isBlank())
            .collect(java.util.stream.Collectors.joining(File.pathSeparator));
    Path err = temp.resolve("child-" + children.size() + ".err");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                classpath,
                HostChild.class.getName(),
                redis.uri(),
                tenant,
                Long.toString(capacity),
                Long.toString(LEASE),
                Long.toString(FIB),
                go.toString())
            .redirectError(err.toFile())
            .start();
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  lines.add(line);
                }
              } catch (IOException ignored) {
                // the child was killed
              }
            });
    reader.setDaemon(true);
    reader.start();
    Child c = new Child(p, lines, err);
    children.add(c);
    return c;
  }

  private static void await(Child c, String prefix, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!c.printed(prefix)) {
      if (System.nanoTime() > deadline || (!c.process.isAlive() && !c.printed(prefix))) {
        Thread.sleep(200); // let the reader drain
        if (c.printed(prefix)) {
          return;
        }
        throw new AssertionError("the child did not print '" + prefix + "': " + c);
      }
      Thread.sleep(10);
    }
  }

  private static void finish(Child c) throws InterruptedException {
    assertThat(c.process.waitFor(120, TimeUnit.SECONDS)).as("the child ended: %s", c).isTrue();
    Thread.sleep(100);
    assertThat(c.process.exitValue()).as("exit of %s", c).isZero();
    assertThat(c.printed("closed")).as("%s", c).isTrue();
  }

  private long balance(String tenant, long capacity) {
    try (RedisFuelLedger ledger = RedisFuelLedger.builder(redis.uri()).build()) {
      return ledger.balance(tenant, new FuelPolicy(capacity, 0, Duration.ofSeconds(1), null, null));
    }
  }

  private long spent(String tenant) {
    try (RedisFuelLedger ledger = RedisFuelLedger.builder(redis.uri()).build()) {
      return ledger.spent(tenant);
    }
  }

  @Test
  void twoHostsInTwoProcesses_spendOneTenantsBucketTogether_neverMoreThanItHolds_andExactlyOnceClosed()
      throws Exception {
    long capacity = 400_000_000L;
    Path go = temp.resolve("go");
    Child a = start("shared", capacity, go);
    Child b = start("shared", capacity, go);
    await(a, "ready", Duration.ofSeconds(60));
    await(b, "ready", Duration.ofSeconds(60));
    Files.createFile(go);
    finish(a);
    finish(b);

    long usedA = a.total();
    long usedB = b.total();
    assertThat(usedA).as("host A ran calls").isPositive();
    assertThat(usedB).as("host B ran calls").isPositive();
    // Within the bucket, but for the overrun the SPI allows: a guest stopped at the end of its last slice may have
    // run a few instructions past it (one slice at most per concurrent call), charged as debt.
    assertThat(usedA + usedB).as("together within the bucket").isLessThanOrEqualTo(capacity + 2 * SLICE);
    // Both closed: every lease went back, and the bucket was charged exactly what the calls used.
    assertThat(balance("shared", capacity)).isEqualTo(capacity - usedA - usedB);
    assertThat(spent("shared")).isEqualTo(usedA + usedB);
    // The last call of each ran out only when the bucket was nearly empty: at most the other's lease was left.
    assertThat(capacity - usedA - usedB).isLessThan(2 * LEASE);
  }

  @Test
  void aHostKilledWithSigkill_losesAtMostItsLease_andTheOtherHostSpendsTheRest() throws Exception {
    long capacity = 400_000_000L;
    Path go = temp.resolve("go");
    Files.createFile(go);
    Child a = start("killed", capacity, go);
    await(a, "ready", Duration.ofSeconds(60));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (a.lastUsed() < 100_000_000L) {
      assertThat(System.nanoTime()).as("host A spends: %s", a).isLessThan(deadline);
      assertThat(a.process.isAlive()).as("host A runs: %s", a).isTrue();
      Thread.sleep(5);
    }
    a.process.destroyForcibly(); // SIGKILL: no close, no lease returned
    assertThat(a.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(200);
    long reportedA = a.lastUsed();
    long lost = spent("killed") - reportedA;
    // What A had not reported: its ledger lease (up to 1.25 leases with the one taken ahead), its instance's
    // slice, and the call running when it died (which may have drawn more slices than one: at most one call's fuel,
    // measured from A's own reports, which come after every call).
    assertThat(lost)
        .as("charged to the tenant beyond what A reported")
        .isBetween(1L, 2 * LEASE + SLICE + a.largestCall());

    Child b = start("killed", capacity, go);
    finish(b);
    long usedB = b.total();
    assertThat(usedB).isPositive();
    long balance = balance("killed", capacity);
    assertThat(reportedA + usedB).as("used").isLessThanOrEqualTo(capacity + SLICE);
    assertThat(capacity - (reportedA + usedB + balance)).as("lost with A").isEqualTo(lost);
  }
}
