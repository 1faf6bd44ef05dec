#!/usr/bin/env bash
# Builds the sample WebAssembly plugins and test fixtures of the sample-plugins module
# from source (WAT, Rust, C) and writes them where Maven packs them into the jar.
#
# Usage: scripts/build-sample-plugins.sh [OUTPUT_DIR]
#   OUTPUT_DIR defaults to sample-plugins/target/classes/dev/terrarium/samples
#   TERRARIUM_GUEST_DIR (environment) is where the greeter plugins find the C and Rust bindings that the
#   annotation processor generated from dev.terrarium.samples.abi (greeter.h, key_value_store.h, greeter.rs,
#   key_value_store.rs; shared_state.rs for shell-repl); it defaults to sample-plugins/target/classes/META-INF/terrarium/guest, so javac must
#   have run first (Maven runs this script in process-classes).
#
# Called by Maven (exec-maven-plugin, phase process-classes, after javac and the annotation
# processor) of sample-plugins. Builds everything on every run (it takes a few seconds) and
# replaces the previous output (index.txt, *.wasm and fixtures/ in OUTPUT_DIR; the class files
# that javac puts there too are left alone), so it is idempotent. Needs only bash and coreutils
# besides the guest toolchains, which scripts/install-toolchains.sh installs (Debian packages):
#   wat2wasm, wasm-validate, wasm-objdump, wasm2wat (wabt)   WAT <-> wasm, checks
#   /usr/bin/rustc + wasm32-wasi std               Rust -> wasm (Debian's rustc, never rustup's)
#   clang + wasm-ld + wasi-libc + compiler-rt      C -> wasm
#   node + npm (Debian: nodejs npm)                AssemblyScript -> wasm: npm ci installs the compiler that
#                                                  sample-plugins/package-lock.json pins into sample-plugins/node_modules
set -euo pipefail
export LC_ALL=C

die() {
  echo "build-sample-plugins: error: $*" >&2
  exit 1
}

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
MODULE="$ROOT/sample-plugins"
SRC="$MODULE/src/main"
OUT="${1:-$MODULE/target/classes/dev/terrarium/samples}"
GUEST_DIR="${TERRARIUM_GUEST_DIR:-$MODULE/target/classes/META-INF/terrarium/guest}"

# --- toolchains -----------------------------------------------------------------------

bash "$SCRIPT_DIR/install-toolchains.sh" ||
  die "scripts/install-toolchains.sh failed; install the guest toolchains by hand (see sample-plugins/README.md)"

RUSTC=/usr/bin/rustc   # Debian's rustc; a rustup rustc on the PATH must not be used
CLANG=/usr/bin/clang
WASI_SYSROOT=/usr      # wasi-libc: /usr/include/wasm32-wasi, /usr/lib/wasm32-wasi

require_tool() { # NAME PACKAGE
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found (Debian package: $2)"
}
require_file() { # PATH PACKAGE
  [ -e "$1" ] || die "'$1' not found (Debian package: $2)"
}

require_tool wat2wasm wabt
require_tool wasm-validate wabt
require_tool wasm-objdump wabt
require_tool wasm2wat wabt
require_file "$RUSTC" rustc
require_file "$("$RUSTC" --print sysroot)/lib/rustlib/wasm32-wasi" libstd-rust-dev-wasm32
require_file "$CLANG" clang
require_file "$("$CLANG" -print-prog-name=wasm-ld)" lld
require_file "$WASI_SYSROOT/lib/wasm32-wasi/libc.a" wasi-libc
require_file "$WASI_SYSROOT/lib/wasm32-wasi/crt1-command.o" wasi-libc
require_file "$("$CLANG" --target=wasm32-wasi -print-libgcc-file-name)" libclang-rt-14-dev-wasm32
require_tool node "nodejs (Node.js 20 or later)"
require_tool npm npm

