package dev.terrarium.host.validation;

import static dev.terrarium.host.validation.Types.FUNCREF;
import static dev.terrarium.host.validation.Types.I32;
import static dev.terrarium.host.validation.Types.I64;
import static dev.terrarium.host.validation.Types.F32;
import static dev.terrarium.host.validation.Types.F64;
import static dev.terrarium.host.validation.Types.UNKNOWN;

import java.util.Arrays;

/**
 * Type-checks function bodies with the specification's algorithm: an operand stack of value types and a stack of
 * control frames, each remembering its block type, the operand height at its start and whether the rest of it is
 * unreachable (where the stack is polymorphic). One instance checks every body of a module, reusing its arrays,
 * so checking allocates nothing per instruction.
 */
final class FunctionValidator {
  /** Locals (parameters included) a function may declare; more would only exhaust the host. */
  static final int MAX_LOCALS = 50_000;

  private static final int EMPTY = -1;
  /** Block types with a type index are stored as the index plus this. */
  private static final int INDEXED = 0x100;

  private static final int FUNCTION = 0;
  private static final int BLOCK = 0x02;
  private static final int LOOP = 0x03;
  private static final int IF = 0x04;
  private static final int ELSE = 0x05;

  private final ModuleContext m;
  private final WasmReader r;

  private int[] values = new int[64];
  private int sp;

  private int[] frameKind = new int[16];
  private int[] frameType = new int[16];
  private int[] frameHeight = new int[16];
  private boolean[] frameUnreachable = new boolean[16];
  private int depth;

  private int[] locals = new int[16];
  private int localCount;

  private int function;
  private int op;
  private int sub;
  private int instructionAt;
  private int heightAtInstruction;

  FunctionValidator(ModuleContext m, WasmReader r) {
    this.m = m;
    this.r = r;
  }

  /** Checks the body of {@code functionIndex}, which the reader is positioned at and which ends at {@code end}. */
  void validate(int functionIndex, int end) {
    function = functionIndex;
    r.inFunction(functionIndex);
    readLocals();
    sp = 0;
    depth = 0;
    pushFrame(FUNCTION, m.functionTypes[functionIndex] + INDEXED);
    while (depth > 0) {
      instruction();
    }
    if (r.pos() != end) {
      throw r.malformed(r.pos(), "the function body continues after its final end (section size mismatch)");
    }
    r.inFunction(-1);
  }

  private void readLocals() {
    int[] params = m.paramsOfFunction(function);
    int groups = r.count("local declaration");
    int start = r.pos();
    long total = params.length;
    for (int g = 0; g < groups; g++) {
      int at = r.pos();
      total += Integer.toUnsignedLong(r.u32());
      Types.valueType(r);
      if (total > 0xFFFF_FFFFL) {
        throw r.malformed(at, "too many locals: more than 2^32 - 1 in one function");
      }
    }
    if (total > MAX_LOCALS) {
      throw r.unsupported(
          start, "the function declares " + total + " locals; this host allows at most " + MAX_LOCALS + " per function");
    }
    r.seek(start);
    localCount = (int) total;
    if (locals.length < localCount) {
      locals = new int[Math.max(localCount, locals.length * 2)];
    }
    System.arraycopy(params, 0, locals, 0, params.length);
    int next = params.length;
    for (int g = 0; g < groups; g++) {
      int n = r.u32();
      int t = Types.valueType(r);
      Arrays.fill(locals, next, next + n, t);
      next += n;
    }
  }

