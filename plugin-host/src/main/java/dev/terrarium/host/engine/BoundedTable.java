package dev.terrarium.host.engine;

import run.endive.runtime.Instance;
import run.endive.runtime.TableInstance;
import run.endive.wasm.types.Table;
import run.endive.wasm.types.TableLimits;

/**
 * A table of one instance, bounded by the instance's table-element budget. Endive's own table computes {@code
 * size + delta} in {@code int}, so {@code table.grow} by 2^31-1 overflows into a negative array size instead of
 * failing; and it records growth in the module's shared {@link Table}, so that a later instance would start as
 * large. This one checks growth in {@code long} arithmetic against the table's maximum and the budget first
 * (refusing with -1, as the specification allows), and owns a private copy of its {@code Table}.
 */
final class BoundedTable extends TableInstance {
  /** The table elements one instance may still allocate, shared by all its tables. */
  static final class Budget {
    private final long limit;
    private long used;

    Budget(long limit) {
      this.limit = limit;
    }

    long limit() {
      return limit;
    }

    long used() {
      return used;
    }

    boolean fits(long more) {
      return more >= 0 && used + more <= limit;
    }
  }

  private final Budget budget;

  private BoundedTable(Table table, int initialValue, Budget budget) {
    super(table, initialValue);
    this.budget = budget;
    budget.used += table.limits().min();
  }

  /**
   * Creates a table of {@code type} (whose limits are copied) charged to {@code budget}, or returns {@code null}
   * when its initial size does not fit.
   */
  static BoundedTable create(Table type, int initialValue, Budget budget) {
    long min = type.limits().min();
    if (!budget.fits(min)) {
      return null;
    }
    Table own =
        new Table(type.elementType(), new TableLimits(min, type.limits().max()), type.initialize());
    return new BoundedTable(own, initialValue, budget);
  }

  private boolean admits(int delta) {
    return delta >= 0 && (long) size() + delta <= limits().max() && budget.fits(delta);
  }

  @Override
  public int grow(int delta, int value, Instance instance) {
    if (!admits(delta)) {
      return -1;
    }
    int old = super.grow(delta, value, instance);
    if (old >= 0) {
      budget.used += delta;
    }
    return old;
  }

  @Override
  public int growWithRef(int delta, Object refValue, Instance instance) {
    if (!admits(delta)) {
      return -1;
    }
    int old = super.growWithRef(delta, refValue, instance);
    if (old >= 0) {
      budget.used += delta;
    }
    return old;
  }
}