# The AssemblyScript compiler, as sample-plugins/package-lock.json pins it: npm ci (which needs the npm registry, or
# npm's cache) runs when node_modules does not hold exactly the pinned version, so later builds work offline.
ASC="$MODULE/node_modules/.bin/asc"
asc_wanted=$(sed -n 's/^ *"assemblyscript": *"\([^"]*\)".*/\1/p' "$MODULE/package.json")
asc_have=""
if [ -f "$MODULE/node_modules/assemblyscript/package.json" ]; then
  asc_have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$MODULE/node_modules/assemblyscript/package.json" | head -1)
fi
if [ ! -x "$ASC" ] || [ "$asc_have" != "$asc_wanted" ]; then
  (cd "$MODULE" && npm ci --no-audit --no-fund --loglevel=error >&2) ||
    die "npm ci in sample-plugins failed: the AssemblyScript compiler $asc_wanted could not be installed (it needs the npm registry once)"
fi
[ -x "$ASC" ] || die "$ASC not found after npm ci"

# --- helpers --------------------------------------------------------------------------

# Prints N as unsigned LEB128, as printf escapes ("\ooo" per byte).
leb128_escapes() { # N
  local n=$1 byte out=""
  while :; do
    byte=$((n & 0x7f))
    n=$((n >> 7))
    if [ "$n" -ne 0 ]; then byte=$((byte | 0x80)); fi
    out+=$(printf '\\%03o' "$byte")
    if [ "$n" -eq 0 ]; then break; fi
  done
  printf '%s' "$out"
}

# Appends a custom section NAME whose content is the text of CONTENT_FILE (trailing
# newlines removed) to the wasm module WASM. A custom section is: byte 0x00,
# LEB128(payload size), payload; payload = LEB128(name length), name, content.
# Custom sections may appear anywhere, so appending one to a valid module keeps it valid.
append_custom_section() { # WASM NAME CONTENT_FILE
  local wasm=$1 name=$2 content_file=$3 content payload name_len payload_len
  [ -f "$content_file" ] || die "missing manifest $content_file"
  content=$(<"$content_file")
  payload=$(mktemp "$STAGE/payload.XXXXXX")
  name_len=$(printf '%s' "$name" | wc -c)
  # shellcheck disable=SC2059 # the format is made of our own escapes
  printf "$(leb128_escapes "$name_len")" >"$payload"
  printf '%s' "$name" >>"$payload"
  printf '%s' "$content" >>"$payload"
  payload_len=$(wc -c <"$payload")
  {
    printf '\000'
    # shellcheck disable=SC2059
    printf "$(leb128_escapes "$payload_len")"
    cat "$payload"
  } >>"$wasm"
  rm -f "$payload"
  wasm-objdump -h "$wasm" | grep -q "\"$name\"" ||
    die "custom section $name not found in $wasm after appending it"
}

require_manifest_section() { # WASM
  wasm-objdump -h "$1" | grep -q '"terrarium.manifest"' ||
    die "$1 has no terrarium.manifest custom section"
}

# Fails unless every import of WASM comes from the wasm module MODULE (e.g. only kv.* for the greeters).
require_only_imports() { # WASM MODULE
  local others
  others=$(wasm-objdump -x -j Import "$1" | sed -n 's/^ - .* <- \(.*\)$/\1/p' | grep -v "^$2\." || true)
  [ -z "$others" ] || die "$1 imports more than $2.*: $(echo "$others" | tr '\n' ' ')"
}

