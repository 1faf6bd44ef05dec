/**
 * A {@link dev.terrarium.host.quota.FuelLedger} on Redis (Lettuce): tenants' fuel buckets shared by a cluster of
 * hosts. Only {@code dev.terrarium.ledger.redis} is API.
 *
 * <p>Lettuce is an automatic module ({@code lettuce.core}) and cannot declare what it needs (Netty, Reactor): on
 * the module path, resolve them too, e.g. {@code --add-modules ALL-MODULE-PATH}. On the class path nothing is
 * needed.
 */
@SuppressWarnings("requires-transitive-automatic") // micrometer.core: bindTo(MeterRegistry) is API
module dev.terrarium.ledger.redis {
  requires transitive dev.terrarium.host;
  requires lettuce.core;
  requires transitive micrometer.core;

  exports dev.terrarium.ledger.redis;
}
