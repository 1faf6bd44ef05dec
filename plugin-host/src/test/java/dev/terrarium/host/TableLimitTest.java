package dev.terrarium.host;

import static dev.terrarium.host.Fixtures.assertHealthy;
import static dev.terrarium.host.Fixtures.manifest;
import static dev.terrarium.host.metering.Meter.wat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.PluginInstantiationException;
import dev.terrarium.api.PluginLimits;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code table.grow} and table sizes against the spec and the host's table-element limit. */
class TableLimitTest {
  @TempDir Path dir;

  private static final String GROWER =
      """
      (module
        (table $t 1 funcref)
        (table $u 0 externref)
        (func $f (result i32) (i32.const 7))
        (elem (table $t) (i32.const 0) func $f)
        (func (export "grow") (param i32) (result i32)
          (table.grow $t (ref.null func) (local.get 0)))
        (func (export "growExtern") (param i32) (result i32)
          (table.grow $u (ref.null extern) (local.get 0)))
        (func (export "size") (result i32) (table.size $t))
        (func (export "first") (result i32) (call_indirect $t (result i32) (i32.const 0))))
      """;

  private PluginHost host(ExecutionMode mode, PluginLimits limits) {
    return PluginHost.builder().executionMode(mode).limits(limits).build();
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void tableGrow_byMaxSignedIntReturnsMinusOneAndTheInstanceKeepsWorking(ExecutionMode mode) {
    try (PluginHost host = host(mode, PluginHost.DEFAULT_LIMITS);
        PluginInstance i = host.load(wat(dir, GROWER), manifest("grower")).instantiate()) {
      assertThat(i.call("grow", 0x7fffffff)).containsExactly(-1);
      assertThat(i.call("grow", -1)).containsExactly(-1); // 0xffffffff unsigned
      assertThat(i.call("growExtern", 0x7fffffff)).containsExactly(-1);
      assertThat(i.usable()).isTrue();
      assertThat(i.call("size")).containsExactly(1);
      assertThat(i.call("first")).containsExactly(7);
      assertThat(i.call("grow", 3)).containsExactly(1);
      assertThat(i.call("size")).containsExactly(4);
      assertHealthy(host);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void tableGrow_upToTheLimitWorksAndOneMoreReturnsMinusOne(ExecutionMode mode) {
    try (PluginHost host = host(mode, PluginLimits.builder().maxTableElements(1000).build());
        PluginInstance i = host.load(wat(dir, GROWER), manifest("grower")).instantiate()) {
      // The limit counts every table of the instance together: 1 element in $t already.
      assertThat(i.call("growExtern", 499)).containsExactly(0);
      assertThat(i.call("grow", 500)).containsExactly(1);
      assertThat(i.call("grow", 1)).containsExactly(-1);
      assertThat(i.call("growExtern", 1)).containsExactly(-1);
      assertThat(i.call("size")).containsExactly(501);
      assertThat(i.call("grow", 0)).containsExactly(501);
      assertThat(i.call("first")).containsExactly(7);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void tableGrow_inOneInstanceDoesNotEnlargeTheNextInstancesTable(ExecutionMode mode) {
    try (PluginHost host = host(mode, PluginHost.DEFAULT_LIMITS)) {
      Plugin plugin = host.load(wat(dir, GROWER), manifest("grower"));
      try (PluginInstance first = plugin.instantiate()) {
        assertThat(first.call("grow", 1000)).containsExactly(1);
      }
      try (PluginInstance second = plugin.instantiate()) {
        assertThat(second.call("size")).containsExactly(1);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void instantiate_refusesTablesWhoseInitialSizeExceedsTheLimit(ExecutionMode mode) {
    byte[] big = wat(dir, "(module (table 2000 funcref) (table 2000 externref))");
    try (PluginHost host = host(mode, PluginHost.DEFAULT_LIMITS)) {
      Plugin plugin =
          host.load(big, manifest("big-table").withLimits(PluginLimits.builder().maxTableElements(3999).build()));
      assertThat(plugin.limits().maxTableElements()).isEqualTo(3999);
      assertThatThrownBy(plugin::instantiate)
          .isInstanceOfSatisfying(
              PluginInstantiationException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.INSTANTIATE_TABLE_LIMIT))
          .hasMessageContaining("the module's tables need 4000 elements to start, more than its limit of 3999")
          .hasMessageContaining("Raise maxTableElements");
      try (PluginInstance ok = host.load(big, manifest("big-table")).instantiate()) {
        assertThat(ok.usable()).isTrue();
      }
      assertHealthy(host);
    }
  }

  @org.junit.jupiter.api.Test
  void manifest_narrowsTheTableLimitAndReadsItFromJson() {
    PluginLimits host = PluginLimits.builder().maxTableElements(5000).build();
    var manifest =
        Manifests.parse(
            "{\"id\":\"t\",\"version\":\"1.0.0\",\"limits\":{\"maxTableElements\":100}}", "test");
    assertThat(host.narrowedBy(manifest.limits()).maxTableElements()).isEqualTo(100);
    assertThat(PluginLimits.none().narrowedBy(manifest.limits()).maxTableElements()).isEqualTo(100);
    assertThat(Manifests.parse(Manifests.toJson(manifest), "again")).isEqualTo(manifest);
    assertThatThrownBy(() -> PluginLimits.builder().maxTableElements(-1).build())
        .hasMessage("maxTableElements must not be negative, was -1");
  }
}
