package dev.terrarium.host.engine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import run.endive.compiler.Cache;
import run.endive.compiler.InterpreterFallback;
import run.endive.compiler.MachineFactoryCompiler;
import run.endive.runtime.Instance;
import run.endive.runtime.Machine;
import run.endive.wasm.WasmModule;

/**
 * Compiles a metered module so that its fuel counter lives in the instance's compiled machine instead of a
 * WebAssembly global.
 *
 * <p>Endive compiles every {@code global.get}/{@code global.set} to {@code readGlobal(index, instance)} /
 * {@code writeGlobal(value, index, instance)}, which walk from the instance to its import table, its global array
 * and the global object: a chain of dependent loads that metered code pays at every charge. This pass makes the
 * generated machine class extend {@link AtomicLong} (instead of {@code Object}) and rewrites the calls whose index
 * is the fuel counter's into {@code ((AtomicLong) instance.getMachine()).getPlain()} / {@code setPlain(v)}: two
 * loads, plain (not volatile) accesses, and a JDK class that every module's generated classes can see and that
 * the host reads and writes without reflection. Nothing else changes: the guest's own code cannot name the
 * counter (the rewriter appends it after every other global and exports nothing), and a module any of whose
 * functions would run in Endive's interpreter is compiled as usual, with the global.
 *
 * <p>The classes go through Endive's own compiled-class {@link Cache} format (a jar): the module is compiled once,
 * the jar is rewritten, and Endive loads the rewritten classes as from a cache hit.
 */
public final class FuelField {
  private static final String ATOMIC_LONG = "java/util/concurrent/atomic/AtomicLong";
  private static final String INSTANCE = "run/endive/runtime/Instance";
  private static final String MACHINE = "run/endive/runtime/Machine";
  private static final String READ_DESC = "(IL" + INSTANCE + ";)J";
  private static final String WRITE_DESC = "(JIL" + INSTANCE + ";)V";

  private FuelField() {}

  /**
   * Compiles {@code module} with its global {@code counter} turned into a machine field, or returns {@code null}
   * when that cannot be done (a function left to the interpreter, no machine class found, no access rewritten):
   * the caller then compiles as usual.
   */
  public static Function<Instance, Machine> compile(WasmModule module, int counter) {
    return compile(module, counter, false);
  }

  /**
   * Like {@link #compile(WasmModule, int)}; with {@code trapFlush}, for a module rewritten with trap flushing, its
   * methods also get {@link TrapFlush}'s handlers (then {@code null} means the module cannot run exactly compiled).
   */
  public static Function<Instance, Machine> compile(WasmModule module, int counter, boolean trapFlush) {
    Compiled c = compileMeasured(module, counter, trapFlush);
    return c == null ? null : c.factory();
  }

  /** A machine factory, the (rewritten) class jar it was loaded from, and the summed size of its class files. */
  record Compiled(Function<Instance, Machine> factory, byte[] jar, java.util.List<byte[]> classes) {
    /** Returns the summed size of the class files. */
    long classBytes() {
      return ClassBytes.size(classes);
    }
  }

  /** Like {@link #compile}, also telling the size of the (rewritten) classes, or {@code null}. */
  static Compiled compileMeasured(WasmModule module, int counter) {
    return compileMeasured(module, counter, false);
  }

  /** Like {@link #compileMeasured(WasmModule, int)}, with {@link TrapFlush}'s handlers when {@code trapFlush}. */
  static Compiled compileMeasured(WasmModule module, int counter, boolean trapFlush) {
    if (module.digest() == null) {
      return null;
    }
    byte[][] captured = new byte[1][];
    try {
      MachineFactoryCompiler.builder(module)
          .withInterpreterFallback(InterpreterFallback.FAIL)
          .withCache(new ParsedModule.JarCache(null, captured))
          .compile();
    } catch (RuntimeException | LinkageError e) {
      return null; // e.g. a function too large for a JVM method: Endive would interpret it
    }
    if (captured[0] == null) {
      return null;
    }
    byte[] rewritten = rewriteJar(captured[0], counter, trapFlush);
    if (rewritten == null) {
      return null;
    }
    Function<Instance, Machine> factory =
        MachineFactoryCompiler.builder(module)
            .withInterpreterFallback(InterpreterFallback.FAIL)
            .withCache(new ParsedModule.JarCache(rewritten, new byte[1][]))
            .compile();
    return new Compiled(factory, rewritten, ClassBytes.classes(rewritten));
  }

