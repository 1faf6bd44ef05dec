package dev.terrarium.host.validation;

import java.util.Arrays;
import java.util.BitSet;

/**
 * The index spaces of the module being validated (types, functions, tables, memories, globals, element and data
 * segments), filled section by section and read by the function-body checker.
 */
final class ModuleContext {
  static final int MAX_PAGES = 65536;

  int[][] typeParams = new int[0][];
  int[][] typeResults = new int[0][];

  /** The type index of every function, imported ones first. */
  int[] functionTypes = new int[8];
  int functionCount;
  int importedFunctions;

  int[] tableTypes = new int[2];
  int tableCount;

  int memoryCount;

  int[] globalTypes = new int[8];
  boolean[] globalMutable = new boolean[8];
  int globalCount;
  int importedGlobals;

  int[] elementTypes = new int[0];

  /** The data count section's value, or -1 without one. */
  int dataCount = -1;

  /** Functions that may be the operand of {@code ref.func} in a body: those named outside function bodies. */
  final BitSet declaredReferences = new BitSet();

  int typeCount() {
    return typeParams.length;
  }

  void addFunction(int type) {
    if (functionCount == functionTypes.length) {
      functionTypes = Arrays.copyOf(functionTypes, functionCount * 2);
    }
    functionTypes[functionCount++] = type;
  }

  void addTable(int elementType) {
    if (tableCount == tableTypes.length) {
      tableTypes = Arrays.copyOf(tableTypes, tableCount * 2);
    }
    tableTypes[tableCount++] = elementType;
  }

  void addGlobal(int type, boolean mutable) {
    if (globalCount == globalTypes.length) {
      globalTypes = Arrays.copyOf(globalTypes, globalCount * 2);
      globalMutable = Arrays.copyOf(globalMutable, globalCount * 2);
    }
    globalTypes[globalCount] = type;
    globalMutable[globalCount++] = mutable;
  }

  int[] paramsOfFunction(int function) {
    return typeParams[functionTypes[function]];
  }

  int[] resultsOfFunction(int function) {
    return typeResults[functionTypes[function]];
  }

  static String describe(int[] types) {
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < types.length; i++) {
      s.append(i == 0 ? "" : " ").append(Types.name(types[i]));
    }
    return s.append(']').toString();
  }
}