  private void instruction() {
    instructionAt = r.pos();
    if (r.atLimit()) {
      throw r.malformed(instructionAt, "END opcode expected: the function body ends inside " + (depth - 1) + " unclosed blocks");
    }
    op = r.u8();
    sub = -1;
    heightAtInstruction = sp;
    switch (op) {
      case 0x00 -> unreachable();
      case 0x01 -> {}
      case BLOCK, LOOP -> {
        int type = blockType();
        popParams(type);
        pushFrame(op, type);
        pushParams(type);
      }
      case IF -> {
        int type = blockType();
        pop(I32);
        popParams(type);
        pushFrame(IF, type);
        pushParams(type);
      }
      case ELSE -> {
        int top = depth - 1;
        if (frameKind[top] != IF) {
          throw r.malformed(instructionAt, "else without a matching if");
        }
        checkFrameEnd(top);
        frameKind[top] = ELSE;
        frameUnreachable[top] = false;
        pushParams(frameType[top]);
      }
      case 0x0B -> end();
      case 0x0C -> {
        int frame = label();
        popLabel(frame);
        unreachable();
      }
      case 0x0D -> {
        int frame = label();
        pop(I32);
        popLabel(frame);
        pushLabel(frame);
      }
      case 0x0E -> brTable();
      case 0x0F -> {
        popResults(m.resultsOfFunction(function));
        unreachable();
      }
      case 0x10 -> call(functionType(), false);
      case 0x11 -> call(indirectType(), false);
      case 0x12 -> call(functionType(), true);
      case 0x13 -> call(indirectType(), true);
      case 0x1A -> pop(UNKNOWN);
      case 0x1B -> select();
      case 0x1C -> {
        int at = r.pos();
        int n = r.u32();
        if (n != 1) {
          throw r.invalid(at, "invalid result arity: select takes exactly one type, not " + Integer.toUnsignedString(n));
        }
        int t = Types.valueType(r);
        pop(I32);
        pop(t);
        pop(t);
        push(t);
      }
      case 0x20 -> push(locals[local()]);
      case 0x21 -> pop(locals[local()]);
      case 0x22 -> {
        int t = locals[local()];
        pop(t);
        push(t);
      }
      case 0x23 -> push(m.globalTypes[global()]);
      case 0x24 -> {
        int at = r.pos();
        int g = global();
        if (!m.globalMutable[g]) {
          throw r.invalid(at, "global is immutable: global.set cannot write global " + g);
        }
        pop(m.globalTypes[g]);
      }
      case 0x25 -> {
        int t = m.tableTypes[table()];
        pop(I32);
        push(t);
      }
      case 0x26 -> {
        int t = m.tableTypes[table()];
        pop(t);
        pop(I32);
      }
      case 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35 -> {
        memarg();
        pop(I32);
        push(Opcodes.memory(op) & 0xff);
      }
      case 0x36, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E -> {
        memarg();
        pop(Opcodes.memory(op) & 0xff);
        pop(I32);
      }
      case 0x3F -> {
        memory();
        push(I32);
      }
      case 0x40 -> {
        memory();
        pop(I32);
        push(I32);
      }
      case 0x41 -> {
        r.signed(32);
        push(I32);
      }
      case 0x42 -> {
        r.signed(64);
        push(I64);
      }
      case 0x43 -> {
        r.skip(4);
        push(F32);
      }
      case 0x44 -> {
        r.skip(8);
        push(F64);
      }
      case 0xD0 -> push(heapType());
      case 0xD1 -> {
        int t = pop(UNKNOWN);
        if (t != UNKNOWN && !Types.isReference(t)) {
          throw mismatch("a reference");
        }
        push(I32);
      }
      case 0xD2 -> {
        int at = r.pos();
        int f = functionIndex();
        if (!m.declaredReferences.get(f)) {
          throw r.invalid(
              at,
              "undeclared function reference: ref.func " + f + " needs function " + f + " to be named in an element"
                  + " segment, an export or a global's initializer");
        }
        push(FUNCREF);
      }
      case 0xFC -> prefixed();
      case 0xFD -> throw r.unsupported(instructionAt, Types.SIMD);
      case 0xFE -> throw r.unsupported(
          instructionAt, "the module uses threads (atomic instruction prefix 0xFE), which this host does not support");
      case 0xFB -> throw r.unsupported(
          instructionAt, "the module uses GC instructions (prefix 0xFB), which this host does not support");
      case 0x06, 0x07, 0x08, 0x09, 0x0A, 0x18, 0x19, 0x1F -> throw r.unsupported(
          instructionAt,
          String.format(
              "the module uses exception handling (%s), which this host does not support", Opcodes.name(op, -1)));
      case 0x14, 0x15, 0xD3, 0xD4, 0xD5, 0xD6 -> throw r.unsupported(
          instructionAt,
          "the module uses " + Opcodes.name(op, -1)
              + " (typed function references or GC), which this host does not support");
      default -> {
        int signature = Opcodes.numeric(op);
        if (signature == 0) {
          throw r.malformed(instructionAt, String.format("illegal opcode 0x%02X", op));
        }
        unaryOrBinary(signature);
      }
    }
  }