# Replaces every WASI import of WASM by a function of the same type that traps (unreachable). Rust's std
# always links its panic machinery, which imports fd_write (the panic message), environ_get and
# environ_sizes_get (RUST_BACKTRACE) and proc_exit, although a plugin that does not panic never calls them;
# without them the module needs no WASI capability. A panic then traps at its first WASI call. The module
# makes a round trip through the text format, which keeps the names but drops custom sections (add the
# manifest afterwards).
stub_wasi_imports() { # WASM
  local wasm=$1 wat
  wat=$(mktemp "$STAGE/stub.XXXXXX.wat")
  wasm2wat --generate-names "$wasm" -o "$wat"
  awk '
    /^  \(import "wasi_snapshot_preview1" "[a-z_]+" \(func \$[^ ]+ \(type [^)]+\)\)\)$/ {
      match($0, /\(func \$[^ ]+ \(type [^)]+\)/)
      stubs[++n] = "  " substr($0, RSTART, RLENGTH) " unreachable)"
      next
    }
    { lines[++m] = $0 }
    END {
      # the last line ends with the module'"'"'s closing parenthesis: put the stubs before it
      sub(/\)$/, "", lines[m])
      for (i = 1; i <= m; i++) print lines[i]
      for (j = 1; j <= n; j++) print stubs[j]
      print ")"
    }' "$wat" >"$wat.out"
  wat2wasm --debug-names "$wat.out" -o "$wasm"
  rm -f "$wat" "$wat.out"
}

validate() { # WASM...
  local f
  for f in "$@"; do
    wasm-validate "$f" || die "$f is not a valid module"
  done
}

# --- build into a staging directory, then replace the output ---------------------------

