package dev.terrarium.host;

import dev.terrarium.api.FuelPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The second process of PersistentCacheTest: loads a module through a cache on a directory and prints what the
 * cache did and what the module computed, for the test to compare.
 *
 * <p>Arguments: {@code DIRECTORY KEY_FILE MODULE (metered|plain) [kernels]}.
 */
public final class DiskCacheChild {
  private DiskCacheChild() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Path key = Path.of(args[1]);
    byte[] module = Files.readAllBytes(Path.of(args[2]));
    boolean metered = args[3].equals("metered");
    boolean kernels = args.length > 4 && args[4].equals("kernels");
    ModuleCache cache = ModuleCache.builder().directory(dir).keyFile(key).build();
    PluginHost.Builder b = PluginHost.builder().moduleCache(cache).grants(Grants.builder().allWasi().build());
    if (metered) {
      b.meterFuel();
    }
    try (PluginHost host = b.build()) {
      long start = System.nanoTime();
      Plugin plugin = host.load(module);
      long loadMillis = (System.nanoTime() - start) / 1_000_000;
      CacheStats s = host.cacheStats();
      System.out.println(
          "stats compilations=" + s.compilations() + " diskHits=" + s.diskHits() + " diskWrites=" + s.diskWrites());
      System.out.println("artifact compiled=" + plugin.artifact().compiled() + " fuelInMachine="
          + plugin.artifact().fuelInMachine());
      System.err.println("load " + loadMillis + " ms");
      if (kernels) {
        Tenant t = host.tenant("t", FuelPolicy.unlimited());
        try (PluginInstance i = metered ? plugin.instantiate(t, InstanceOptions.defaults()) : plugin.instantiate()) {
          call(i, "fib", 20);
          call(i, "sieve", 100_000);
          call(i, "quicksort", 20_000);
        }
        System.out.println("tenant used=" + t.used());
      }
    }
  }

  private static void call(PluginInstance i, String name, long arg) {
    System.out.println("call " + name + "(" + arg + ") = " + Arrays.toString(i.call(name, arg)) + " fuel="
        + i.lastCallFuel());
  }
}
