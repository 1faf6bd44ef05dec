package dev.terrarium.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The heap an idle instance holds (issue 12: at most 150 KiB for sizer, whose memory starts at two 64 KiB pages).
 * Measured as the used heap after a full collection with 300 instances alive, minus the same without them; the
 * figure is printed and reported in docs/performance.md.
 */
class InstanceFootprintTest {
  private static final int COUNT = 300;

  private static long usedAfterGc() throws InterruptedException {
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(50);
      best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return best;
  }

  @Test
  void idleSizerInstance_holdsAtMost150KiBOfHeap() throws Exception {
    try (PluginHost host =
        Fixtures.host(ExecutionMode.COMPILER)
            .grants(
                Grants.builder()
                    .wasi(
                        dev.terrarium.api.WasiCapability.STDIO,
                        dev.terrarium.api.WasiCapability.EXIT,
                        dev.terrarium.api.WasiCapability.ARGS,
                        dev.terrarium.api.WasiCapability.ENV,
                        dev.terrarium.api.WasiCapability.FILES)
                    .build())
            .build()) {
      Plugin sizer = host.load(Fixtures.bytes("sizer.wasm"));
      sizer.instantiate().close(); // the first instance loads classes; they are not the instances' footprint
      long before = usedAfterGc();
      List<PluginInstance> idle = new ArrayList<>();
      for (int i = 0; i < COUNT; i++) {
        idle.add(sizer.instantiate());
      }
      long after = usedAfterGc();
      if (Boolean.getBoolean("terrarium.histogram")) {
        Object histogram =
            ManagementFactory.getPlatformMBeanServer()
                .invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram",
                    new Object[] {new String[0]},
                    new String[] {String[].class.getName()});
        String[] rows = histogram.toString().split("\n");
        for (int i = 0; i < Math.min(40, rows.length); i++) {
          System.out.println(rows[i]);
        }
      }
      long perInstance = (after - before) / COUNT;
      System.out.printf("idle sizer instance: %.1f KiB of heap each (%d instances)%n", perInstance / 1024.0, COUNT);
      assertThat(idle).allMatch(PluginInstance::usable);
      assertThat(perInstance).isBetween(128L * 1024, 150L * 1024); // two pages of guest memory, and little else
      idle.forEach(PluginInstance::close);
    }
  }
}