mkdir -p "$(dirname "$OUT")"
STAGE=$(mktemp -d "$(dirname "$OUT")/.samples-build.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
chmod 755 "$STAGE"
mkdir -p "$STAGE/fixtures"

# 1. hello.wasm (WAT + appended manifest)
wat2wasm "$SRC/wat/hello.wat" -o "$STAGE/hello.wasm"
append_custom_section "$STAGE/hello.wasm" terrarium.manifest "$SRC/manifests/hello.json"

# 2. echo-shell.wasm (Rust, std only; the manifest is a #[link_section] static)
"$RUSTC" --edition 2021 --crate-name echo_shell --crate-type bin --target wasm32-wasi \
  -C opt-level=2 -C strip=debuginfo \
  -o "$STAGE/echo-shell.wasm" "$SRC/rust/echo_shell.rs"
require_manifest_section "$STAGE/echo-shell.wasm"

# 3. sizer.wasm (C + wasi-libc, appended manifest)
"$CLANG" --target=wasm32-wasi --sysroot="$WASI_SYSROOT" -O2 -Wall -Wextra -Werror \
  -Wl,--strip-debug \
  -o "$STAGE/sizer.wasm" "$SRC/c/sizer.c"
append_custom_section "$STAGE/sizer.wasm" terrarium.manifest "$SRC/manifests/sizer.json"

# 4. greeter-c.wasm and greeter-rust.wasm: the Greeter plugins, written against the bindings the annotation
#    processor generated (no entry point, exports only; they import nothing but kv.*)
for f in greeter.h key_value_store.h greeter.rs key_value_store.rs; do
  [ -f "$GUEST_DIR/$f" ] ||
    die "generated guest binding $GUEST_DIR/$f not found: compile sample-plugins first (mvn compile runs the Terrarium annotation processor), or set TERRARIUM_GUEST_DIR"
done
"$CLANG" --target=wasm32-wasi --sysroot="$WASI_SYSROOT" -O2 -Wall -Wextra -Werror \
  -nostartfiles -Wl,--no-entry -Wl,--strip-debug -I"$GUEST_DIR" \
  -o "$STAGE/greeter-c.wasm" "$SRC/c/greeter/greeter.c"
require_only_imports "$STAGE/greeter-c.wasm" kv
require_manifest_section "$STAGE/greeter-c.wasm" # TR_MANIFEST in greeter.c

TERRARIUM_GUEST_DIR="$GUEST_DIR" "$RUSTC" --edition 2021 --crate-name greeter_rust --crate-type cdylib \
  --target wasm32-wasi -C opt-level=2 -C strip=debuginfo \
  -o "$STAGE/greeter-rust.wasm" "$SRC/rust/greeter/greeter.rs"
stub_wasi_imports "$STAGE/greeter-rust.wasm"
require_only_imports "$STAGE/greeter-rust.wasm" kv
append_custom_section "$STAGE/greeter-rust.wasm" terrarium.manifest "$SRC/manifests/greeter-rust.json"

# 4a. greeter-as.wasm: the same plugin in AssemblyScript, compiled in a directory that holds its source and the
#     bindings the processor generated (plugin.ts imports ./greeter and ./key_value_store); the runtime's start
#     function registers the implementation; --use abort= leaves no env.abort import, so only kv.* remain.
for f in greeter.ts greeter_exports.ts key_value_store.ts; do
  [ -f "$GUEST_DIR/$f" ] ||
    die "generated guest binding $GUEST_DIR/$f not found: compile sample-plugins first, or set TERRARIUM_GUEST_DIR (if its classes were compiled by an older abi-codegen, which wrote no .ts files, run mvn clean in sample-plugins)"
done
AS_SRC="$STAGE/as-greeter"
mkdir -p "$AS_SRC"
cp "$SRC/assemblyscript/greeter/plugin.ts" "$GUEST_DIR/greeter.ts" "$GUEST_DIR/greeter_exports.ts" \
  "$GUEST_DIR/key_value_store.ts" "$AS_SRC/"
(cd "$AS_SRC" && "$ASC" plugin.ts --runtime incremental --use abort= -O3 -o "$STAGE/greeter-as.wasm") ||
  die "asc failed to build greeter-as.wasm"
rm -rf "$AS_SRC"
require_only_imports "$STAGE/greeter-as.wasm" kv
append_custom_section "$STAGE/greeter-as.wasm" terrarium.manifest "$SRC/manifests/greeter-as.json"

# 4b. shell-repl.wasm: the guest REPL of the embedded shell server (Rust, std only, a WASI command), written
#     against the generated bindings of SharedState (host module shell); the manifest is a #[link_section]
#     static. It defines wasi-libc's two environment functions itself (an empty environment), so its imports
#     are exactly shell.* and fd_read, fd_write, proc_exit.
[ -f "$GUEST_DIR/shared_state.rs" ] ||
  die "generated guest binding $GUEST_DIR/shared_state.rs not found: compile sample-plugins first, or set TERRARIUM_GUEST_DIR"
TERRARIUM_GUEST_DIR="$GUEST_DIR" "$RUSTC" --edition 2021 --crate-name shell_repl --crate-type bin \
  --target wasm32-wasi -C opt-level=2 -C strip=debuginfo \
  -o "$STAGE/shell-repl.wasm" "$SRC/rust/shell_repl.rs"
require_manifest_section "$STAGE/shell-repl.wasm"
repl_imports=$(wasm-objdump -x -j Import "$STAGE/shell-repl.wasm" | sed -n 's/^ - .* <- \(.*\)$/\1/p' | sort | tr '\n' ' ')
[ "$repl_imports" = "shell.add shell.get shell.set shell.sum wasi_snapshot_preview1.fd_read wasi_snapshot_preview1.fd_write wasi_snapshot_preview1.proc_exit " ] ||
  die "shell-repl.wasm must import exactly shell.{add,get,set,sum} and fd_read, fd_write, proc_exit; it imports: $repl_imports"

# 5. kernels.wasm: compute kernels for the fuel-metering benchmark (C, no libc calls, no entry point; it
#    imports nothing at all)
"$CLANG" --target=wasm32-wasi --sysroot="$WASI_SYSROOT" -O2 -Wall -Wextra -Werror \
  -nostartfiles -Wl,--no-entry -Wl,--strip-debug \
  -o "$STAGE/kernels.wasm" "$SRC/c/kernels/kernels.c"
if [ -n "$(wasm-objdump -x -j Import "$STAGE/kernels.wasm" 2>/dev/null | sed -n 's/^ - .* <- \(.*\)$/\1/p')" ]; then
  die "kernels.wasm must import nothing"
fi
append_custom_section "$STAGE/kernels.wasm" terrarium.manifest "$SRC/manifests/kernels.json"

# 6. WASI preview 1 conformance probes and the tenant-isolation program (src/main/c/wasi/ and
#    src/main/rust/wasi_check.rs; each file's header says what it expects from its host). The socket
#    functions live in wasi-sockets.wasm alone, because a host may refuse to load a module importing them.
for prog in wasi_check:wasi-check-c wasi_sockets:wasi-sockets wasi_tenant:wasi-tenant; do
  "$CLANG" --target=wasm32-wasi --sysroot="$WASI_SYSROOT" -O2 -Wall -Wextra -Werror \
    -Wl,--strip-debug \
    -o "$STAGE/${prog#*:}.wasm" "$SRC/c/wasi/${prog%%:*}.c"
  append_custom_section "$STAGE/${prog#*:}.wasm" terrarium.manifest "$SRC/manifests/${prog#*:}.json"
done
"$RUSTC" --edition 2021 --crate-name wasi_check --crate-type bin --target wasm32-wasi \
  -C opt-level=2 -C strip=debuginfo \
  -o "$STAGE/wasi-check-rust.wasm" "$SRC/rust/wasi_check.rs"
require_manifest_section "$STAGE/wasi-check-rust.wasm"
for f in wasi-check-c wasi-check-rust wasi-tenant; do
  if wasm-objdump -x -j Import "$STAGE/$f.wasm" | grep -q 'wasi_snapshot_preview1\.sock_'; then
    die "$f.wasm must not import the WASI socket functions (they belong in wasi-sockets.wasm)"
  fi
done

validate "$STAGE/hello.wasm" "$STAGE/echo-shell.wasm" "$STAGE/sizer.wasm" \
  "$STAGE/greeter-c.wasm" "$STAGE/greeter-rust.wasm" "$STAGE/greeter-as.wasm" "$STAGE/shell-repl.wasm" "$STAGE/kernels.wasm" \
  "$STAGE/wasi-check-c.wasm" "$STAGE/wasi-check-rust.wasm" "$STAGE/wasi-sockets.wasm" "$STAGE/wasi-tenant.wasm"

# 7. test fixtures (WAT, no manifest)
for wat in "$SRC"/wat/fixtures/*.wat; do
  name=$(basename "$wat" .wat)
  wat2wasm "$wat" -o "$STAGE/fixtures/$name.wasm"
  validate "$STAGE/fixtures/$name.wasm"
done

# invalid artifacts
printf 'this is not a wasm module\n' >"$STAGE/fixtures/garbage.wasm"
add_size=$(wc -c <"$STAGE/fixtures/add.wasm")
head -c $((add_size / 2)) "$STAGE/fixtures/add.wasm" >"$STAGE/fixtures/truncated.wasm"
if wasm-validate "$STAGE/fixtures/truncated.wasm" 2>/dev/null; then
  die "fixtures/truncated.wasm unexpectedly validates"
fi

# index of all resources (read by dev.terrarium.samples.SamplePlugins)
(cd "$STAGE" && find . -type f -name '*.wasm' | sed 's|^\./||' | sort) >"$STAGE/index.txt"

# Replace only what this script produces: OUT is also where javac puts the classes of the package
# dev.terrarium.samples (Maven runs this script after compiling), so it must not be replaced as a whole.
mkdir -p "$OUT"
rm -rf "$OUT/fixtures" "$OUT/index.txt"
find "$OUT" -maxdepth 1 -type f -name '*.wasm' -delete
cp -R "$STAGE/." "$OUT/"
rm -rf "$STAGE"
trap - EXIT
echo "build-sample-plugins: wrote $(wc -l <"$OUT/index.txt") modules to $OUT" >&2