  private void unaryOrBinary(int signature) {
    int second = signature >> 8 & 0xff;
    if (second != 0) {
      pop(second);
    }
    pop(signature & 0xff);
    push(signature >> 16);
  }

  private void prefixed() {
    int at = r.pos();
    sub = r.u32();
    switch (sub) {
      case 0, 1, 2, 3, 4, 5, 6, 7 -> unaryOrBinary(Opcodes.saturating(sub));
      case 8 -> {
        int segmentAt = r.pos();
        int segment = r.u32();
        memory();
        dataSegment(segmentAt, segment);
        pop(I32);
        pop(I32);
        pop(I32);
      }
      case 9 -> {
        int segmentAt = r.pos();
        dataSegment(segmentAt, r.u32());
      }
      case 10 -> {
        memory();
        memory();
        pop(I32);
        pop(I32);
        pop(I32);
      }
      case 11 -> {
        memory();
        pop(I32);
        pop(I32);
        pop(I32);
      }
      case 12 -> {
        int segmentAt = r.pos();
        int segment = elementSegment();
        int t = table();
        if (m.elementTypes[segment] != m.tableTypes[t]) {
          throw r.invalid(
              segmentAt,
              "type mismatch: table.init copies " + Types.name(m.elementTypes[segment]) + " elements into table "
                  + t + " of " + Types.name(m.tableTypes[t]));
        }
        pop(I32);
        pop(I32);
        pop(I32);
      }
      case 13 -> elementSegment();
      case 14 -> {
        int dstAt = r.pos();
        int dst = table();
        int src = table();
        if (m.tableTypes[dst] != m.tableTypes[src]) {
          throw r.invalid(
              dstAt,
              "type mismatch: table.copy from table " + src + " of " + Types.name(m.tableTypes[src]) + " to table "
                  + dst + " of " + Types.name(m.tableTypes[dst]));
        }
        pop(I32);
        pop(I32);
        pop(I32);
      }
      case 15 -> {
        int t = m.tableTypes[table()];
        pop(I32);
        pop(t);
        push(I32);
      }
      case 16 -> {
        table();
        push(I32);
      }
      case 17 -> {
        int t = m.tableTypes[table()];
        pop(I32);
        pop(t);
        pop(I32);
      }
      default -> throw r.malformed(at, "illegal opcode 0xFC " + Integer.toUnsignedString(sub));
    }
  }

  private void dataSegment(int at, int segment) {
    if (m.dataCount < 0) {
      throw r.malformed(at, "data count section required: " + Opcodes.name(op, sub) + " needs a data count section");
    }
    if (segment < 0 || segment >= m.dataCount) {
      throw r.invalid(at, "unknown data segment " + Integer.toUnsignedString(segment) + " (the module has " + m.dataCount + ")");
    }
  }

  private int elementSegment() {
    int at = r.pos();
    int e = r.u32();
    if (e < 0 || e >= m.elementTypes.length) {
      throw r.invalid(
          at, "unknown elem segment " + Integer.toUnsignedString(e) + " (the module has " + m.elementTypes.length + ")");
    }
    return e;
  }

