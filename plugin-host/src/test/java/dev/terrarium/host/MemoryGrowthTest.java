package dev.terrarium.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.GuestTrapException;
import dev.terrarium.api.MemoryLimitException;
import dev.terrarium.api.PluginLimits;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A memory grown far past its first capacity keeps every byte, its passive data segments and their drops, and
 * its real bound (the engine's page table starts small and is replaced as the memory grows).
 */
class MemoryGrowthTest {
  private static final byte[] GROWER =
      Wat.compile(
          """
          (module
            (memory (export "memory") 1)
            (data $passive "terrarium")
            (data (i32.const 16) "active")
            ;; grows one page at a time to n pages, stamping each new page with its number
            (func (export "grow") (param $n i32) (result i32)
              (local $p i32)
              (block $done
                (loop $more
                  (br_if $done (i32.ge_u (memory.size) (local.get $n)))
                  (local.set $p (memory.grow (i32.const 1)))
                  (br_if $done (i32.lt_s (local.get $p) (i32.const 0)))
                  (i32.store (i32.mul (local.get $p) (i32.const 65536)) (i32.add (local.get $p) (i32.const 1000)))
                  (br $more)))
              (memory.size))
            ;; the sum of every page's stamp (page 0 holds the active segment instead)
            (func (export "stamps") (result i32)
              (local $p i32) (local $sum i32)
              (local.set $p (i32.const 1))
              (block $done
                (loop $more
                  (br_if $done (i32.ge_u (local.get $p) (memory.size)))
                  (local.set $sum (i32.add (local.get $sum) (i32.load (i32.mul (local.get $p) (i32.const 65536)))))
                  (local.set $p (i32.add (local.get $p) (i32.const 1)))
                  (br $more)))
              (local.get $sum))
            (func (export "active") (result i64) (i64.load (i32.const 16)))
            (func (export "init") (param $dest i32)
              (memory.init $passive (local.get $dest) (i32.const 0) (i32.const 9)))
            (func (export "drop") (data.drop $passive))
            (func (export "load") (param $at i32) (result i64) (i64.load (local.get $at))))
          """);

  private static long stamps(int pages) {
    long sum = 0;
    for (int p = 1; p < pages; p++) {
      sum += p + 1000;
    }
    return sum;
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void growingPastTheFirstCapacity_keepsEveryByteAndTheSegments(ExecutionMode mode) {
    try (PluginHost host = Fixtures.host(mode).build()) {
      Plugin p = host.load(GROWER, Fixtures.manifest("grower"));
      try (PluginInstance i = p.instantiate()) {
        long active = i.call("active")[0];
        i.call("init", 0);
        assertThat(i.call("grow", 10)).containsExactly(10);
        assertThat(i.call("grow", 300)).containsExactly(300);
        assertThat(i.memoryPages()).isEqualTo(300);
        assertThat(i.call("stamps")).containsExactly(stamps(300));
        assertThat(i.call("active")).containsExactly(active);
        assertThat(i.call("load", 0)[0] & 0xFFFFFFFFFFL).isEqualTo(0x6172726574L); // "terra", little-endian
        // the passive segment is still there after the moves, and its drop still holds after more
        i.call("init", 299 * 65536 + 100);
        i.call("drop");
        assertThat(i.call("grow", 700)).containsExactly(700);
        assertThat(i.call("stamps")).containsExactly(stamps(700));
        assertThatThrownBy(() -> i.call("init", 64)).isInstanceOf(GuestTrapException.class);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void growth_stopsAtTheRealLimit_notAtACapacity(ExecutionMode mode) {
    try (PluginHost host =
        Fixtures.host(mode).limits(PluginLimits.builder().maxMemoryPages(40).build()).build()) {
      Plugin p = host.load(GROWER, Fixtures.manifest("grower"));
      try (PluginInstance i = p.instantiate()) {
        assertThat(i.call("grow", 1000)).containsExactly(40);
        assertThat(i.call("stamps")).containsExactly(stamps(40));
      }
      Plugin bomb = host.load(Fixtures.fixture("memory-bomb"), Fixtures.manifest("bomb"));
      try (PluginInstance i = bomb.instantiate()) {
        assertThatThrownBy(() -> i.call("bomb")).isInstanceOf(MemoryLimitException.class);
        assertThat(i.memoryPages()).isEqualTo(33); // 1 + 2 × 16: the third grow would pass the limit of 40
      }
    }
  }
}
