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
 * Exact fuel at traps for compiled functions that keep their counter in a local (docs/metering.md, "Trap
 * flushing").
 *
 * <p>Under EXACT accounting with trap flushing ({@code FuelRewriter.rewriteWithTrapFlush}), a metered function
 * copies the counter from the machine's field into a local on entry, charges the local, and stores it back before
 * every call and exit; before a call it also puts {@link #MARK} in the local. A trap in the function itself would
 * then lose what it charged since its last store. This pass gives each such compiled method, after {@link
 * FuelField} made the counter a field, a handler (declared after the method's own, so tried last) that catches
 * anything, stores that local in the field unless it holds {@link #MARK} (an exception from a callee, which kept
 * the field exact itself), and throws it again. It covers the method from the first store of the field's value
 * into a local to its end, except where the stack map frames do not say that local holds a long and the
 * instance's local an instance ({@link Ranges}).
 */
final class TrapFlush {
  /** What a function puts in its counter local before a call: the field is exact, do not overwrite it. */
  static final long MARK = dev.terrarium.host.metering.FuelRewriter.TRAP_FLUSH_MARK;

  private static final String ATOMIC_LONG = "java/util/concurrent/atomic/AtomicLong";
  private static final String INSTANCE = "run/endive/runtime/Instance";
  private static final String MACHINE = "run/endive/runtime/Machine";

  private TrapFlush() {}

  /** Where a method keeps its counter: the JVM local it stores the field's value in, and the instance's local. */
  private record Counter(int local, int instance, int ranges) {}

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
            return c == null ? next : new Handler(next, c, access, descriptor);
          }
        },
        0);
    return writer.toByteArray();
  }

  /**
   * Finds, per method, the first read of the counter into a local ({@link CounterReads}) and the instance's local it
   * goes through, and how many ranges the handler covers ({@link Ranges}).
   */
  private static Map<String, Counter> find(byte[] bytes) {
    Map<String, Counter> found = new HashMap<>();
    new ClassReader(bytes)
        .accept(
            new ClassVisitor(Opcodes.ASM9) {
              @Override
              public MethodVisitor visitMethod(
                  int access, String name, String descriptor, String signature, String[] exceptions) {
                Ranges tracked = new Ranges(access, descriptor);
                int[] read = {-1, -1};
                return new CounterReads(null) {
                  @Override
                  public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
                    tracked.frame(type, numLocal, local);
                  }

                  @Override
                  void counterRead(int local, int instance) {
                    if (read[0] < 0) {
                      read[0] = local;
                      read[1] = instance;
                      tracked.start(local, instance);
                    }
                  }

                  @Override
                  public void visitEnd() {
                    if (read[0] >= 0) {
                      found.put(name + descriptor, new Counter(read[0], read[1], tracked.count));
                    }
                  }
                };
              }
            },
            ClassReader.SKIP_DEBUG);
    return found;
  }

  /**
   * Follows a method's instructions for a read of the counter into a local, as FuelField writes it: {@code aload I;
   * invokevirtual getMachine; checkcast AtomicLong; invokevirtual getPlain; lstore N}. Passes everything on to the
   * next visitor, if any; {@link #before} runs before each instruction, label and frame is passed on.
   */
  private abstract static class CounterReads extends MethodVisitor {
    /** How far the read got: 1 after aload, 2 after getMachine, 3 after checkcast, 4 after getPlain. */
    private int step;
    private int instance;

    CounterReads(MethodVisitor next) {
      super(Opcodes.ASM9, next);
    }

    void before() {}

    /** Called after the {@code lstore} that completes a read of the counter into {@code local}. */
    abstract void counterRead(int local, int instance);

    @Override
    public void visitVarInsn(int opcode, int var) {
      before();
      super.visitVarInsn(opcode, var);
      if (opcode == Opcodes.LSTORE && step == 4) {
        step = 0;
        counterRead(var, instance);
      } else if (opcode == Opcodes.ALOAD) {
        step = 1;
        instance = var;
      } else {
        step = 0;
      }
    }

    @Override
    public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
      before();
      super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
      if (step == 1 && owner.equals(INSTANCE) && name.equals("getMachine")) {
        step = 2;
      } else {
        step = step == 3 && owner.equals(ATOMIC_LONG) && name.equals("getPlain") ? 4 : 0;
      }
    }

    @Override
    public void visitTypeInsn(int opcode, String type) {
      before();
      super.visitTypeInsn(opcode, type);
      step = step == 2 && opcode == Opcodes.CHECKCAST && type.equals(ATOMIC_LONG) ? 3 : 0;
    }

    @Override
    public void visitLabel(Label label) {
      before();
      super.visitLabel(label);
    }

    @Override
    public void visitLineNumber(int line, Label start) {
      before();
      super.visitLineNumber(line, start);
    }

    @Override
    public void visitInsn(int opcode) {
      before();
      step = 0;
      super.visitInsn(opcode);
    }

    @Override
    public void visitIntInsn(int opcode, int operand) {
      before();
      step = 0;
      super.visitIntInsn(opcode, operand);
    }

    @Override
    public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
      before();
      step = 0;
      super.visitFieldInsn(opcode, owner, name, descriptor);
    }

    @Override
    public void visitInvokeDynamicInsn(String name, String descriptor, Handle bsm, Object... bsmArgs) {
      before();
      step = 0;
      super.visitInvokeDynamicInsn(name, descriptor, bsm, bsmArgs);
    }

    @Override
    public void visitJumpInsn(int opcode, Label label) {
      before();
      step = 0;
      super.visitJumpInsn(opcode, label);
    }

    @Override
    public void visitLdcInsn(Object value) {
      before();
      step = 0;
      super.visitLdcInsn(value);
    }

    @Override
    public void visitIincInsn(int var, int increment) {
      before();
      step = 0;
      super.visitIincInsn(var, increment);
    }

    @Override
    public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
      before();
      step = 0;
      super.visitTableSwitchInsn(min, max, dflt, labels);
    }

    @Override
    public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
      before();
      step = 0;
      super.visitLookupSwitchInsn(dflt, keys, labels);
    }

    @Override
    public void visitMultiANewArrayInsn(String descriptor, int numDimensions) {
      before();
      step = 0;
      super.visitMultiANewArrayInsn(descriptor, numDimensions);
    }
  }

  /**
   * The locals of a method as its stack map frames declare them, slot by slot, and the ranges in which the counter's
   * local holds a long and the instance's local an instance: the handler's own frame declares just those two, so it
   * may only cover code where both hold (code the JVM never reaches, which ASM leaves as {@code nop ... athrow}
   * under a frame with no locals, must stay outside).
   */
  private static final class Ranges {
    /** The declared type of each slot, in the frame format (a long's second slot is TOP). */
    private final java.util.List<Object> slots = new java.util.ArrayList<>();
    private int counter = -1;
    private int instance = -1;
    /** Whether a range is open, and how many were opened. */
    boolean open;
    int count;

    Ranges(int access, String descriptor) {
      if ((access & Opcodes.ACC_STATIC) == 0) {
        slots.add(Opcodes.TOP); // this: never needed
      }
      for (org.objectweb.asm.Type t : org.objectweb.asm.Type.getArgumentTypes(descriptor)) {
        switch (t.getSort()) {
          case org.objectweb.asm.Type.LONG -> add(Opcodes.LONG);
          case org.objectweb.asm.Type.DOUBLE -> add(Opcodes.DOUBLE);
          case org.objectweb.asm.Type.OBJECT -> add(t.getInternalName());
          default -> add(Opcodes.INTEGER);
        }
      }
    }

    private void add(Object type) {
      slots.add(type);
      if (type == Opcodes.LONG || type == Opcodes.DOUBLE) {
        slots.add(Opcodes.TOP);
      }
    }

    /** The counter was stored in {@code local}: a range opens here. */
    void start(int local, int instanceLocal) {
      counter = local;
      instance = instanceLocal;
      while (slots.size() <= local + 1) {
        slots.add(Opcodes.TOP);
      }
      slots.set(local, Opcodes.LONG);
      open = true;
      count++;
    }

    /**
     * Applies a frame, and returns +1 when a range must open at it, -1 when the open one must close before it, 0
     * otherwise.
     */
    int frame(int type, int numLocal, Object[] local) {
      switch (type) {
        case Opcodes.F_NEW, Opcodes.F_FULL -> {
          slots.clear();
          for (int i = 0; i < numLocal; i++) {
            add(local[i]);
          }
        }
        case Opcodes.F_APPEND -> {
          for (int i = 0; i < numLocal; i++) {
            add(local[i]);
          }
        }
        case Opcodes.F_CHOP -> {
          for (int i = 0; i < numLocal && !slots.isEmpty(); i++) {
            Object last = slots.remove(slots.size() - 1);
            if (last == Opcodes.TOP && !slots.isEmpty()) {
              Object before = slots.get(slots.size() - 1);
              if (before == Opcodes.LONG || before == Opcodes.DOUBLE) {
                slots.remove(slots.size() - 1);
              }
            }
          }
        }
        default -> {
          // F_SAME, F_SAME1: the locals do not change
        }
      }
      if (counter < 0) {
        return 0;
      }
      boolean holds =
          counter < slots.size()
              && slots.get(counter) == Opcodes.LONG
              && instance < slots.size()
              && INSTANCE.equals(slots.get(instance));
      if (holds && !open) {
        open = true;
        count++;
        return 1;
      }
      if (!holds && open) {
        open = false;
        return -1;
      }
      return 0;
    }
  }

  /** Adds the handler to one method whose counter is {@code counter}, over the ranges {@link Ranges} finds. */
  private static final class Handler extends CounterReads {
    private final Counter counter;
    private final Ranges tracked;
    private final Label[] starts;
    private final Label[] ends;
    private final Label handler = new Label();
    private final Label rethrow = new Label();
    private boolean declared;
    private boolean started;
    private int opened;

    Handler(MethodVisitor next, Counter counter, int access, String descriptor) {
      super(next);
      this.counter = counter;
      this.tracked = new Ranges(access, descriptor);
      this.starts = new Label[counter.ranges()];
      this.ends = new Label[counter.ranges()];
      for (int i = 0; i < starts.length; i++) {
        starts[i] = new Label();
        ends[i] = new Label();
      }
    }

    /** Declares the handler's ranges after the method's own handlers (so that theirs are tried first). */
    @Override
    void before() {
      if (!declared) {
        declared = true;
        for (int i = 0; i < starts.length; i++) {
          mv.visitTryCatchBlock(starts[i], ends[i], handler, null);
        }
      }
    }

    @Override
    void counterRead(int local, int instance) {
      if (!started) {
        started = true;
        tracked.start(counter.local(), counter.instance());
        mv.visitLabel(starts[opened++]);
      }
    }

    @Override
    public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
      before();
      int change = tracked.frame(type, numLocal, local);
      if (change < 0) {
        mv.visitLabel(ends[opened - 1]);
      }
      mv.visitFrame(type, numLocal, local, numStack, stack);
      if (change > 0) {
        mv.visitLabel(starts[opened++]);
      }
    }

    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
      if (opened != starts.length || !started) {
        throw new IllegalStateException("the handler's ranges differ from the analysis' (" + opened + " of "
            + starts.length + ")");
      }
      if (tracked.open) {
        mv.visitLabel(ends[opened - 1]);
      }
      // locals: nothing but the instance and the counter (every other slot may hold anything)
      java.util.List<Object> declaredLocals = new java.util.ArrayList<>();
      for (int slot = 0; slot <= Math.max(counter.local(), counter.instance()); slot++) {
        if (slot == counter.local()) {
          declaredLocals.add(Opcodes.LONG); // the frame format gives a long one entry for its two slots
          slot++;
        } else {
          declaredLocals.add(slot == counter.instance() ? INSTANCE : Opcodes.TOP);
        }
      }
      Object[] locals = declaredLocals.toArray();
      Object[] thrown = {"java/lang/Throwable"};
      mv.visitLabel(handler);
      mv.visitFrame(Opcodes.F_FULL, locals.length, locals, 1, thrown);
      mv.visitVarInsn(Opcodes.LLOAD, counter.local());
      mv.visitLdcInsn(MARK);
      mv.visitInsn(Opcodes.LCMP);
      mv.visitJumpInsn(Opcodes.IFEQ, rethrow);
      mv.visitVarInsn(Opcodes.ALOAD, counter.instance());
      mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, INSTANCE, "getMachine", "()L" + MACHINE + ";", false);
      mv.visitTypeInsn(Opcodes.CHECKCAST, ATOMIC_LONG);
      mv.visitVarInsn(Opcodes.LLOAD, counter.local());
      mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, ATOMIC_LONG, "setPlain", "(J)V", false);
      mv.visitLabel(rethrow);
      mv.visitFrame(Opcodes.F_FULL, locals.length, locals, 1, thrown);
      mv.visitInsn(Opcodes.ATHROW);
      mv.visitMaxs(Math.max(maxStack, 5), maxLocals);
    }
  }
}
