package dev.terrarium.abi.guest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The import and export names and the custom sections (by name, in order) of a wasm binary (just enough of the
 * format for the tests).
 */
record WasmModuleInfo(List<String> imports, List<String> exports, List<Map.Entry<String, byte[]>> customSections) {

  /** The contents of every custom section with this name, in order. */
  List<byte[]> custom(String name) {
    List<byte[]> out = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : customSections) {
      if (e.getKey().equals(name)) {
        out.add(e.getValue());
      }
    }
    return out;
  }

  static WasmModuleInfo parse(byte[] b) {
    if (b.length < 8 || b[0] != 0 || b[1] != 'a' || b[2] != 's' || b[3] != 'm') {
      throw new IllegalArgumentException("not a wasm module");
    }
    List<String> imports = new ArrayList<>();
    List<String> exports = new ArrayList<>();
    List<Map.Entry<String, byte[]>> custom = new ArrayList<>();
    int[] pos = {8};
    while (pos[0] < b.length) {
      int id = b[pos[0]++] & 0xff;
      int size = u32(b, pos);
      int end = pos[0] + size;
      if (id == 0) {
        String name = name(b, pos);
        custom.add(Map.entry(name, Arrays.copyOfRange(b, pos[0], end)));
      } else if (id == 2) {
        int count = u32(b, pos);
        for (int i = 0; i < count; i++) {
          String module = name(b, pos);
          String field = name(b, pos);
          imports.add(module + "." + field);
          int kind = b[pos[0]++] & 0xff;
          switch (kind) {
            case 0 -> u32(b, pos);
            case 1 -> {
              pos[0]++;
              limits(b, pos);
            }
            case 2 -> limits(b, pos);
            case 3 -> pos[0] += 2;
            default -> throw new IllegalArgumentException("import kind " + kind);
          }
        }
      } else if (id == 7) {
        int count = u32(b, pos);
        for (int i = 0; i < count; i++) {
          exports.add(name(b, pos));
          pos[0]++;
          u32(b, pos);
        }
      }
      pos[0] = end;
    }
    return new WasmModuleInfo(imports, exports, custom);
  }

  private static void limits(byte[] b, int[] pos) {
    int flags = b[pos[0]++] & 0xff;
    u32(b, pos);
    if ((flags & 1) != 0) {
      u32(b, pos);
    }
  }

  private static int u32(byte[] b, int[] pos) {
    int result = 0;
    for (int shift = 0; ; shift += 7) {
      int x = b[pos[0]++] & 0xff;
      result |= (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        return result;
      }
    }
  }

  private static String name(byte[] b, int[] pos) {
    int n = u32(b, pos);
    String s = new String(b, pos[0], n, StandardCharsets.UTF_8);
    pos[0] += n;
    return s;
  }
}
