#!/usr/bin/env bash
# The main job: builds Terrarium (and the sample plugins from source), then runs demo plugins through the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-toolchains.sh
echo "==> building (mvn install -DskipTests)"
mvn -B -q -ntp install -DskipTests

samples=sample-plugins/target/classes/dev/terrarium/samples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'hello, terrarium\n' > "$work/greeting.txt"
head -c 4096 /dev/zero > "$work/zeros.bin"

echo
echo "==> bin/terrarium inspect $samples/sizer.wasm"
bin/terrarium inspect "$samples/sizer.wasm"

echo
echo "==> bin/terrarium run --dir $work::/data $samples/sizer.wasm /data   (C, wasi-libc)"
bin/terrarium run --dir "$work::/data" "$samples/sizer.wasm" /data

echo
echo "==> bin/terrarium run --dir $work::/data:ro --mount-memory /home --trace $samples/wasi-tenant.wasm /home demo"
echo "    (a read-only host directory, an in-memory file system, every WASI call traced to stderr)"
bin/terrarium run --dir "$work::/data:ro" --mount-memory /home --trace "$samples/wasi-tenant.wasm" /home demo

echo
echo "==> printf 'one\\ntwo\\n' | bin/terrarium run $samples/echo-shell.wasm   (Rust, std)"
printf 'one\ntwo\n' | bin/terrarium run "$samples/echo-shell.wasm"

echo
echo "==> bin/terrarium run --invoke add $samples/fixtures/add.wasm 40 2"
bin/terrarium run --invoke add "$samples/fixtures/add.wasm" 40 2

echo
echo "==> bin/terrarium run --timeout 300ms --invoke spin $samples/fixtures/loop.wasm   (a runaway plugin)"
set +e
bin/terrarium run --timeout 300ms --invoke spin "$samples/fixtures/loop.wasm"
code=$?
set -e
echo "(exit code $code: the deadline stopped it, and nothing else was harmed)"

echo
echo "==> examples: HelloHost, an application whose host function host.hello a WAT plugin calls"
mvn -B -q -ntp -pl examples exec:java