  private void select() {
    pop(I32);
    int t1 = pop(UNKNOWN);
    int t2 = pop(UNKNOWN);
    if ((t1 != UNKNOWN && !Types.isNumeric(t1)) || (t2 != UNKNOWN && !Types.isNumeric(t2))) {
      throw r.invalid(
          instructionAt,
          "type mismatch: select without a type annotation needs numbers; write select (result "
              + Types.name(t1 != UNKNOWN && !Types.isNumeric(t1) ? t1 : t2) + ") for references");
    }
    if (t1 != t2 && t1 != UNKNOWN && t2 != UNKNOWN) {
      throw r.invalid(
          instructionAt,
          "type mismatch: select expects two operands of one type but the stack has " + stackText());
    }
    push(t1 == UNKNOWN ? t2 : t1);
  }

  private void call(int type, boolean tail) {
    int[] params = m.typeParams[type];
    int[] results = m.typeResults[type];
    for (int i = params.length - 1; i >= 0; i--) {
      pop(params[i]);
    }
    if (tail) {
      int[] own = m.resultsOfFunction(function);
      if (!Arrays.equals(own, results)) {
        throw r.invalid(
            instructionAt,
            "type mismatch: " + Opcodes.name(op, -1) + " calls a function returning "
                + ModuleContext.describe(results) + " from a function returning " + ModuleContext.describe(own));
      }
      unreachable();
    } else {
      for (int t : results) {
        push(t);
      }
    }
  }

  private int functionType() {
    return m.functionTypes[functionIndex()];
  }

  private int functionIndex() {
    int at = r.pos();
    int f = r.u32();
    if (f < 0 || f >= m.functionCount) {
      throw r.invalid(at, "unknown function " + Integer.toUnsignedString(f) + " (the module has " + m.functionCount + ")");
    }
    return f;
  }

  private int indirectType() {
    int at = r.pos();
    int type = r.u32();
    if (type < 0 || type >= m.typeCount()) {
      throw r.invalid(at, "unknown type " + Integer.toUnsignedString(type) + " (the module has " + m.typeCount() + ")");
    }
    int tableAt = r.pos();
    int t = table();
    if (m.tableTypes[t] != FUNCREF) {
      throw r.invalid(tableAt, "type mismatch: " + Opcodes.name(op, -1) + " needs a funcref table, table " + t + " holds "
          + Types.name(m.tableTypes[t]));
    }
    pop(I32);
    return type;
  }

  private int local() {
    int at = r.pos();
    int x = r.u32();
    if (x < 0 || x >= localCount) {
      throw r.invalid(at, "unknown local " + Integer.toUnsignedString(x) + " (the function has " + localCount + ")");
    }
    return x;
  }

  private int global() {
    int at = r.pos();
    int g = r.u32();
    if (g < 0 || g >= m.globalCount) {
      throw r.invalid(at, "unknown global " + Integer.toUnsignedString(g) + " (the module has " + m.globalCount + ")");
    }
    return g;
  }

  private int table() {
    int at = r.pos();
    int t = r.u32();
    if (t < 0 || t >= m.tableCount) {
      throw r.invalid(at, "unknown table " + Integer.toUnsignedString(t) + " (the module has " + m.tableCount + ")");
    }
    return t;
  }

  private void memory() {
    int at = r.pos();
    int index = r.u32();
    checkMemory(at, index);
  }

  private void checkMemory(int at, int index) {
    if (index < 0 || index >= m.memoryCount) {
      throw r.invalid(
          at,
          "unknown memory " + Integer.toUnsignedString(index) + ": " + Opcodes.name(op, sub) + " needs a memory (the"
              + " module has " + m.memoryCount + ")");
    }
  }

  private void memarg() {
    int at = r.pos();
    int align = r.u32();
    if (Integer.compareUnsigned(align, 0x80) >= 0) {
      throw r.malformed(at, "malformed memop flags " + Integer.toUnsignedString(align));
    }
    int memory = 0;
    if ((align & 0x40) != 0) {
      memory = r.u32();
      align &= ~0x40;
    }
    r.u32(); // offset
    checkMemory(at, memory);
    int natural = Opcodes.memory(op) >> 8;
    if (Integer.compareUnsigned(align, natural) > 0) {
      throw r.invalid(
          at,
          "alignment must not be larger than natural: " + Opcodes.name(op, -1) + " accesses " + (1 << natural)
              + " bytes but declares alignment 2^" + Integer.toUnsignedString(align));
    }
  }

