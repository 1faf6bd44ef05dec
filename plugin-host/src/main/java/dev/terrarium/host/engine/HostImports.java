package dev.terrarium.host.engine;

import dev.terrarium.api.HostGlobalDefinition;
import dev.terrarium.api.HostTableDefinition;
import run.endive.runtime.GlobalInstance;
import run.endive.runtime.TableInstance;
import run.endive.wasm.types.MutabilityType;
import run.endive.wasm.types.Table;
import run.endive.wasm.types.TableLimits;
import run.endive.wasm.types.Value;

/** The engine's side of host globals and tables: a fresh one per instance. */
final class HostImports {
  private HostImports() {}

  /** A new global initialised to the host's value: no instance ever sees another's changes. */
  static GlobalInstance global(HostGlobalDefinition g) {
    long value = g.type().isReference() ? Value.REF_NULL_VALUE : g.value();
    return GlobalInstance.builder()
        .valueLow(value)
        .valType(Engine.toValType(g.type()))
        .mutabilityType(g.mutable() ? MutabilityType.Var : MutabilityType.Const)
        .build();
  }

  /** A new table of null elements, charged to the instance's budget (checked before instantiation). */
  static TableInstance table(HostTableDefinition t, BoundedTable.Budget budget) {
    long max = t.max() == null ? TableLimits.LIMIT_MAX : t.max();
    Table type = new Table(Engine.toValType(t.elementType()), new TableLimits(t.min(), max));
    BoundedTable table = BoundedTable.create(type, Value.REF_NULL_VALUE, budget);
    if (table == null) {
      throw new IllegalStateException("table elements were checked before instantiation");
    }
    return table;
  }
}
