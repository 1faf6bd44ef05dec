package dev.terrarium.host;

import dev.terrarium.host.fs.MemoryFileSystem;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.host.quota.FuelAccount;

/**
 * A party whose plugins spend fuel from one ledger and keep files in one file system: the operator's unit of
 * quota and isolation. Obtain one with {@link PluginHost#tenant}, and instantiate plugins for it with {@link
 * Plugin#instantiate(Tenant, InstanceOptions)}. Thread-safe.
 */
public final class Tenant {
  private final FuelAccount account;
  private final long maxBytes;
  private final long maxEntries;
  private MemoryFileSystem fileSystem;
  private boolean closed;

  Tenant(FuelAccount account, long maxBytes, long maxEntries) {
    this.account = account;
    this.maxBytes = maxBytes;
    this.maxEntries = maxEntries;
  }

  /**
   * Returns the tenant's own in-memory file system, created on first use with the host's
   * {@linkplain PluginHost.Builder#tenantFileSystemQuota quota}. Mount it in the tenant's instances
   * ({@link InstanceOptions.Builder#mount}); no other tenant can reach it. Closed with the host.
   *
   * @throws IllegalStateException after the host is closed
   */
  public synchronized MemoryFileSystem fileSystem() {
    if (closed) {
      throw new IllegalStateException(this + " belongs to a closed host");
    }
    if (fileSystem == null) {
      fileSystem = MemoryFileSystem.builder().maxBytes(maxBytes).maxEntries(maxEntries).build();
    }
    return fileSystem;
  }

  synchronized void closeFileSystem() {
    closed = true;
    if (fileSystem != null) {
      fileSystem.close();
    }
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