  private int heapType() {
    int at = r.pos();
    int t = r.u8();
    if (t == FUNCREF || t == Types.EXTERNREF) {
      return t;
    }
    throw Types.refused(r, at, t, "heap type");
  }

  private int blockType() {
    int at = r.pos();
    int b = r.peek();
    if (b == 0x40) {
      r.u8();
      return EMPTY;
    }
    if ((b & 0xC0) == 0x40) { // a one-byte negative number: a value type
      return Types.valueType(r);
    }
    long index = r.signed(33);
    if (index < 0) {
      throw r.malformed(at, "malformed block type");
    }
    if (index >= m.typeCount()) {
      throw r.invalid(at, "unknown type " + index + " in a block type (the module has " + m.typeCount() + ")");
    }
    return (int) index + INDEXED;
  }

  private int label() {
    int at = r.pos();
    int l = r.u32();
    return frameOfLabel(at, l);
  }

  private int frameOfLabel(int at, int l) {
    if (l < 0 || l >= depth) {
      throw r.invalid(at, "unknown label " + Integer.toUnsignedString(l) + " (" + depth + " blocks enclose it)");
    }
    return depth - 1 - l;
  }

  private void brTable() {
    int n = r.count("br_table target");
    int targets = r.pos();
    for (int i = 0; i < n; i++) {
      r.u32();
    }
    int defaultFrame = label();
    int after = r.pos();
    pop(I32);
    int arity = labelCount(defaultFrame);
    r.seek(targets);
    for (int i = 0; i < n; i++) {
      int at = r.pos();
      int frame = frameOfLabel(at, r.u32());
      if (labelCount(frame) != arity) {
        throw r.invalid(
            at,
            "type mismatch: br_table's targets take different numbers of values (" + labelCount(frame) + " and, for"
                + " the default, " + arity + ")");
      }
      for (int k = arity - 1, fromTop = 0; k >= 0; k--, fromTop++) {
        int expected = labelType(frame, k);
        int index = sp - 1 - fromTop;
        if (index < frameHeight[depth - 1]) {
          if (!frameUnreachable[depth - 1]) {
            throw mismatch(Types.name(expected));
          }
        } else if (values[index] != expected && values[index] != UNKNOWN) {
          throw mismatch(Types.name(expected));
        }
      }
    }
    r.seek(after);
    popLabel(defaultFrame);
    unreachable();
  }

  private void end() {
    int top = depth - 1;
    checkFrameEnd(top);
    int type = frameType[top];
    if (frameKind[top] == IF && !sameParamsAndResults(type)) {
      throw r.invalid(
          instructionAt,
          "type mismatch: an if without else must have the same parameters and results, this one has "
              + describeBlock(type));
    }
    depth--;
    if (depth > 0) {
      for (int i = 0, n = resultCount(type); i < n; i++) {
        push(resultType(type, i));
      }
    }
  }