  /** Rewrites every class of an Endive class jar; {@code null} when the machine class or no access is found. */
  static byte[] rewriteJar(byte[] jar, int counter) {
    return rewriteJar(jar, counter, false);
  }

  /**
   * Like {@link #rewriteJar(byte[], int)}; with {@code trapFlush}, every method that keeps the counter in a JVM
   * local also gets the handler of {@link TrapFlush}.
   */
  static byte[] rewriteJar(byte[] jar, int counter, boolean trapFlush) {
    try {
      String machineClass = null;
      try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
        for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
          if (e.getName().endsWith(".class")) {
            ClassReader r = new ClassReader(in.readAllBytes());
            if (Arrays.asList(r.getInterfaces()).contains(MACHINE)) {
              if (machineClass != null) {
                return null;
              }
              machineClass = r.getClassName();
            }
          }
        }
      }
      if (machineClass == null) {
        return null;
      }
      int[] rewrites = new int[1];
      ByteArrayOutputStream out = new ByteArrayOutputStream(jar.length + 1024);
      try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar));
          JarOutputStream jos = new JarOutputStream(out)) {
        for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
          byte[] data = in.readAllBytes();
          if (e.getName().endsWith(".class")) {
            data = rewriteClass(data, machineClass, counter, rewrites);
            if (trapFlush) {
              data = TrapFlush.apply(data);
            }
          }
          jos.putNextEntry(new JarEntry(e.getName()));
          jos.write(data);
          jos.closeEntry();
        }
      }
      return rewrites[0] == 0 ? null : out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] rewriteClass(byte[] bytes, String machineClass, int counter, int[] rewrites) {
    ClassReader reader = new ClassReader(bytes);
    ClassWriter writer = new ClassWriter(reader, 0);
    boolean isMachine = reader.getClassName().equals(machineClass);
    if (isMachine && !reader.getSuperName().equals("java/lang/Object")) {
      throw new IllegalStateException("the machine class extends " + reader.getSuperName());
    }
    reader.accept(
        new ClassVisitor(Opcodes.ASM9, writer) {
          @Override
          public void visit(
              int version, int access, String name, String signature, String superName, String[] interfaces) {
            super.visit(version, access, name, signature, isMachine ? ATOMIC_LONG : superName, interfaces);
          }

          @Override
          public MethodVisitor visitMethod(
              int access, String name, String descriptor, String signature, String[] exceptions) {
            MethodVisitor next = super.visitMethod(access, name, descriptor, signature, exceptions);
            if (isMachine && name.equals("<init>")) {
              next = new SuperConstructor(next);
            }
            return new CounterAccess(next, counter, rewrites);
          }
        },
        0);
    return writer.toByteArray();
  }

  /** Calls {@code AtomicLong()} where the machine's constructor called {@code Object()}. */
  private static final class SuperConstructor extends MethodVisitor {
    SuperConstructor(MethodVisitor next) {
      super(Opcodes.ASM9, next);
    }

    @Override
    public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
      if (opcode == Opcodes.INVOKESPECIAL && owner.equals("java/lang/Object") && name.equals("<init>")) {
        owner = ATOMIC_LONG;
      }
      super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
    }
  }

  /**
   * Replaces {@code <counter>; aload instance; invokestatic readGlobal/writeGlobal} by a field access on the
   * instance's machine. Holds back an int constant and the load after it until it sees what follows.
   */
  private static final class CounterAccess extends MethodVisitor {
    private final int counter;
    private final int[] rewrites;
    private Integer constant;
    /** How the held constant was written ({@code ICONST_*}, {@code BIPUSH}, {@code SIPUSH} or {@code LDC}). */
    private int constantOpcode;
    private int instanceVar = -1;

    CounterAccess(MethodVisitor next, int counter, int[] rewrites) {
      super(Opcodes.ASM9, next);
      this.counter = counter;
      this.rewrites = rewrites;
    }

    private void flush() {
      if (constant != null) {
        if (constantOpcode == Opcodes.LDC) {
          super.visitLdcInsn(constant);
        } else if (constantOpcode == Opcodes.BIPUSH || constantOpcode == Opcodes.SIPUSH) {
          super.visitIntInsn(constantOpcode, constant);
        } else {
          super.visitInsn(constantOpcode);
        }
        constant = null;
      }
      if (instanceVar >= 0) {
        super.visitVarInsn(Opcodes.ALOAD, instanceVar);
        instanceVar = -1;
      }
    }

    private void hold(int opcode, int value) {
      flush();
      constantOpcode = opcode;
      constant = value;
    }

    private void machine(int var) {
      super.visitVarInsn(Opcodes.ALOAD, var);
      super.visitMethodInsn(Opcodes.INVOKEVIRTUAL, INSTANCE, "getMachine", "()L" + MACHINE + ";", false);
      super.visitTypeInsn(Opcodes.CHECKCAST, ATOMIC_LONG);
    }

    @Override
    public void visitInsn(int opcode) {
      if (opcode >= Opcodes.ICONST_M1 && opcode <= Opcodes.ICONST_5) {
        hold(opcode, opcode - Opcodes.ICONST_0);
        return;
      }
      flush();
      super.visitInsn(opcode);
    }

    @Override
    public void visitIntInsn(int opcode, int operand) {
      if (opcode == Opcodes.BIPUSH || opcode == Opcodes.SIPUSH) {
        hold(opcode, operand);
        return;
      }
      flush();
      super.visitIntInsn(opcode, operand);
    }

    @Override
    public void visitLdcInsn(Object value) {
      if (value instanceof Integer i) {
        hold(Opcodes.LDC, i);
        return;
      }
      flush();
      super.visitLdcInsn(value);
    }

    @Override
    public void visitVarInsn(int opcode, int var) {
      if (opcode == Opcodes.ALOAD && constant != null && instanceVar < 0) {
        instanceVar = var;
        return;
      }
      flush();
      super.visitVarInsn(opcode, var);
    }

    @Override
    public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
      if (opcode == Opcodes.INVOKESTATIC && constant != null && constant == counter && instanceVar >= 0) {
        if (name.equals("readGlobal") && descriptor.equals(READ_DESC)) {
          int var = instanceVar;
          constant = null;
          instanceVar = -1;
          machine(var);
          super.visitMethodInsn(Opcodes.INVOKEVIRTUAL, ATOMIC_LONG, "getPlain", "()J", false);
          rewrites[0]++;
          return;
        }
        if (name.equals("writeGlobal") && descriptor.equals(WRITE_DESC)) {
          int var = instanceVar;
          constant = null;
          instanceVar = -1;
          machine(var); // value(long), machine
          super.visitInsn(Opcodes.DUP_X2); // machine, value, machine
          super.visitInsn(Opcodes.POP); // machine, value
          super.visitMethodInsn(Opcodes.INVOKEVIRTUAL, ATOMIC_LONG, "setPlain", "(J)V", false);
          rewrites[0]++;
          return;
        }
      }
      flush();
      super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
    }

    @Override
    public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
      flush();
      super.visitFieldInsn(opcode, owner, name, descriptor);
    }

    @Override
    public void visitTypeInsn(int opcode, String type) {
      flush();
      super.visitTypeInsn(opcode, type);
    }

    @Override
    public void visitInvokeDynamicInsn(String name, String descriptor, Handle bsm, Object... bsmArgs) {
      flush();
      super.visitInvokeDynamicInsn(name, descriptor, bsm, bsmArgs);
    }

    @Override
    public void visitJumpInsn(int opcode, Label label) {
      flush();
      super.visitJumpInsn(opcode, label);
    }

    @Override
    public void visitLabel(Label label) {
      flush();
      super.visitLabel(label);
    }

    @Override
    public void visitIincInsn(int var, int increment) {
      flush();
      super.visitIincInsn(var, increment);
    }

    @Override
    public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
      flush();
      super.visitTableSwitchInsn(min, max, dflt, labels);
    }

    @Override
    public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
      flush();
      super.visitLookupSwitchInsn(dflt, keys, labels);
    }

    @Override
    public void visitMultiANewArrayInsn(String descriptor, int numDimensions) {
      flush();
      super.visitMultiANewArrayInsn(descriptor, numDimensions);
    }

    @Override
    public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
      flush();
      super.visitFrame(type, numLocal, local, numStack, stack);
    }

    @Override
    public void visitLineNumber(int line, Label start) {
      flush();
      super.visitLineNumber(line, start);
    }

    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
      flush();
      super.visitMaxs(maxStack, maxLocals);
    }

    @Override
    public void visitEnd() {
      flush();
      super.visitEnd();
    }
  }
}
