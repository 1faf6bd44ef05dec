/**
 * A {@link dev.terrarium.host.quota.FuelLedger} on Redis (Lettuce): tenants' fuel buckets shared by a cluster of
 * hosts. Only {@code dev.terrarium.ledger.redis} is API.
 */
module dev.terrarium.ledger.redis {
  requires transitive dev.terrarium.host;
  requires lettuce.core;
  requires micrometer.core;

  exports dev.terrarium.ledger.redis;
}
