package dev.terrarium.abi.guest;

import dev.terrarium.abi.model.AbiType;
import dev.terrarium.abi.model.EnumModel;
import dev.terrarium.abi.model.FieldModel;
import dev.terrarium.abi.model.FunctionModel;
import dev.terrarium.abi.model.InterfaceModel;
import dev.terrarium.abi.model.ParamModel;
import dev.terrarium.abi.model.RecordModel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every type an interface uses, directly or inside records and lists, collected once for the writers: the
 * records in an order where inline dependencies come first, the enums, and the distinct list types.
 */
final class GuestTypes {
  final List<RecordModel> records;
  final List<EnumModel> enums;
  /** List types by their mangled name, elements before the lists that contain them. */
  final Map<String, AbiType.ListType> lists;

  private GuestTypes(List<RecordModel> records, List<EnumModel> enums, Map<String, AbiType.ListType> lists) {
    this.records = records;
    this.enums = enums;
    this.lists = lists;
  }

  static GuestTypes of(InterfaceModel model) {
    Collector c = new Collector();
    for (EnumModel e : model.enums()) {
      c.enums.putIfAbsent(e.qualifiedName(), e);
    }
    for (RecordModel r : model.records()) {
      c.record(r);
    }
    for (FunctionModel f : model.functions()) {
      for (ParamModel p : f.params()) {
        c.visit(p.type());
      }
      c.visit(f.result());
    }
    // inline dependencies first (the model promises this order already; this makes it certain)
    List<RecordModel> ordered = new ArrayList<>();
    Set<String> done = new HashSet<>();
    for (RecordModel r : c.records.values()) {
      topo(r, done, ordered);
    }
    return new GuestTypes(ordered, new ArrayList<>(c.enums.values()), c.lists);
  }

  private static void topo(RecordModel r, Set<String> done, List<RecordModel> out) {
    if (!done.add(r.qualifiedName())) {
      return;
    }
    for (FieldModel f : r.fields()) {
      if (f.type() instanceof AbiType.RecordType rt) {
        topo(rt.model(), done, out);
      }
    }
    out.add(r);
  }

  /** A name for a type made of identifier characters, unique per layout-relevant shape. */
  static String mangle(AbiType t) {
    if (t instanceof AbiType.Primitive p) {
      return switch (p.kind()) {
        case INT -> "i32";
        case LONG -> "i64";
        case FLOAT -> "f32";
        case DOUBLE -> "f64";
        case BOOLEAN -> "bool";
      };
    } else if (t instanceof AbiType.EnumType e) {
      return GuestNames.plain(e.model().simpleName());
    } else if (t instanceof AbiType.Str) {
      return "string";
    } else if (t instanceof AbiType.Bytes) {
      return "bytes";
    } else if (t instanceof AbiType.ListType l) {
      return "list_" + mangle(l.element());
    } else if (t instanceof AbiType.RecordType r) {
      return GuestNames.plain(r.model().simpleName());
    } else if (t instanceof AbiType.OptionalType o) {
      return o.inner() instanceof AbiType.RecordType ? "opt_" + mangle(o.inner()) : mangle(o.inner());
    }
    return "void";
  }

  /** Whether this is an optional record, passed as one pointer (0 for none). */
  static boolean isOptRecord(AbiType t) {
    return t instanceof AbiType.OptionalType o && o.inner() instanceof AbiType.RecordType;
  }

  /** Whether a value of this type crosses the ABI as a (pointer, length) pair. */
  static boolean isPair(AbiType t) {
    return t instanceof AbiType.Str
        || t instanceof AbiType.Bytes
        || t instanceof AbiType.ListType
        || (t instanceof AbiType.OptionalType && !isOptRecord(t));
  }

  /** Whether a value of this type owns guest memory (something to free). */
  static boolean owns(AbiType t) {
    if (t instanceof AbiType.RecordType r) {
      return r.model().fields().stream().anyMatch(f -> owns(f.type()));
    }
    return t instanceof AbiType.Str
        || t instanceof AbiType.Bytes
        || t instanceof AbiType.ListType
        || t instanceof AbiType.OptionalType;
  }

  private static final class Collector {
    final Map<String, RecordModel> records = new LinkedHashMap<>();
    final Map<String, EnumModel> enums = new LinkedHashMap<>();
    final Map<String, AbiType.ListType> lists = new LinkedHashMap<>();

    void record(RecordModel r) {
      if (records.containsKey(r.qualifiedName())) {
        return;
      }
      records.put(r.qualifiedName(), r);
      for (FieldModel f : r.fields()) {
        visit(f.type());
      }
    }

    void visit(AbiType t) {
      if (t instanceof AbiType.EnumType e) {
        enums.putIfAbsent(e.model().qualifiedName(), e.model());
      } else if (t instanceof AbiType.ListType l) {
        visit(l.element());
        lists.putIfAbsent(mangle(l), l);
      } else if (t instanceof AbiType.RecordType r) {
        record(r.model());
      } else if (t instanceof AbiType.OptionalType o) {
        visit(o.inner());
      }
    }
  }
}
