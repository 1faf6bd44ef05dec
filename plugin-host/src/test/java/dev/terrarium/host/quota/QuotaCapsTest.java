package dev.terrarium.host.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.FuelExhaustedException;
import dev.terrarium.api.FuelExhaustedException.Reason;
import dev.terrarium.api.FuelPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class QuotaCapsTest {
  private final FakeNanoClock clock = new FakeNanoClock();
  private final InMemoryFuelLedger ledger = InMemoryFuelLedger.withNanoClock(clock);
  private final FuelPolicy bucket =
      FuelPolicy.builder().capacity(1_000_000).refill(1_000, Duration.ofSeconds(1)).build();

  @Test
  void thePerCallCapCutsTheLastSliceAndThenStopsTheCall() {
    FuelAccount account = new FuelAccount("acme", bucket.withPerCallCap(2_500L), ledger);
    FuelMeter meter = account.newInstance().startCall("p", "run", 1_000);
    meter.takeSlice();
    meter.refuel(0);
    assertThat(meter.refuel(0)).isEqualTo(500);

    FuelExhaustedException e = catchThrowableOfType(() -> meter.refuel(0), FuelExhaustedException.class);

    assertThat(e.reason()).isEqualTo(Reason.PER_CALL_CAP);
    assertThat(e.used()).isEqualTo(2_500);
    assertThat(e.limit()).isEqualTo(2_500);
    assertThat(meter.settle(0)).isEqualTo(2_500);
    assertThat(account.balance()).isEqualTo(1_000_000 - 2_500);
  }

  @Test
  void thePerCallCapResetsForEachCall() {
    FuelAccount account = new FuelAccount("acme", bucket.withPerCallCap(1_000L), ledger);
    InstanceFuel instance = account.newInstance();
    for (int i = 0; i < 3; i++) {
      FuelMeter meter = instance.startCall("p", "run", 1_000);
      assertThat(meter.takeSlice()).isEqualTo(1_000);
      meter.settle(0);
    }
    assertThat(instance.used()).isEqualTo(3_000);
  }

  @Test
  void thePerInstanceCapSpansCallsAndStopsTheInstance() {
    FuelAccount account = new FuelAccount("acme", bucket.withPerInstanceCap(1_500L), ledger);
    InstanceFuel instance = account.newInstance();
    FuelMeter first = instance.startCall("p", "run", 1_000);
    first.takeSlice();
    first.settle(0);
    assertThat(instance.remaining()).isEqualTo(500);

    FuelMeter second = instance.startCall("p", "run", 1_000);
    assertThat(second.takeSlice()).isEqualTo(500);
    FuelExhaustedException e = catchThrowableOfType(() -> second.refuel(0), FuelExhaustedException.class);

    assertThat(e.reason()).isEqualTo(Reason.PER_INSTANCE_CAP);
    assertThat(e.used()).isEqualTo(500);
    second.settle(0);
    assertThat(instance.used()).isEqualTo(1_500);

    InstanceFuel fresh = account.newInstance();
    assertThat(fresh.startCall("p", "run", 1_000).takeSlice()).isEqualTo(1_000);
  }

  @Test
  void unusedFuelReturnedAtSettleFreesThePerInstanceCap() {
    FuelAccount account = new FuelAccount("acme", bucket.withPerInstanceCap(1_000L), ledger);
    InstanceFuel instance = account.newInstance();
    FuelMeter meter = instance.startCall("p", "run", 1_000);
    meter.takeSlice();
    assertThat(instance.remaining()).isZero();

    meter.settle(600);

    assertThat(instance.remaining()).isEqualTo(600);
    assertThat(instance.committed()).isEqualTo(400);
  }

  @Test
  void theLowerPerCallCapOfHostGrantAndManifestWins() {
    FuelAccount account = new FuelAccount("acme", bucket.withPerCallCap(5_000L), ledger);

    assertThat(account.newInstance(2_000L, null).policy().perCallCap()).isEqualTo(2_000);
    assertThat(account.newInstance(9_000L, null).policy().perCallCap()).isEqualTo(5_000);
    assertThat(account.newInstance(null, null).policy().perCallCap()).isEqualTo(5_000);
  }

  @Test
  void aManifestCapAppliesWhenTheHostGrantsNone() {
    FuelAccount account = new FuelAccount("acme", bucket, ledger);

    FuelPolicy effective = account.newInstance(null, 7_000L).policy();

    assertThat(effective.perCallCap()).isNull();
    assertThat(effective.perInstanceCap()).isEqualTo(7_000);
  }

  @Test
  void aManifestPolicyNarrowsOnlyTheCapsNotTheTenantBucket() {
    FuelAccount account = new FuelAccount("acme", bucket.withPerInstanceCap(10_000L), ledger);
    FuelPolicy manifest =
        FuelPolicy.builder().capacity(5).refill(1, Duration.ofDays(1)).perCallCap(300).perInstanceCap(20_000).build();

    FuelPolicy effective = account.newInstance(manifest).policy();

    assertThat(effective.capacity()).isEqualTo(bucket.capacity());
    assertThat(effective.refillAmount()).isEqualTo(bucket.refillAmount());
    assertThat(effective.perCallCap()).isEqualTo(300);
    assertThat(effective.perInstanceCap()).isEqualTo(10_000);
  }

  @Test
  void narrowestTakesTheLowerOfEveryFieldAndToleratesNull() {
    FuelPolicy host =
        FuelPolicy.builder().capacity(1_000).refill(3_600, Duration.ofHours(1)).perCallCap(100).build();
    FuelPolicy requested =
        FuelPolicy.builder().capacity(5_000).refill(2, Duration.ofSeconds(1)).perInstanceCap(900).build();

    FuelPolicy combined = FuelPolicy.narrowest(host, requested);

    assertThat(combined.capacity()).isEqualTo(1_000);
    assertThat(combined.refillAmount()).isEqualTo(3_600); // 1 per second is slower than 2 per second
    assertThat(combined.refillPeriod()).isEqualTo(Duration.ofHours(1));
    assertThat(combined.perCallCap()).isEqualTo(100);
    assertThat(combined.perInstanceCap()).isEqualTo(900);
    assertThat(FuelPolicy.narrowest(host, null)).isEqualTo(host);
    assertThat(FuelPolicy.narrowest(null, requested)).isEqualTo(requested);
    assertThat(requested.narrowedBy(host)).isEqualTo(combined);
  }

  @Test
  void anEmptyLedgerMessageNamesTheTenantTheUseAndWhatToDo() {
    FuelPolicy small = FuelPolicy.builder().capacity(1_200).refill(100, Duration.ofSeconds(1)).build();
    FuelMeter meter = new FuelAccount("acme", small, ledger).newInstance().startCall("resize", "thumbnail", 1_000);
    meter.takeSlice();
    meter.refuel(0);

    FuelExhaustedException e = catchThrowableOfType(() -> meter.refuel(0), FuelExhaustedException.class);

    assertThat(e.code()).isEqualTo(ErrorCode.CALL_FUEL_EXHAUSTED);
    assertThat(e.reason()).isEqualTo(Reason.LEDGER);
    assertThat(e.tenantId()).isEqualTo("acme");
    assertThat(e.pluginId()).isEqualTo("resize");
    assertThat(e.function()).isEqualTo("thumbnail");
    assertThat(e.limit()).isEqualTo(1_200);
    assertThat(e.instanceUsable()).isFalse();
    assertThat(e)
        .hasMessage(
            "[Terrarium/CALL_FUEL_EXHAUSTED] plugin 'resize': call to 'thumbnail' failed: tenant 'acme' ran out of"
                + " fuel: its ledger is empty (the call used 1200 units of fuel; its bucket holds 1200 units and"
                + " refills 100 per PT1S). Retry after the bucket refills, or give the tenant a larger"
                + " FuelPolicy.");
  }

  @Test
  void aPerCallCapMessageSaysWhichCapAndWhereToRaiseIt() {
    FuelMeter meter =
        new FuelAccount("acme", bucket.withPerCallCap(10L), ledger).newInstance().startCall("p", "f", 1_000);
    meter.takeSlice();

    assertThatThrownBy(() -> meter.refuel(0))
        .isInstanceOf(FuelExhaustedException.class)
        .hasMessage(
            "[Terrarium/CALL_FUEL_EXHAUSTED] plugin 'p': call to 'f' failed: tenant 'acme' ran out of fuel: the"
                + " call reached its per-call cap of 10 units (the call used 10 units of fuel). Raise perCallCap in"
                + " both the host's grant and the plugin's manifest (the lower wins), or give the call less work.");
  }

  @Test
  void aPerInstanceCapMessageSaysToCreateANewInstance() {
    FuelMeter meter =
        new FuelAccount("acme", bucket.withPerInstanceCap(10L), ledger).newInstance().startCall("p", "f", 1_000);
    meter.takeSlice();

    assertThatThrownBy(() -> meter.refuel(-2))
        .isInstanceOf(FuelExhaustedException.class)
        .hasMessage(
            "[Terrarium/CALL_FUEL_EXHAUSTED] plugin 'p': call to 'f' failed: tenant 'acme' ran out of fuel: the"
                + " instance reached its per-instance cap of 10 units over its life (the call used 12 units of"
                + " fuel). Create a new instance, or raise perInstanceCap in both the host's grant and the plugin's"
                + " manifest (the lower wins).");
  }

  @Test
  void aMessageWithoutAPluginSaysOnlyWhatIsKnown() {
    FuelPolicy tiny = FuelPolicy.builder().capacity(1).refill(0, Duration.ofSeconds(1)).build();
    FuelMeter meter = new FuelAccount("solo", tiny, ledger).newInstance().startCall(null, null, 1);
    meter.takeSlice();

    assertThatThrownBy(() -> meter.refuel(0))
        .hasMessageStartingWith("[Terrarium/CALL_FUEL_EXHAUSTED] tenant 'solo' ran out of fuel: its ledger is empty")
        .hasMessageContaining("holds 1 units and never refills");
  }
}
