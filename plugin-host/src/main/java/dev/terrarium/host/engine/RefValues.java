package dev.terrarium.host.engine;

import dev.terrarium.api.WasmType;
import java.util.List;
import run.endive.runtime.CallResult;
import run.endive.runtime.Instance;

/**
 * Reference values between the low-level API's {@code long}s and the engine: a funcref is a function index
 * checked against the instance, an externref a handle of the instance's {@link ExternRefs} on the API's side and
 * the object itself on the engine's (where the guest can hold it but never make or read one).
 */
final class RefValues {
  private RefValues() {}

  static boolean hasReferences(List<WasmType> params, List<WasmType> results) {
    return params.stream().anyMatch(WasmType::isReference) || results.stream().anyMatch(WasmType::isReference);
  }

  /** Whether {@code raw} is null or the index of a function of {@code instance}. */
  static boolean validFunction(Instance instance, long raw) {
    return raw == WasmType.NULL_REF || (raw >= 0 && raw < instance.functionCount());
  }

  /** Checks a funcref from the host, or throws {@link IllegalArgumentException} saying what is wrong. */
  static void checkFunction(Instance instance, long raw, String what) {
    if (!validFunction(instance, raw)) {
      throw new IllegalArgumentException(
          what + " " + raw + " is not a funcref of this instance: pass a function index below "
              + instance.functionCount() + " that the instance gave out, or " + WasmType.NULL_REF + " for null");
    }
  }

  /** The engine's arguments for {@code args}: object slots filled from {@code refs}, funcrefs checked. */
  static Object[] toEngine(Instance instance, ExternRefs refs, List<WasmType> types, long[] args, String what) {
    Object[] objects = null;
    for (int i = 0; i < types.size(); i++) {
      WasmType t = types.get(i);
      if (t == WasmType.EXTERNREF) {
        if (objects == null) {
          objects = new Object[args.length];
        }
        objects[i] = refs.object(args[i]);
        args[i] = objects[i] == null ? WasmType.NULL_REF : 0;
      } else if (t == WasmType.FUNCREF) {
        checkFunction(instance, args[i], what + " " + (i + 1));
      }
    }
    return objects;
  }

  /** The API's values for the engine's {@code result}: objects become handles. */
  static long[] fromEngine(ExternRefs refs, List<WasmType> types, CallResult result) {
    long[] out = new long[types.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = types.get(i) == WasmType.EXTERNREF ? refs.handle(result.refResult(i)) : result.longResult(i);
    }
    return out;
  }

  /** The API's arguments for a host function the engine calls with {@code args} and {@code objects}. */
  static long[] fromEngine(ExternRefs refs, List<WasmType> types, long[] args, Object[] objects) {
    long[] out = args == null ? new long[types.size()] : args.clone();
    for (int i = 0; i < types.size(); i++) {
      if (types.get(i) == WasmType.EXTERNREF) {
        out[i] = refs.handle(objects == null ? null : objects[i]);
      }
    }
    return out;
  }
}
