package dev.terrarium.abi.guest;

import static dev.terrarium.abi.guest.GuestNames.comment;
import static dev.terrarium.abi.guest.GuestNames.rustIdent;

import dev.terrarium.abi.model.AbiType;
import dev.terrarium.abi.model.EnumModel;
import dev.terrarium.abi.model.FieldModel;
import dev.terrarium.abi.model.FunctionModel;
import dev.terrarium.abi.model.InterfaceModel;
import dev.terrarium.abi.model.Names;
import dev.terrarium.abi.model.ParamModel;
import dev.terrarium.abi.model.RecordModel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes the Rust module of an interface model ({@code META-INF/terrarium/guest/<guestFileName>.rs}): std only,
 * meant to be included as a module of the plugin crate ({@code mod greeter { include!(...); }} or {@code #[path =
 * ...] mod greeter;}). For editions 2018 and 2021 it compiles with Debian's rustc 1.63 ({@code --target
 * wasm32-wasi}) and every later rustc ({@code --target wasm32-wasip1}); for edition 2024 (rustc 1.85 and later) it
 * writes the unsafe attributes ({@code #[unsafe(export_name = ...)]}, {@code #[unsafe(link_section = ...)]}) and
 * {@code unsafe extern} blocks that edition requires and that rustc before 1.82 rejects.
 *
 * <p>Records become plain Rust structs with owned fields ({@code String}, {@code Vec<T>}, {@code Option<T>}); their
 * {@code #[repr(C)]} {@code Raw*} twins have the ABI layout (checked at compile time) and convert both ways. For
 * {@code @HostImports} the module has safe functions that lend their arguments to the host and take ownership of its
 * results; for {@code @PluginExports} a trait the plugin implements and a macro that defines the exports. The
 * macro {@code terrarium_allocator!()} defines the {@code alloc} and {@code dealloc} exports, once per plugin.
 */
public final class RustWriter {
  private RustWriter() {}

  /** The Rust editions the writer supports; the default is {@link #DEFAULT_EDITION}. */
  public static final Set<String> EDITIONS = Set.of("2018", "2021", "2024");

  /** The edition written when none is chosen: the newest that Debian's rustc 1.63 accepts. */
  public static final String DEFAULT_EDITION = "2021";

  /** Returns the file's text, for the default edition. */
  public static String write(InterfaceModel model) {
    return write(model, DEFAULT_EDITION);
  }

  /** Returns the file's text for a Rust edition (one of {@link #EDITIONS}). */
  public static String write(InterfaceModel model, String edition) {
    if (!EDITIONS.contains(edition)) {
      throw new IllegalArgumentException("unsupported Rust edition " + edition + "; use one of 2018, 2021, 2024");
    }
    return new Gen(model, edition.equals("2024")).run();
  }

  private static final Set<String> STD_NAMES =
      Set.of("String", "Vec", "Option", "Result", "Box", "Some", "None", "Ok", "Err");

  private static final class Gen {
    private final InterfaceModel model;
    private final GuestTypes types;
    private final StringBuilder out = new StringBuilder();
    private final String modName;
    private final String sString;
    private final String sVec;
    private final String sOption;
    private final String sResult;
    private final String sBox;
    private final String sSome;
    private final String sNone;
    private final String sOk;
    private final String sErr;
    /** Whether to write edition 2024's forms: unsafe attributes and unsafe extern blocks. */
    private final boolean edition2024;

    Gen(InterfaceModel model, boolean edition2024) {
      this.model = model;
      this.edition2024 = edition2024;
      this.types = GuestTypes.of(model);
      this.modName = rustIdent(GuestNames.plain(model.guestFileName()));
      boolean clash = false;
      for (RecordModel r : types.records) {
        clash |= STD_NAMES.contains(r.simpleName());
      }
      for (EnumModel e : types.enums) {
        clash |= STD_NAMES.contains(e.simpleName());
      }
      sString = clash ? "::std::string::String" : "String";
      sVec = clash ? "::std::vec::Vec" : "Vec";
      sOption = clash ? "::std::option::Option" : "Option";
      sResult = clash ? "::std::result::Result" : "Result";
      sBox = clash ? "::std::boxed::Box" : "Box";
      sSome = clash ? "::std::option::Option::Some" : "Some";
      sNone = clash ? "::std::option::Option::None" : "None";
      sOk = clash ? "::std::result::Result::Ok" : "Ok";
      sErr = clash ? "::std::result::Result::Err" : "Err";
    }

    private void line(String s) {
      out.append(s).append('\n');
    }

    /** An attribute that edition 2024 calls unsafe: {@code #[name = value]}, or {@code #[unsafe(name = value)]}. */
    private String unsafeAttr(String nameAndValue) {
      return edition2024 ? "#[unsafe(" + nameAndValue + ")]" : "#[" + nameAndValue + "]";
    }

    /** The opening of an extern block: edition 2024 requires {@code unsafe extern}. */
    private String externBlock() {
      return edition2024 ? "unsafe extern \"C\" {" : "extern \"C\" {";
    }

    /** The lint allowances of items whose unsafe functions do unsafe things (a warning in edition 2024). */
    private String unsafeOps() {
      return edition2024 ? ", unsafe_op_in_unsafe_fn" : "";
    }

    private void blank() {
      out.append('\n');
    }

    String run() {
      boolean exports = model.kind() == InterfaceModel.Kind.PLUGIN_EXPORTS;
      header(exports);
      line("#[cfg(not(target_arch = \"wasm32\"))]");
      line("compile_error!(\"Terrarium guest bindings are for wasm32 targets (rustc --target wasm32-wasip1, or wasm32-wasi before"
          + " Rust 1.78)\");");
      blank();
      pluginError();
      for (EnumModel e : types.enums) {
        enumType(e);
      }
      for (RecordModel r : types.records) {
        record(r);
      }
      if (exports) {
        exportTrait();
        exportFunctions();
        exportMacro();
      } else {
        imports();
      }
      allocatorMacro();
      manifestMacro();
      out.append(edition2024 ? RT.replace("#[allow(dead_code)]\npub mod rt", "#[allow(dead_code, unsafe_op_in_unsafe_fn)]\npub mod rt") : RT);
      return out.toString();
    }

    // --- header ------------------------------------------------------------------------------

    private void header(boolean exports) {
      String file = model.guestFileName() + ".rs";
      line("// " + file + ": Rust bindings for " + model.qualifiedName()
          + (exports ? " (@PluginExports: the plugin implements it)"
              : " (@HostImports(\"" + model.wasmModule() + "\"): the host implements it)"));
      line("// Terrarium ABI version 1 (docs/abi.md). Generated by the Terrarium annotation processor; do not edit.");
      line("// Rust edition " + (edition2024 ? "2024 (rustc 1.85 or later)" : "2018 or 2021 (rustc 1.63 or later)")
          + "; the processor option -Aterrarium.rust.edition chooses it.");
      line("//");
      line("// Include it as a module of a cdylib crate (std only; rustc --target wasm32-wasip1 --crate-type cdylib,");
      line("// wasm32-wasi before Rust 1.78):");
      line("//     #[allow(dead_code)]");
      line("//     mod " + modName + " {");
      line("//         include!(concat!(env!(\"TERRARIUM_GUEST_DIR\"), \"/" + file + "\"));");
      line("//     }");
      if (exports) {
        String trait = rustIdent(GuestNames.plain(model.simpleName()));
        line("// implement the trait and export it, and define the allocator exports once per plugin:");
        line("//     struct MyPlugin;");
        line("//     impl " + modName + "::" + trait + " for MyPlugin { ... }");
        line("//     " + modName + "::export_" + GuestNames.plain(model.guestFileName()) + "!(MyPlugin);");
      } else {
        line("// call the host's functions through the safe wrappers (" + modName + "::...), and define the allocator");
        line("// exports once per plugin:");
      }
      line("//     " + modName + "::terrarium_allocator!();");
      line("// and embed the plugin's manifest (the custom section terrarium.manifest), once per plugin:");
      line("//     " + modName + "::terrarium_manifest!(include_str!(\"manifest.json\"));");
      line("// The macros expect the module at crate::" + modName + "; elsewhere, pass its path as last argument.");
      line("//");
      if (exports) {
        line("// Ownership: the exported functions receive owned values (the generated code copies the host's");
        line("// arguments out of guest memory and frees them); what they return is copied into fresh allocations");
        line("// that the host frees. An Err(PluginError) reaches the host as PluginError with its code and message.");
      } else {
        line("// Ownership: arguments are lent to the host for the duration of the call (no copies of strings, byte");
        line("// arrays or number lists); results are copied out of the host's allocations, which are then freed.");
        line("// A host PluginError arrives as Err(PluginError).");
      }
      blank();
    }

    private void pluginError() {
      line("/// An error that crosses the boundary as a value (`PluginError` in Java): a non-zero code and a message.");
      line("#[derive(Clone, Debug, PartialEq, Eq, Hash)]");
      line("#[allow(dead_code)]");
      line("pub struct PluginError {");
      line("    code: i32,");
      line("    message: " + sString + ",");
      line("}");
      blank();
      line("#[allow(dead_code)]");
      line("impl PluginError {");
      line("    /// An error with a non-zero, application-defined code (0 means success, so it panics).");
      line("    pub fn new(code: i32, message: impl Into<" + sString + ">) -> PluginError {");
      line("        assert!(code != 0, \"a PluginError code must not be 0 (0 means success)\");");
      line("        PluginError { code, message: message.into() }");
      line("    }");
      blank();
      line("    /// The non-zero code.");
      line("    pub fn code(&self) -> i32 {");
      line("        self.code");
      line("    }");
      blank();
      line("    /// The message.");
      line("    pub fn message(&self) -> &str {");
      line("        &self.message");
      line("    }");
      blank();
      line("    /// The message, by value.");
      line("    pub fn into_message(self) -> " + sString + " {");
      line("        self.message");
      line("    }");
      line("}");
      blank();
      line("impl ::std::fmt::Display for PluginError {");
      line("    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {");
      line("        write!(f, \"{} (code {})\", self.message, self.code)");
      line("    }");
      line("}");
      blank();
      line("impl ::std::error::Error for PluginError {}");
      blank();
    }

    // --- enums -------------------------------------------------------------------------------

    private List<String> variants(EnumModel e) {
      List<String> names = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (String c : e.constants()) {
        String v = rustIdent(GuestNames.upperCamel(GuestNames.plain(c)));
        while (!seen.add(v)) {
          v = v + "_";
        }
        names.add(v);
      }
      return names;
    }

    private void enumType(EnumModel e) {
      String name = enumName(e);
      List<String> vs = variants(e);
      line("/// enum " + e.qualifiedName() + ", passed as its ordinal.");
      line("#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]");
      line("#[repr(i32)]");
      line("pub enum " + name + " {");
      for (int i = 0; i < vs.size(); i++) {
        line("    " + vs.get(i) + " = " + i + ",");
      }
      line("}");
      blank();
      line("#[allow(dead_code)]");
      line("impl " + name + " {");
      line("    /// Every constant, in ordinal order.");
      StringBuilder all = new StringBuilder();
      for (String v : vs) {
        all.append(all.length() == 0 ? "" : ", ").append(name).append("::").append(v);
      }
      line("    pub const ALL: [" + name + "; " + vs.size() + "] = [" + all + "];");
      blank();
      line("    /// The ordinal (the value on the wire).");
      line("    pub fn ordinal(self) -> i32 {");
      line("        self as i32");
      line("    }");
      blank();
      line("    /// The constant with this ordinal.");
      line("    pub fn from_ordinal(ordinal: i32) -> " + sOption + "<" + name + "> {");
      line("        match ordinal {");
      for (int i = 0; i < vs.size(); i++) {
        line("            " + i + " => " + sSome + "(" + name + "::" + vs.get(i) + "),");
      }
      line("            _ => " + sNone + ",");
      line("        }");
      line("    }");
      blank();
      line("    #[doc(hidden)]");
      line("    pub fn tr_from_raw(ordinal: i32) -> " + name + " {");
      line("        match " + name + "::from_ordinal(ordinal) {");
      line("            " + sSome + "(v) => v,");
      line("            " + sNone + " => rt::trap(),");
      line("        }");
      line("    }");
      line("}");
      blank();
    }

    // --- records -----------------------------------------------------------------------------

    private static String enumName(EnumModel e) {
      return rustIdent(GuestNames.plain(e.simpleName()));
    }

    private static String recordName(RecordModel r) {
      return rustIdent(GuestNames.plain(r.simpleName()));
    }

    private static String rawName(RecordModel r) {
      return "Raw" + GuestNames.plain(r.simpleName());
    }

    private static String fieldName(FieldModel f) {
      return rustIdent(GuestNames.plain(f.wasmName()));
    }

    /** Whether the record {@code from} contains {@code target} through inline or optional fields (not lists). */
    private static boolean reaches(RecordModel from, RecordModel target, Set<String> seen) {
      if (from.qualifiedName().equals(target.qualifiedName())) {
        return true;
      }
      if (!seen.add(from.qualifiedName())) {
        return false;
      }
      for (FieldModel f : from.fields()) {
        AbiType t = f.type() instanceof AbiType.OptionalType o ? o.inner() : f.type();
        if (t instanceof AbiType.RecordType rt && reaches(rt.model(), target, seen)) {
          return true;
        }
      }
      return false;
    }

    /** Whether a field is an optional record that must be boxed to break a cycle. */
    private static boolean boxed(RecordModel owner, FieldModel f) {
      return f.type() instanceof AbiType.OptionalType o
          && o.inner() instanceof AbiType.RecordType rt
          && reaches(rt.model(), owner, new HashSet<>());
    }

    private void record(RecordModel r) {
      String name = recordName(r);
      String raw = rawName(r);
      line("/// record " + r.qualifiedName() + ".");
      line("#[derive(Clone, Debug, PartialEq)]");
      line("pub struct " + name + " {");
      for (FieldModel f : r.fields()) {
        line("    pub " + fieldName(f) + ": " + type(f.type(), boxed(r, f)) + ",");
      }
      line("}");
      blank();
      line("/// The ABI layout of [`" + name + "`]: " + r.size() + " bytes, aligned to " + r.align() + ".");
      line("#[doc(hidden)]");
      line("#[repr(C)]");
      line("#[derive(Clone, Copy, Debug)]");
      line("pub struct " + raw + " {");
      for (FieldModel f : r.fields()) {
        line("    pub " + fieldName(f) + ": " + rawType(f.type()) + ", // offset " + f.offset());
      }
      line("}");
      blank();
      line("const _: () = assert!(::std::mem::size_of::<" + raw + ">() == " + r.size() + ");");
      line("const _: () = assert!(::std::mem::align_of::<" + raw + ">() == " + r.align() + ");");
      blank();
      line("#[allow(dead_code, unused_variables" + unsafeOps() + ")]");
      line("impl " + raw + " {");
      line("    /// Decodes a value that guest code owns, freeing every allocation it points to.");
      line("    pub unsafe fn take(self) -> " + name + " {");
      line("        " + name + " {");
      for (FieldModel f : r.fields()) {
        line("            " + fieldName(f) + ": " + take(f.type(), "self." + fieldName(f), boxed(r, f), 0) + ",");
      }
      line("        }");
      line("    }");
      blank();
      line("    /// Encodes a value into new allocations that the receiver owns.");
      line("    pub unsafe fn give(v: " + name + ") -> " + raw + " {");
      line("        " + raw + " {");
      for (FieldModel f : r.fields()) {
        line("            " + fieldName(f) + ": " + give(f.type(), "v." + fieldName(f), boxed(r, f), 0) + ",");
      }
      line("        }");
      line("    }");
      blank();
      line("    /// Encodes a borrowed value; temporary blocks live in the scratch until the call returns.");
      line("    pub unsafe fn lend(v: &" + name + ", s: &rt::Scratch) -> " + raw + " {");
      line("        " + raw + " {");
      for (FieldModel f : r.fields()) {
        String b = borrow(f.type(), "v." + fieldName(f), false, boxed(r, f));
        line("            " + fieldName(f) + ": " + lend(f.type(), b, 0, "s") + ",");
      }
      line("        }");
      line("    }");
      line("}");
      blank();
    }

    // --- type mapping --------------------------------------------------------------------------

    /** The owned Rust type. */
    private String type(AbiType t, boolean boxed) {
      if (t instanceof AbiType.Primitive p) {
        return switch (p.kind()) {
          case INT -> "i32";
          case LONG -> "i64";
          case FLOAT -> "f32";
          case DOUBLE -> "f64";
          case BOOLEAN -> "bool";
        };
      } else if (t instanceof AbiType.EnumType e) {
        return enumName(e.model());
      } else if (t instanceof AbiType.Str) {
        return sString;
      } else if (t instanceof AbiType.Bytes) {
        return sVec + "<u8>";
      } else if (t instanceof AbiType.ListType l) {
        return sVec + "<" + type(l.element(), false) + ">";
      } else if (t instanceof AbiType.RecordType r) {
        return recordName(r.model());
      } else if (t instanceof AbiType.OptionalType o) {
        String inner = type(o.inner(), false);
        return sOption + "<" + (boxed ? sBox + "<" + inner + ">" : inner) + ">";
      }
      return "()";
    }

    /** The borrowed Rust type of an import parameter. */
    private String borrowedType(AbiType t) {
      if (t instanceof AbiType.Str) {
        return "&str";
      } else if (t instanceof AbiType.Bytes) {
        return "&[u8]";
      } else if (t instanceof AbiType.ListType l) {
        return "&[" + type(l.element(), false) + "]";
      } else if (t instanceof AbiType.RecordType) {
        return "&" + type(t, false);
      } else if (t instanceof AbiType.OptionalType o) {
        return sOption + "<" + borrowedType(o.inner()) + ">";
      }
      return type(t, false);
    }

    /** The ABI-layout Rust type inside a struct or list. */
    private String rawType(AbiType t) {
      if (t instanceof AbiType.Primitive p) {
        return switch (p.kind()) {
          case INT, BOOLEAN -> "i32";
          case LONG -> "i64";
          case FLOAT -> "f32";
          case DOUBLE -> "f64";
        };
      } else if (t instanceof AbiType.EnumType) {
        return "i32";
      } else if (t instanceof AbiType.RecordType r) {
        return rawName(r.model());
      } else if (t instanceof AbiType.OptionalType o && o.inner() instanceof AbiType.RecordType) {
        return "u32";
      } else if (t instanceof AbiType.Void) {
        return "()";
      }
      return "rt::RawPair";
    }

    /** Whether a list of this element type can be lent as the Rust slice itself. */
    private static boolean directElement(AbiType t) {
      return t instanceof AbiType.EnumType
          || (t instanceof AbiType.Primitive p && p.kind() != AbiType.PrimitiveKind.BOOLEAN);
    }

    private static boolean needsScratch(AbiType t) {
      if (t instanceof AbiType.RecordType) {
        return true;
      } else if (t instanceof AbiType.ListType l) {
        return !directElement(l.element());
      } else if (t instanceof AbiType.OptionalType o) {
        return needsScratch(o.inner());
      }
      return false;
    }

    // --- conversions (expressions) ------------------------------------------------------------

    /** Owned value from a raw value that the guest owns (frees the allocations). */
    private String take(AbiType t, String e, boolean boxed, int depth) {
      String x = "x" + depth;
      if (t instanceof AbiType.Primitive p) {
        return p.kind() == AbiType.PrimitiveKind.BOOLEAN ? e + " != 0" : e;
      } else if (t instanceof AbiType.EnumType en) {
        return enumName(en.model()) + "::tr_from_raw(" + e + ")";
      } else if (t instanceof AbiType.Str) {
        return "rt::take_string(" + e + ")";
      } else if (t instanceof AbiType.Bytes) {
        return "rt::take_bytes(" + e + ")";
      } else if (t instanceof AbiType.ListType l) {
        return "rt::take_list(" + e + ", |" + x + ": " + rawType(l.element()) + "| " + take(l.element(), x, false,
            depth + 1) + ")";
      } else if (t instanceof AbiType.RecordType) {
        return e + ".take()";
      } else if (t instanceof AbiType.OptionalType o) {
        if (o.inner() instanceof AbiType.RecordType r) {
          String v = "rt::take_opt_boxed(" + e + ", |" + x + ": " + rawName(r.model()) + "| " + x + ".take())";
          return boxed ? v + ".map(" + sBox + "::new)" : v;
        }
        return "rt::take_opt(" + e + ", |" + x + ": rt::RawPair| " + take(o.inner(), x, false, depth + 1) + ")";
      }
      return "()";
    }

    /** Raw value in new allocations from an owned value. */
    private String give(AbiType t, String e, boolean boxed, int depth) {
      String x = "x" + depth;
      if (t instanceof AbiType.Primitive p) {
        return p.kind() == AbiType.PrimitiveKind.BOOLEAN ? e + " as i32" : e;
      } else if (t instanceof AbiType.EnumType) {
        return e + " as i32";
      } else if (t instanceof AbiType.Str) {
        return "rt::give_bytes(" + e + ".as_bytes())";
      } else if (t instanceof AbiType.Bytes) {
        return "rt::give_bytes(&" + e + ")";
      } else if (t instanceof AbiType.ListType l) {
        return "rt::give_list(" + e + ", |" + x + ": " + type(l.element(), false) + "| "
            + give(l.element(), x, false, depth + 1) + ")";
      } else if (t instanceof AbiType.RecordType r) {
        return rawName(r.model()) + "::give(" + e + ")";
      } else if (t instanceof AbiType.OptionalType o) {
        if (o.inner() instanceof AbiType.RecordType r) {
          return "match " + e + " { " + sSome + "(" + x + ") => rt::give_boxed(" + rawName(r.model()) + "::give("
              + (boxed ? "*" : "") + x + ")), " + sNone + " => 0 }";
        }
        return "match " + e + " { " + sSome + "(" + x + ") => " + give(o.inner(), x, false, depth + 1) + ", "
            + sNone + " => rt::RawPair::ABSENT }";
      }
      return "()";
    }

    /**
     * The borrowed form of an owned value: {@code expr} is a place of the owned type, or (when {@code isRef}) a
     * reference to one.
     */
    private String borrow(AbiType t, String expr, boolean isRef, boolean boxed) {
      if (t instanceof AbiType.Primitive || t instanceof AbiType.EnumType) {
        return isRef ? "*" + expr : expr;
      } else if (t instanceof AbiType.Str) {
        return expr + ".as_str()";
      } else if (t instanceof AbiType.Bytes || t instanceof AbiType.ListType) {
        return expr + ".as_slice()";
      } else if (t instanceof AbiType.RecordType) {
        return isRef ? expr : "&" + expr;
      } else if (t instanceof AbiType.OptionalType o) {
        return o.inner() instanceof AbiType.RecordType && !boxed ? expr + ".as_ref()" : expr + ".as_deref()";
      }
      return expr;
    }

    /** Raw value that borrows a borrowed value (temporary blocks in the scratch named {@code s}). */
    private String lend(AbiType t, String e, int depth, String s) {
      String x = "x" + depth;
      if (t instanceof AbiType.Primitive p) {
        return p.kind() == AbiType.PrimitiveKind.BOOLEAN ? e + " as i32" : e;
      } else if (t instanceof AbiType.EnumType) {
        return e + " as i32";
      } else if (t instanceof AbiType.Str) {
        return "rt::lend_bytes(" + e + ".as_bytes())";
      } else if (t instanceof AbiType.Bytes) {
        return "rt::lend_bytes(" + e + ")";
      } else if (t instanceof AbiType.ListType l) {
        if (directElement(l.element())) {
          return "rt::lend_slice(" + e + ")";
        }
        return "rt::lend_list(" + s + ", " + e + ", |" + x + ": &" + type(l.element(), false) + "| "
            + lend(l.element(), borrow(l.element(), x, true, false), depth + 1, s) + ")";
      } else if (t instanceof AbiType.RecordType r) {
        return rawName(r.model()) + "::lend(" + e + ", " + s + ")";
      } else if (t instanceof AbiType.OptionalType o) {
        if (o.inner() instanceof AbiType.RecordType r) {
          return "match " + e + " { " + sSome + "(" + x + ") => " + s + ".boxed(" + rawName(r.model()) + "::lend("
              + x + ", " + s + ")), " + sNone + " => 0 }";
        }
        return "match " + e + " { " + sSome + "(" + x + ") => " + lend(o.inner(), x, depth + 1, s) + ", " + sNone
            + " => rt::RawPair::ABSENT }";
      }
      return "()";
    }

    // --- functions ------------------------------------------------------------------------------

    private static String fnName(FunctionModel f) {
      return rustIdent(GuestNames.plain(Names.snakeCase(f.javaName())));
    }

    private static String paramName(ParamModel p) {
      return rustIdent(GuestNames.plain(p.wasmName()));
    }

    private static String describe(FunctionModel f) {
      List<String> ps = new ArrayList<>();
      for (ParamModel p : f.params()) {
        ps.add(p.type().describe() + " " + p.name());
      }
      return "`" + f.result().describe() + " " + f.javaName() + "(" + String.join(", ", ps) + ")"
          + (f.fallible() ? " throws PluginError" : "") + "`";
    }

    private static List<String> rawParamTypes(AbiType t) {
      if (t instanceof AbiType.Primitive p) {
        return List.of(switch (p.kind()) {
          case INT, BOOLEAN -> "i32";
          case LONG -> "i64";
          case FLOAT -> "f32";
          case DOUBLE -> "f64";
        });
      } else if (t instanceof AbiType.EnumType) {
        return List.of("i32");
      } else if (t instanceof AbiType.RecordType || GuestTypes.isOptRecord(t)) {
        return List.of("u32");
      }
      return List.of("u32", "u32");
    }

    private static String rawResultType(AbiType t) {
      if (t instanceof AbiType.Void) {
        return null;
      } else if (t instanceof AbiType.Primitive || t instanceof AbiType.EnumType) {
        return rawParamTypes(t).get(0);
      }
      return "u64";
    }

    private String resultType(FunctionModel f) {
      String r = f.result() instanceof AbiType.Void ? "()" : type(f.result(), false);
      return f.fallible() ? sResult + "<" + r + ", PluginError>" : r;
    }

    // --- host imports ---------------------------------------------------------------------------

    private void imports() {
      line("#[link(wasm_import_module = " + GuestNames.rustString(model.wasmModule()) + ")]");
      line(externBlock());
      for (FunctionModel f : model.functions()) {
        List<String> ps = new ArrayList<>();
        int i = 0;
        for (ParamModel p : f.params()) {
          for (String rt : rawParamTypes(p.type())) {
            ps.add("a" + (i++) + ": " + rt);
          }
        }
        if (f.fallible()) {
          ps.add("err: u32");
        }
        String rr = rawResultType(f.result());
        line("    #[link_name = " + GuestNames.rustString(f.wasmName()) + "]");
        line("    fn tr_import_" + GuestNames.plain(Names.snakeCase(f.javaName())) + "(" + String.join(", ", ps) + ")"
            + (rr == null ? "" : " -> " + rr) + ";");
      }
      line("}");
      blank();
      for (FunctionModel f : model.functions()) {
        importWrapper(f);
      }
    }

    private void importWrapper(FunctionModel f) {
      List<String> ps = new ArrayList<>();
      List<String> args = new ArrayList<>();
      List<String> prep = new ArrayList<>();
      boolean scratch = false;
      int i = 0;
      for (ParamModel p : f.params()) {
        String n = paramName(p);
        AbiType t = p.type();
        ps.add(n + ": " + borrowedType(t));
        scratch |= needsScratch(t);
        String raw = lend(t, n, 0, "tr_s");
        if (GuestTypes.isPair(t)) {
          String local = "tr_p" + i;
          prep.add("let " + local + " = " + raw + ";");
          args.add(local + ".ptr");
          args.add(local + ".len");
        } else if (t instanceof AbiType.RecordType) {
          args.add("tr_s.boxed(" + raw + ")");
        } else {
          args.add(raw);
        }
        i++;
      }
      if (f.fallible()) {
        args.add("&mut tr_err as *mut rt::RawError as usize as u32");
      }
      AbiType result = f.result();
      boolean isVoid = result instanceof AbiType.Void;
      line("/// " + describe(f) + ": calls `" + model.wasmModule() + "." + f.wasmName() + "`.");
      line("#[allow(unused_unsafe)]");
      String r = resultType(f);
      line("pub fn " + fnName(f) + "(" + String.join(", ", ps) + ")" + (r.equals("()") ? "" : " -> " + r) + " {");
      line("    unsafe {");
      if (scratch) {
        line("        let tr_s = &rt::Scratch::new();");
      }
      for (String pr : prep) {
        line("        " + pr);
      }
      if (f.fallible()) {
        line("        let mut tr_err = rt::RawError::default();");
      }
      String call = "tr_import_" + GuestNames.plain(Names.snakeCase(f.javaName())) + "(" + String.join(", ", args)
          + ")";
      if (isVoid) {
        line("        " + call + ";");
      } else {
        line("        let tr_raw = " + call + ";");
      }
      if (f.fallible()) {
        line("        let tr_err = ::std::ptr::read_volatile(&tr_err);");
        line("        if tr_err.code != 0 {");
        line("            return " + sErr + "(PluginError::new(tr_err.code, rt::take_string(tr_err.message)));");
        line("        }");
      }
      String value = isVoid ? "()" : decodeResult(result, "tr_raw");
      line("        " + (f.fallible() ? sOk + "(" + value + ")" : value));
      line("    }");
      line("}");
      blank();
    }

    /** The owned result from a raw wasm result that the guest now owns. */
    private String decodeResult(AbiType t, String raw) {
      if (t instanceof AbiType.RecordType r) {
        return "rt::take_boxed(rt::unpack(" + raw + ").ptr, |x0: " + rawName(r.model()) + "| x0.take())";
      } else if (t instanceof AbiType.OptionalType o && o.inner() instanceof AbiType.RecordType r) {
        return "rt::take_opt_boxed(rt::unpack(" + raw + ").ptr, |x0: " + rawName(r.model()) + "| x0.take())";
      } else if (GuestTypes.isPair(t)) {
        return take(t, "rt::unpack(" + raw + ")", false, 0);
      }
      return take(t, raw, false, 0);
    }

    // --- plugin exports ---------------------------------------------------------------------------

    private String traitName() {
      return rustIdent(GuestNames.plain(model.simpleName()));
    }

    private void exportTrait() {
      line("/// " + model.qualifiedName() + ": implement it and export the implementation with `export_"
          + GuestNames.plain(model.guestFileName()) + "!`.");
      line("pub trait " + traitName() + " {");
      for (FunctionModel f : model.functions()) {
        List<String> ps = new ArrayList<>();
        for (ParamModel p : f.params()) {
          ps.add(paramName(p) + ": " + type(p.type(), false));
        }
        line("    /// " + describe(f) + ", export `" + f.wasmName() + "`.");
        String r = resultType(f);
        line("    fn " + fnName(f) + "(" + String.join(", ", ps) + ")" + (r.equals("()") ? "" : " -> " + r) + ";");
      }
      line("}");
      blank();
    }

    private List<String> exportRawParams(FunctionModel f) {
      List<String> ps = new ArrayList<>();
      int i = 0;
      for (ParamModel p : f.params()) {
        for (String rt : rawParamTypes(p.type())) {
          ps.add("a" + (i++) + ": " + rt);
        }
      }
      if (f.fallible()) {
        ps.add("err: u32");
      }
      return ps;
    }

    private static String names(List<String> params) {
      List<String> n = new ArrayList<>();
      for (String p : params) {
        n.add(p.substring(0, p.indexOf(':')));
      }
      return String.join(", ", n);
    }

    private void exportFunctions() {
      for (FunctionModel f : model.functions()) {
        List<String> rawParams = exportRawParams(f);
        String rr = rawResultType(f.result());
        line("/// The body of export `" + f.wasmName() + "` (see `export_" + GuestNames.plain(model.guestFileName())
            + "!`).");
        line("#[doc(hidden)]");
        if (edition2024) {
          line("#[allow(unsafe_op_in_unsafe_fn)]");
        }
        line("pub unsafe fn __tr_export_" + GuestNames.plain(Names.snakeCase(f.javaName())) + "<T: " + traitName()
            + ">(" + String.join(", ", rawParams) + ")" + (rr == null ? "" : " -> " + rr) + " {");
        List<String> args = new ArrayList<>();
        int a = 0;
        int i = 0;
        for (ParamModel p : f.params()) {
          AbiType t = p.type();
          String local = "p" + i;
          String value;
          if (t instanceof AbiType.RecordType r) {
            value = "rt::take_boxed(a" + a + ", |x0: " + rawName(r.model()) + "| x0.take())";
            a++;
          } else if (t instanceof AbiType.OptionalType o && o.inner() instanceof AbiType.RecordType r) {
            value = "rt::take_opt_boxed(a" + a + ", |x0: " + rawName(r.model()) + "| x0.take())";
            a++;
          } else if (GuestTypes.isPair(t)) {
            value = take(t, "rt::RawPair { ptr: a" + a + ", len: a" + (a + 1) + " }", false, 0);
            a += 2;
          } else {
            value = take(t, "a" + a, false, 0);
            a++;
          }
          line("    let " + local + " = " + value + ";");
          args.add(local);
          i++;
        }
        String call = "T::" + fnName(f) + "(" + String.join(", ", args) + ")";
        AbiType result = f.result();
        boolean isVoid = result instanceof AbiType.Void;
        if (f.fallible()) {
          line("    match " + call + " {");
          line("        " + sOk + (isVoid ? "(()) => {}" : "(r) => " + encodeResult(result, "r")) + ",");
          line("        " + sErr + "(e) => {");
          line("            rt::give_error(err, e.code(), e.message());");
          if (!isVoid) {
            line("            " + zero(result));
          }
          line("        }");
          line("    }");
        } else if (isVoid) {
          line("    " + call + ";");
        } else {
          line("    let r = " + call + ";");
          line("    " + encodeResult(result, "r"));
        }
        line("}");
        blank();
      }
    }

    private static String zero(AbiType t) {
      String r = rawResultType(t);
      return switch (r) {
        case "f32", "f64" -> "0.0";
        default -> "0";
      };
    }

    /** The raw wasm result handing an owned value to the host. */
    private String encodeResult(AbiType t, String v) {
      if (t instanceof AbiType.RecordType r) {
        String raw = rawName(r.model());
        return "rt::pack(rt::give_boxed(" + raw + "::give(" + v + ")), ::std::mem::size_of::<" + raw + ">() as u32)";
      } else if (t instanceof AbiType.OptionalType o && o.inner() instanceof AbiType.RecordType r) {
        String raw = rawName(r.model());
        return "match " + v + " { " + sSome + "(x0) => rt::pack(rt::give_boxed(" + raw + "::give(x0)), "
            + "::std::mem::size_of::<" + raw + ">() as u32), " + sNone + " => rt::pack(0, rt::ABSENT) }";
      } else if (GuestTypes.isPair(t)) {
        return "{ let x = " + give(t, v, false, 0) + "; rt::pack(x.ptr, x.len) }";
      }
      return give(t, v, false, 0);
    }

    private void exportMacro() {
      String macro = "export_" + GuestNames.plain(model.guestFileName());
      line("/// Defines the wasm exports of " + model.simpleName() + " for a type that implements ["
          + traitName() + "]:");
      line("/// `" + macro + "!(MyPlugin)` when this module is `crate::" + modName + "`, otherwise");
      line("/// `" + macro + "!(MyPlugin, path::to::" + modName + ")`. Use it once per plugin.");
      line("#[allow(unused_macros)]");
      line("macro_rules! " + macro + " {");
      line("    ($t:ty) => {");
      macroBody("$crate::" + modName);
      line("    };");
      line("    ($t:ty, $m:path) => {");
      macroBody("$m");
      line("    };");
      line("}");
      line("#[allow(unused_imports)]");
      line("pub(crate) use " + macro + ";");
      blank();
    }

    private void macroBody(String path) {
      line("        const _: () = {");
      line("            use " + path + " as tr_m;");
      for (FunctionModel f : model.functions()) {
        List<String> rawParams = exportRawParams(f);
        String rr = rawResultType(f.result());
        String fn = GuestNames.plain(Names.snakeCase(f.javaName()));
        line("            " + unsafeAttr("export_name = " + GuestNames.rustString(f.wasmName())));
        if (edition2024) {
          line("            #[allow(unsafe_op_in_unsafe_fn)]");
        }
        line("            pub unsafe extern \"C\" fn tr_export_" + fn + "(" + String.join(", ", rawParams) + ")"
            + (rr == null ? "" : " -> " + rr) + " {");
        line("                tr_m::__tr_export_" + fn + "::<$t>(" + names(rawParams) + ")");
        line("            }");
      }
      line("        };");
    }

    private void allocatorMacro() {
      line("/// Defines the exports `alloc` and `dealloc` (std::alloc, 8-byte aligned) that the ABI requires. Invoke it");
      line("/// exactly once per plugin, from any one module: `" + modName + "::terrarium_allocator!();`. `alloc` returns");
      line("/// 0 for size 0, and for a larger size only when the memory cannot grow (the host then reports its limit).");
      line("#[allow(unused_macros)]");
      line("macro_rules! terrarium_allocator {");
      line("    () => {");
      line("        const _: () = {");
      line("            " + unsafeAttr("export_name = \"alloc\""));
      if (edition2024) {
        line("            #[allow(unsafe_op_in_unsafe_fn)]");
      }
      line("            pub unsafe extern \"C\" fn tr_alloc(size: u32) -> u32 {");
      line("                if size == 0 {");
      line("                    return 0;");
      line("                }");
      line("                match ::std::alloc::Layout::from_size_align(size as usize, 8) {");
      line("                    Ok(layout) => ::std::alloc::alloc(layout) as usize as u32,");
      line("                    Err(_) => 0,");
      line("                }");
      line("            }");
      line("            " + unsafeAttr("export_name = \"dealloc\""));
      if (edition2024) {
        line("            #[allow(unsafe_op_in_unsafe_fn)]");
      }
      line("            pub unsafe extern \"C\" fn tr_dealloc(ptr: u32, size: u32) {");
      line("                if ptr != 0 && size != 0 {");
      line("                    let layout = ::std::alloc::Layout::from_size_align_unchecked(size as usize, 8);");
      line("                    ::std::alloc::dealloc(ptr as usize as *mut u8, layout);");
      line("                }");
      line("            }");
      line("            // Referencing __wasm_call_ctors tells wasm-ld that constructors are taken care of, so it does");
      line("            // not wrap every export in a call of the constructors (which, with Rust's std, would read the");
      line("            // WASI environment on every call). Terrarium runs no constructors; nothing here needs them.");
      line("            " + externBlock());
      line("                fn __wasm_call_ctors();");
      line("            }");
      line("            #[used]");
      line("            static TR_CTORS: unsafe extern \"C\" fn() = __wasm_call_ctors;");
      line("        };");
      line("    };");
      line("}");
      line("#[allow(unused_imports)]");
      line("pub(crate) use terrarium_allocator;");
      blank();
    }

    private void manifestMacro() {
      line("/// Embeds the plugin's manifest (JSON text) as the custom section `terrarium.manifest`, which the host reads");
      line("/// when no manifest is given beside the module (docs/manifest.md). Invoke it at most once per plugin, with a");
      line("/// string constant: `" + modName + "::terrarium_manifest!(include_str!(\"manifest.json\"));` or");
      line("/// `" + modName + "::terrarium_manifest!(r#\"{\"id\":\"my-plugin\",\"version\":\"1.0.0\"}\"#);`. The bytes are the text exactly;");
      line("/// nothing is counted by hand. (A section that a post-link step drops, such as a round trip through the text");
      line("/// format, must be added again afterwards, e.g. with `terrarium manifest embed`.)");
      line("#[allow(unused_macros)]");
      line("macro_rules! terrarium_manifest {");
      line("    ($json:expr) => {");
      line("        const _: () = {");
      line("            const TR_JSON: &str = $json;");
      line("            const TR_LEN: usize = TR_JSON.len();");
      line("            const fn tr_bytes(s: &str) -> [u8; TR_LEN] {");
      line("                let b = s.as_bytes();");
      line("                let mut out = [0u8; TR_LEN];");
      line("                let mut i = 0;");
      line("                while i < TR_LEN {");
      line("                    out[i] = b[i];");
      line("                    i += 1;");
      line("                }");
      line("                out");
      line("            }");
      line("            #[used]");
      line("            " + unsafeAttr("link_section = \"terrarium.manifest\""));
      line("            static TR_MANIFEST: [u8; TR_LEN] = tr_bytes(TR_JSON);");
      line("        };");
      line("    };");
      line("}");
      line("#[allow(unused_imports)]");
      line("pub(crate) use terrarium_manifest;");
      blank();
    }
  }

  /** The runtime helpers every module carries (private to the module's users in spirit). */
  private static final String RT =
      """
      /// Helpers of the generated code (ABI encoding, decoding and ownership).
      #[doc(hidden)]
      #[allow(dead_code)]
      pub mod rt {
          use std::alloc::Layout;
          use std::cell::RefCell;
          use std::mem::size_of;

          /// The length word of an absent value.
          pub const ABSENT: u32 = u32::MAX;

          /// The ABI's `(ptr, len)` pair of strings, byte arrays and lists.
          #[repr(C)]
          #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
          pub struct RawPair {
              pub ptr: u32,
              pub len: u32,
          }

          impl RawPair {
              pub const EMPTY: RawPair = RawPair { ptr: 0, len: 0 };
              pub const ABSENT: RawPair = RawPair { ptr: 0, len: ABSENT };
          }

          /// The ABI's 12-byte error slot.
          #[repr(C)]
          #[derive(Clone, Copy, Debug, Default)]
          pub struct RawError {
              pub code: i32,
              pub message: RawPair,
          }

          const _: () = assert!(size_of::<RawPair>() == 8 && std::mem::align_of::<RawPair>() == 4);
          const _: () = assert!(size_of::<RawError>() == 12);
          const _: () = assert!(size_of::<usize>() == 4);

          /// The address of a record without fields (never freed: its size is 0).
          static EMPTY_RECORD: [u64; 1] = [0];

          pub fn trap() -> ! {
              core::arch::wasm32::unreachable()
          }

          fn layout(size: usize) -> Layout {
              match Layout::from_size_align(size, 8) {
                  Ok(layout) => layout,
                  Err(_) => trap(),
              }
          }

          fn addr<T>(p: *const T) -> u32 {
              p as usize as u32
          }

          /// Allocates like the `alloc` export (8-byte aligned); null for size 0; aborts when memory is exhausted.
          pub unsafe fn alloc(size: usize) -> *mut u8 {
              if size == 0 {
                  return std::ptr::null_mut();
              }
              let p = std::alloc::alloc(layout(size));
              if p.is_null() {
                  std::alloc::handle_alloc_error(layout(size));
              }
              p
          }

          /// Frees like the `dealloc` export; nothing for null or size 0.
          pub unsafe fn dealloc(ptr: *mut u8, size: usize) {
              if !ptr.is_null() && size != 0 {
                  std::alloc::dealloc(ptr, layout(size));
              }
          }

          pub fn pack(ptr: u32, len: u32) -> u64 {
              ((ptr as u64) << 32) | len as u64
          }

          pub fn unpack(packed: u64) -> RawPair {
              RawPair { ptr: (packed >> 32) as u32, len: packed as u32 }
          }

          // --- taking ownership: copy out, then free ---

          pub unsafe fn take_bytes(p: RawPair) -> Vec<u8> {
              if p.ptr == 0 || p.len == 0 || p.len == ABSENT {
                  return Vec::new();
              }
              let n = p.len as usize;
              let v = std::slice::from_raw_parts(p.ptr as usize as *const u8, n).to_vec();
              dealloc(p.ptr as usize as *mut u8, n);
              v
          }

          pub unsafe fn take_string(p: RawPair) -> String {
              match String::from_utf8(take_bytes(p)) {
                  Ok(s) => s,
                  Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
              }
          }

          pub unsafe fn take_list<R: Copy, T>(p: RawPair, mut f: impl FnMut(R) -> T) -> Vec<T> {
              if p.len == 0 || p.len == ABSENT || (p.ptr == 0 && size_of::<R>() != 0) {
                  return Vec::new();
              }
              let n = p.len as usize;
              let mut out = Vec::with_capacity(n);
              if size_of::<R>() == 0 {
                  for _ in 0..n {
                      out.push(f(std::mem::zeroed()));
                  }
                  return out;
              }
              let base = p.ptr as usize as *const R;
              for i in 0..n {
                  out.push(f(base.add(i).read_unaligned()));
              }
              dealloc(p.ptr as usize as *mut u8, n * size_of::<R>());
              out
          }

          pub unsafe fn take_opt<T>(p: RawPair, f: impl FnOnce(RawPair) -> T) -> Option<T> {
              if p.len == ABSENT {
                  None
              } else {
                  Some(f(p))
              }
          }

          pub unsafe fn take_boxed<R: Copy, T>(ptr: u32, f: impl FnOnce(R) -> T) -> T {
              if size_of::<R>() == 0 {
                  return f(std::mem::zeroed());
              }
              if ptr == 0 {
                  trap();
              }
              let r = (ptr as usize as *const R).read_unaligned();
              dealloc(ptr as usize as *mut u8, size_of::<R>());
              f(r)
          }

          pub unsafe fn take_opt_boxed<R: Copy, T>(ptr: u32, f: impl FnOnce(R) -> T) -> Option<T> {
              if ptr == 0 {
                  None
              } else {
                  Some(take_boxed(ptr, f))
              }
          }

          // --- giving: new allocations that the receiver frees ---

          pub unsafe fn give_bytes(b: &[u8]) -> RawPair {
              if b.is_empty() {
                  return RawPair::EMPTY;
              }
              let p = alloc(b.len());
              std::ptr::copy_nonoverlapping(b.as_ptr(), p, b.len());
              RawPair { ptr: addr(p), len: b.len() as u32 }
          }

          pub unsafe fn give_list<T, R>(v: Vec<T>, mut f: impl FnMut(T) -> R) -> RawPair {
              if v.is_empty() {
                  return RawPair::EMPTY;
              }
              let n = v.len();
              if size_of::<R>() == 0 {
                  return RawPair { ptr: 0, len: n as u32 };
              }
              let p = alloc(n * size_of::<R>()) as *mut R;
              for (i, x) in v.into_iter().enumerate() {
                  p.add(i).write_unaligned(f(x));
              }
              RawPair { ptr: addr(p), len: n as u32 }
          }

          pub unsafe fn give_boxed<R>(r: R) -> u32 {
              if size_of::<R>() == 0 {
                  return addr(EMPTY_RECORD.as_ptr());
              }
              let p = alloc(size_of::<R>()) as *mut R;
              p.write_unaligned(r);
              addr(p)
          }

          /// Writes an error into the host's error slot (the host frees the message).
          pub unsafe fn give_error(slot: u32, code: i32, message: &str) {
              if slot == 0 {
                  return;
              }
              let message = give_bytes(message.as_bytes());
              (slot as usize as *mut RawError).write_unaligned(RawError { code, message });
          }

          // --- lending: borrowed for the duration of a host call ---

          /// Temporary blocks of one host call, freed when it is dropped.
          pub struct Scratch {
              blocks: RefCell<Vec<(*mut u8, usize)>>,
          }

          impl Scratch {
              pub fn new() -> Scratch {
                  Scratch { blocks: RefCell::new(Vec::new()) }
              }

              unsafe fn block(&self, size: usize) -> *mut u8 {
                  let p = alloc(size);
                  if !p.is_null() {
                      self.blocks.borrow_mut().push((p, size));
                  }
                  p
              }

              pub unsafe fn boxed<R>(&self, r: R) -> u32 {
                  if size_of::<R>() == 0 {
                      return addr(EMPTY_RECORD.as_ptr());
                  }
                  let p = self.block(size_of::<R>()) as *mut R;
                  p.write_unaligned(r);
                  addr(p)
              }
          }

          impl Drop for Scratch {
              fn drop(&mut self) {
                  for &(p, size) in self.blocks.borrow().iter() {
                      unsafe { dealloc(p, size) }
                  }
              }
          }

          pub fn lend_bytes(b: &[u8]) -> RawPair {
              if b.is_empty() {
                  RawPair::EMPTY
              } else {
                  RawPair { ptr: addr(b.as_ptr()), len: b.len() as u32 }
              }
          }

          /// A slice of numbers or enums, whose memory already has the ABI layout.
          pub fn lend_slice<T: Copy>(v: &[T]) -> RawPair {
              if v.is_empty() {
                  RawPair::EMPTY
              } else {
                  RawPair { ptr: addr(v.as_ptr()), len: v.len() as u32 }
              }
          }

          pub unsafe fn lend_list<T, R>(s: &Scratch, v: &[T], mut f: impl FnMut(&T) -> R) -> RawPair {
              if v.is_empty() {
                  return RawPair::EMPTY;
              }
              if size_of::<R>() == 0 {
                  return RawPair { ptr: 0, len: v.len() as u32 };
              }
              let p = s.block(v.len() * size_of::<R>()) as *mut R;
              for (i, x) in v.iter().enumerate() {
                  p.add(i).write_unaligned(f(x));
              }
              RawPair { ptr: addr(p), len: v.len() as u32 }
          }
      }
      """;
}