  private boolean sameParamsAndResults(int type) {
    int n = paramCount(type);
    if (n != resultCount(type)) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (paramType(type, i) != resultType(type, i)) {
        return false;
      }
    }
    return true;
  }

  /** Checks that the stack holds exactly the frame's results, and leaves it at the frame's height. */
  private void checkFrameEnd(int frame) {
    int type = frameType[frame];
    for (int i = resultCount(type) - 1; i >= 0; i--) {
      pop(resultType(type, i));
    }
    if (sp != frameHeight[frame]) {
      throw r.invalid(
          instructionAt,
          "type mismatch: " + (frame == 0 ? "the function" : "the block") + " must end with "
              + describeResults(type) + " but the stack has " + stackText());
    }
  }

  private void popParams(int type) {
    for (int i = paramCount(type) - 1; i >= 0; i--) {
      pop(paramType(type, i));
    }
  }

  private void pushParams(int type) {
    for (int i = 0, n = paramCount(type); i < n; i++) {
      push(paramType(type, i));
    }
  }

  private void popResults(int[] results) {
    for (int i = results.length - 1; i >= 0; i--) {
      pop(results[i]);
    }
  }

  private void popLabel(int frame) {
    for (int i = labelCount(frame) - 1; i >= 0; i--) {
      pop(labelType(frame, i));
    }
  }

  private void pushLabel(int frame) {
    for (int i = 0, n = labelCount(frame); i < n; i++) {
      push(labelType(frame, i));
    }
  }

  private int labelCount(int frame) {
    return frameKind[frame] == LOOP ? paramCount(frameType[frame]) : resultCount(frameType[frame]);
  }

  private int labelType(int frame, int i) {
    return frameKind[frame] == LOOP ? paramType(frameType[frame], i) : resultType(frameType[frame], i);
  }

  private int paramCount(int type) {
    return type >= INDEXED ? m.typeParams[type - INDEXED].length : 0;
  }

  private int paramType(int type, int i) {
    return m.typeParams[type - INDEXED][i];
  }

  private int resultCount(int type) {
    return type == EMPTY ? 0 : type < INDEXED ? 1 : m.typeResults[type - INDEXED].length;
  }

  private int resultType(int type, int i) {
    return type < INDEXED ? type : m.typeResults[type - INDEXED][i];
  }

  private String describeResults(int type) {
    int n = resultCount(type);
    int[] types = new int[n];
    for (int i = 0; i < n; i++) {
      types[i] = resultType(type, i);
    }
    return ModuleContext.describe(types);
  }

  private String describeBlock(int type) {
    int n = paramCount(type);
    int[] types = new int[n];
    for (int i = 0; i < n; i++) {
      types[i] = paramType(type, i);
    }
    return ModuleContext.describe(types) + " -> " + describeResults(type);
  }

  private void pushFrame(int kind, int type) {
    if (depth == frameKind.length) {
      int n = depth * 2;
      frameKind = Arrays.copyOf(frameKind, n);
      frameType = Arrays.copyOf(frameType, n);
      frameHeight = Arrays.copyOf(frameHeight, n);
      frameUnreachable = Arrays.copyOf(frameUnreachable, n);
    }
    frameKind[depth] = kind;
    frameType[depth] = type;
    frameHeight[depth] = sp;
    frameUnreachable[depth] = false;
    depth++;
  }

  private void unreachable() {
    sp = frameHeight[depth - 1];
    frameUnreachable[depth - 1] = true;
  }

  private void push(int t) {
    if (sp == values.length) {
      values = Arrays.copyOf(values, sp * 2);
    }
    values[sp++] = t;
  }

  /** Pops a value of type {@code expected} ({@code UNKNOWN}: any type) and returns the type found. */
  private int pop(int expected) {
    int top = depth - 1;
    if (sp == frameHeight[top]) {
      if (frameUnreachable[top]) {
        return expected;
      }
      throw mismatch(expected == UNKNOWN ? "an operand" : Types.name(expected));
    }
    int actual = values[--sp];
    if (actual != expected && actual != UNKNOWN && expected != UNKNOWN) {
      throw mismatch(Types.name(expected));
    }
    return actual;
  }

  private Rejection mismatch(String expected) {
    return r.invalid(
        instructionAt,
        "type mismatch: " + Opcodes.name(op, sub) + " expects " + expected + " but the stack " + stackHas());
  }

  private String stackHas() {
    int height = frameHeight[depth - 1];
    return heightAtInstruction <= height ? "is empty" + (depth > 1 ? " in this block" : "") : "has " + stackText();
  }

  /** The operand types of the current frame as they were before the failing instruction, at most the top 8. */
  private String stackText() {
    int height = frameHeight[depth - 1];
    int top = Math.max(heightAtInstruction, sp);
    int from = Math.max(height, top - 8);
    StringBuilder s = new StringBuilder(from > height ? "[... " : "[");
    for (int i = from; i < top; i++) {
      s.append(i == from ? "" : " ").append(Types.name(values[i]));
    }
    return s.append(']').toString();
  }
}
