#!/usr/bin/env bash
# Makes the CLI's class-data-sharing archive (AppCDS), which bin/terrarium passes to a Java 17 or 18 JVM so
# that the CLI starts without parsing and verifying its classes again (newer JVMs make their own archive; see
# docs/cli.md, "Start-up"). Called by plugin-cli's build, after the executable jar is made:
#
#   make-cds-archive.sh JAVA JAR TRAINING_WAT OUT_JSA
#
# The archive holds the classes that two training runs of `terrarium run --dir ... --invoke` load (a mounted
# directory, so that the file system classes are trained too): the first fills a
# private module cache, the second, which writes the archive, loads the module from it, as a user's second run
# does. An archive only works with the JVM that made it and with this very jar; a JVM that finds it does not
# match ignores it. The script checks that the archive maps and serves the CLI's classes, and fails the build
# otherwise (set -Dterrarium.cds.skip=true to build without it).
set -uo pipefail

java="$1"
jar="$2"
wat="$3"
out="$4"
work="$(dirname "$out")/cds-training"

fail() {
  echo "make-cds-archive: $* (build with -Dterrarium.cds.skip=true to leave the archive out)" >&2
  rm -f "$out"
  exit 1
}

rm -rf "$work" "$out"
mkdir -p "$work/cache" "$work/config" "$work/data" || fail "cannot create $work"
chmod 700 "$work/cache" "$work/config"
command -v wat2wasm >/dev/null 2>&1 || fail "wat2wasm is not on the PATH (scripts/install-toolchains.sh installs it)"
wat2wasm "$wat" -o "$work/training.wasm" || fail "wat2wasm failed on $wat"
# An embedded manifest, as most plugins carry, so that reading one (JSON) is trained too: a custom section
# "terrarium.manifest" appended to the module (id 0, then sizes as one-byte LEB128: the section is short).
manifest='{"id":"training","version":"1.0.0","capabilities":{"wasi":["stdio","files"]}}'
name="terrarium.manifest"
size=$((1 + ${#name} + ${#manifest}))
[ "$size" -lt 128 ] || fail "the training manifest is too long for a one-byte section size"
printf "\\x00\\x$(printf '%02x' "$size")\\x$(printf '%02x' "${#name}")%s%s" "$name" "$manifest" >>"$work/training.wasm" \
  || fail "cannot append the training manifest"

train() {
  TERRARIUM_CACHE_DIR="$work/cache" XDG_CONFIG_HOME="$work/config" "$java" -Xshare:auto "$@" -jar "$jar" \
    run --dir "$work/data::/data" --invoke add "$work/training.wasm" 1 2 >"$work/out.txt" 2>"$work/err.txt"
}
train || fail "the first training run failed: $(cat "$work/err.txt")"
train -XX:ArchiveClassesAtExit="$out" -Xlog:cds=off -Xlog:cds+dynamic=off \
  || fail "the training run that writes the archive failed: $(cat "$work/err.txt")"
[ "$(cat "$work/out.txt")" = "3" ] || fail "the training run printed '$(cat "$work/out.txt")', not 3"
[ -s "$out" ] || fail "the JVM wrote no archive"
# -Xshare:on makes a JVM that cannot map the archive fail instead of ignoring it.
train -XX:SharedArchiveFile="$out" -Xshare:on -Xlog:class+load=info:file="$work/classes.txt" \
  || fail "the CLI does not start with the archive: $(cat "$work/err.txt")"
grep -q 'dev.terrarium.cli.TerrariumCli source: shared objects file' "$work/classes.txt" \
  || fail "the archive does not hold the CLI's classes"
grep -q 'dev.terrarium.host.ManifestReader source: shared objects file' "$work/classes.txt" \
  || fail "the archive does not hold the classes that read a manifest"
rm -rf "$work"
