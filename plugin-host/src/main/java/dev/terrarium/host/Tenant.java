package dev.terrarium.host;

import dev.terrarium.api.FuelPolicy;
import dev.terrarium.host.quota.FuelAccount;

/**
 * A party whose plugins spend fuel from one ledger: the operator's unit of quota. Obtain one with {@link
 * PluginHost#tenant}, and instantiate plugins for it with {@link Plugin#instantiate(Tenant, InstanceOptions)}
 * on a host that meters fuel. Thread-safe.
 */
public final class Tenant {
  private final FuelAccount account;

  Tenant(FuelAccount account) {
    this.account = account;
  }

  FuelAccount account() {
    return account;
  }

  public String id() {
    return account.tenantId();
  }

  public FuelPolicy policy() {
    return account.policy();
  }

  /** Returns the fuel the tenant may still draw now (its bucket's balance, refill included). */
  public long balance() {
    return account.balance();
  }

  /** Returns the fuel the tenant's calls have used, settled calls only. */
  public long used() {
    return account.used();
  }

  @Override
  public String toString() {
    return "Tenant[" + id() + "]";
  }
}
