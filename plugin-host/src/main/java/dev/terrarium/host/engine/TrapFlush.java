package dev.terrarium.host.engine;

import java.util.HashMap;
import java.util.Map;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Exact fuel at traps for compiled functions that keep their counter in a local (work in progress, not used yet).
 *
 * <p>A metered function may copy the counter from the machine's field into a local on entry, charge the local,
 * and store it back before every call and exit (and, before a call, put {@link #MARK} in the local). A trap in
 * the function itself would then lose what it charged since its last store. This pass gives each such compiled
 * method, after {@link FuelField} made the counter a field, a handler around its body (from the first store of
 * the field's value into a local, to its end) that catches anything, stores that local in the field unless it
 * holds {@link #MARK} (an exception from a callee, which kept the field exact itself), and throws it again.
 */
final class TrapFlush {
  /** What a function puts in its counter local before a call: the field is exact, do not overwrite it. */
  static final long MARK = Long.MIN_VALUE;

  private static final String ATOMIC_LONG = "java/util/concurrent/atomic/AtomicLong";
  private static final String INSTANCE = "run/endive/runtime/Instance";
  private static final String MACHINE = "run/endive/runtime/Machine";

  private TrapFlush() {}

  /** Where a method keeps its counter: the JVM local it stores the field's value in, and the instance's local. */
  private record Counter(int local, int instance) {}

  /** Returns {@code bytes} (a class FuelField rewrote) with a handler in every method that has a counter local. */
  static byte[] apply(byte[] bytes) {
    Map<String, Counter> counters = find(bytes);
    if (counters.isEmpty()) {
      return bytes;
    }
    ClassReader reader = new ClassReader(bytes);
    ClassWriter writer = new ClassWriter(reader, 0);
    reader.accept(
        new ClassVisitor(Opcodes.ASM9, writer) {
          @Override
          public MethodVisitor visitMethod(
              int access, String name, String descriptor, String signature, String[] exceptions) {
            MethodVisitor next = super.visitMethod(access, name, descriptor, signature, exceptions);
            Counter c = counters.get(name + descriptor);
            return c == null ? next : new Handler(next, c);
          }
        },
        0);
    return writer.toByteArray();
  }

  /**
   * Finds, per method, the first {@code aload I; invokevirtual getMachine; checkcast AtomicLong; invokevirtual
   * getPlain; lstore N}: the counter read into local {@code N} through the instance in local {@code I}.
   */
  private static Map<String, Counter> find(byte[] bytes) {
    Map<String, Counter> found = new HashMap<>();
    new ClassReader(bytes)
        .accept(
            new ClassVisitor(Opcodes.ASM9) {
              @Override
              public MethodVisitor visitMethod(
                  int access, String name, String descriptor, String signature, String[] exceptions) {
                String key = name + descriptor;
                return new MethodVisitor(Opcodes.ASM9) {
                  /** How far the pattern got: 1 after aload, 2 after getMachine, 3 after checkcast, 4 after getPlain. */
                  int step;
                  int instance;

                  @Override
                  public void visitVarInsn(int opcode, int var) {
                    if (found.containsKey(key)) {
                      return;
                    }
                    if (opcode == Opcodes.LSTORE && step == 4) {
                      found.put(key, new Counter(var, instance));
                    } else if (opcode == Opcodes.ALOAD) {
                      step = 1;
                      instance = var;
                      return;
                    }
                    step = 0;
                  }

                  @Override
                  public void visitMethodInsn(int opcode, String owner, String n, String d, boolean itf) {
                    if (step == 1 && owner.equals(INSTANCE) && n.equals("getMachine")) {
                      step = 2;
                    } else if (step == 3 && owner.equals(ATOMIC_LONG) && n.equals("getPlain")) {
                      step = 4;
                    } else {
                      step = 0;
                    }
                  }

                  @Override
                  public void visitTypeInsn(int opcode, String type) {
                    step = step == 2 && opcode == Opcodes.CHECKCAST && type.equals(ATOMIC_LONG) ? 3 : 0;
                  }

                  @Override
                  public void visitInsn(int opcode) {
                    step = 0;
                  }

                  @Override
                  public void visitIntInsn(int opcode, int operand) {
                    step = 0;
                  }

                  @Override
                  public void visitFieldInsn(int opcode, String owner, String n, String d) {
                    step = 0;
                  }

                  @Override
                  public void visitJumpInsn(int opcode, Label label) {
                    step = 0;
                  }

                  @Override
                  public void visitLdcInsn(Object value) {
                    step = 0;
                  }

                  @Override
                  public void visitIincInsn(int var, int increment) {
                    step = 0;
                  }

                  @Override
                  public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
                    step = 0;
                  }

                  @Override
                  public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
                    step = 0;
                  }

                  @Override
                  public void visitInvokeDynamicInsn(String n, String d, Handle bsm, Object... args) {
                    step = 0;
                  }

                  @Override
                  public void visitMultiANewArrayInsn(String descriptor, int numDimensions) {
                    step = 0;
                  }
                };
              }
            },
            ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
    return found;
  }

  /** Adds the handler to one method whose counter is {@code counter}. */
  private static final class Handler extends MethodVisitor {
    private final Counter counter;
    private final Label start = new Label();
    private final Label end = new Label();
    private final Label handler = new Label();
    private final Label rethrow = new Label();
    private boolean declared;
    private boolean started;
    /** How far the counter read got, as in {@link #find}: 4 once the getPlain was seen. */
    private int step;

    Handler(MethodVisitor next, Counter counter) {
      super(Opcodes.ASM9, next);
      this.counter = counter;
    }

    /** Declares the handler after the method's own (so that theirs are tried first), before any code. */
    private void declare() {
      if (!declared) {
        declared = true;
        super.visitTryCatchBlock(start, end, handler, null);
      }
    }

    @Override
    public void visitTryCatchBlock(Label s, Label e, Label h, String type) {
      super.visitTryCatchBlock(s, e, h, type);
    }

    @Override
    public void visitLabel(Label label) {
      declare();
      super.visitLabel(label);
    }

    @Override
    public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
      declare();
      super.visitFrame(type, numLocal, local, numStack, stack);
    }

    @Override
    public void visitLineNumber(int line, Label s) {
      declare();
      super.visitLineNumber(line, s);
    }

    @Override
    public void visitInsn(int opcode) {
      declare();
      step = 0;
      super.visitInsn(opcode);
    }

    @Override
    public void visitIntInsn(int opcode, int operand) {
      declare();
      step = 0;
      super.visitIntInsn(opcode, operand);
    }

    @Override
    public void visitVarInsn(int opcode, int var) {
      declare();
      super.visitVarInsn(opcode, var);
      if (!started && opcode == Opcodes.LSTORE && var == counter.local() && step == 4) {
        started = true;
        super.visitLabel(start);
      }
      step = 0;
    }

    @Override
    public void visitTypeInsn(int opcode, String type) {
      declare();
      step = 0;
      super.visitTypeInsn(opcode, type);
    }

    @Override
    public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
      declare();
      step = 0;
      super.visitFieldInsn(opcode, owner, name, descriptor);
    }

    @Override
    public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
      declare();
      step = owner.equals(ATOMIC_LONG) && name.equals("getPlain") ? 4 : 0;
      super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
    }

    @Override
    public void visitInvokeDynamicInsn(String name, String descriptor, Handle bsm, Object... bsmArgs) {
      declare();
      step = 0;
      super.visitInvokeDynamicInsn(name, descriptor, bsm, bsmArgs);
    }

    @Override
    public void visitJumpInsn(int opcode, Label label) {
      declare();
      step = 0;
      super.visitJumpInsn(opcode, label);
    }

    @Override
    public void visitLdcInsn(Object value) {
      declare();
      step = 0;
      super.visitLdcInsn(value);
    }

    @Override
    public void visitIincInsn(int var, int increment) {
      declare();
      step = 0;
      super.visitIincInsn(var, increment);
    }

    @Override
    public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
      declare();
      step = 0;
      super.visitTableSwitchInsn(min, max, dflt, labels);
    }

    @Override
    public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
      declare();
      step = 0;
      super.visitLookupSwitchInsn(dflt, keys, labels);
    }

    @Override
    public void visitMultiANewArrayInsn(String descriptor, int numDimensions) {
      declare();
      step = 0;
      super.visitMultiANewArrayInsn(descriptor, numDimensions);
    }

    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
      if (started) {
        super.visitLabel(end);
        // locals: nothing but the instance and the counter (every other slot may hold anything)
        Object[] locals = new Object[counter.local() + 1];
        for (int i = 0; i < counter.local(); i++) {
          locals[i] = i == counter.instance() ? INSTANCE : Opcodes.TOP;
        }
        locals[counter.local()] = Opcodes.LONG;
        Object[] thrown = {"java/lang/Throwable"};
        super.visitLabel(handler);
        super.visitFrame(Opcodes.F_FULL, locals.length, locals, 1, thrown);
        super.visitVarInsn(Opcodes.LLOAD, counter.local());
        super.visitLdcInsn(MARK);
        super.visitInsn(Opcodes.LCMP);
        super.visitJumpInsn(Opcodes.IFEQ, rethrow);
        super.visitVarInsn(Opcodes.ALOAD, counter.instance());
        super.visitMethodInsn(Opcodes.INVOKEVIRTUAL, INSTANCE, "getMachine", "()L" + MACHINE + ";", false);
        super.visitTypeInsn(Opcodes.CHECKCAST, ATOMIC_LONG);
        super.visitVarInsn(Opcodes.LLOAD, counter.local());
        super.visitMethodInsn(Opcodes.INVOKEVIRTUAL, ATOMIC_LONG, "setPlain", "(J)V", false);
        super.visitLabel(rethrow);
        super.visitFrame(Opcodes.F_FULL, locals.length, locals, 1, thrown);
        super.visitInsn(Opcodes.ATHROW);
        maxStack = Math.max(maxStack, 5);
      } else if (declared) {
        // declared but no counter read found in this pass: an empty range is not allowed, so cover nothing real
        throw new IllegalStateException("the counter's local was not found where the analysis saw it");
      }
      super.visitMaxs(maxStack, maxLocals);
    }
  }
}
