package dev.terrarium.host.metering;

import dev.terrarium.api.ErrorCode;
import java.util.function.IntPredicate;

/**
 * Replaces function bodies with stubs, for a module whose code already exists as compiled JVM classes.
 *
 * <p>A module loaded from the persistent cache runs its stored classes; Endive needs the parsed module only for its
 * types, imports, exports, globals, tables, memories, data and element segments, and for the bodies of the functions
 * it left to its interpreter. Parsing the code section is most of a large module's parse (yosys: 28 of 31 MB), so
 * the load parses a copy in which every other body is the empty body {@code (locals 0) end}. The copy is never
 * validated (a stub of a function with results is not valid code) and never compiled or interpreted.
 */
public final class CodeStubs {
  /** The body a stub gets: its size (2), no local declarations, {@code end}. */
  private static final byte[] STUB = {0x02, 0x00, 0x0B};

  private CodeStubs() {}

  /**
   * Returns {@code module} with the body of every defined function {@code i} (its position in the code section) for
   * which {@code keep.test(i)} is false replaced by a stub; every other byte, section and function stays as it is.
   *
   * @throws MeteringException ({@link ErrorCode#LOAD_MALFORMED}) when the module's sections or code section are not
   *     well framed
   */
  public static byte[] withoutBodies(byte[] module, IntPredicate keep) {
    if (module.length < 8) {
      throw new MeteringException(ErrorCode.LOAD_MALFORMED, "a module is at least 8 bytes, this is " + module.length);
    }
    Reader r = new Reader(module, 8, module.length);
    Out o = new Out();
    o.write(module, 0, 8);
    while (r.pos < r.end) {
      int start = r.pos;
      int id = r.u8();
      int size = r.u32();
      int content = r.pos;
      if (size < 0 || size > r.end - content) {
        throw new MeteringException(
            ErrorCode.LOAD_MALFORMED, "section " + id + " at byte offset " + start + " is longer than the module");
      }
      int end = content + size;
      if (id != 10) {
        o.write(module, start, end - start);
      } else {
        byte[] code = stubbed(new Reader(module, content, end), keep);
        o.write(10);
        o.u32(code.length);
        o.write(code, 0, code.length);
      }
      r.pos = end;
    }
    return o.toByteArray();
  }

  private static byte[] stubbed(Reader r, IntPredicate keep) {
    Out o = new Out();
    int count = r.count();
    o.u32(count);
    for (int i = 0; i < count; i++) {
      int start = r.pos;
      int size = r.u32();
      if (size < 0 || size > r.end - r.pos) {
        throw new MeteringException(
            ErrorCode.LOAD_MALFORMED, "function body " + i + " at byte offset " + start + " is longer than its section");
      }
      int end = r.pos + size;
      if (keep.test(i)) {
        o.write(r.b, start, end - start);
      } else {
        o.write(STUB, 0, STUB.length);
      }
      r.pos = end;
    }
    if (r.pos != r.end) {
      throw new MeteringException(
          ErrorCode.LOAD_MALFORMED, "the code section has bytes after its last body, at byte offset " + r.pos);
    }
    return o.toByteArray();
  }
}
