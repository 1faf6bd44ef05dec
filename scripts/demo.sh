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

echo
echo "==> examples: the embedded shell server (bin/shell-server; see docs/shell-server.md)"
echo "    two tenants' sessions over one Unix socket, scripted with ShellClient (socat works too)"
sock="$work/terrarium.sock"
bin/shell-server "$sock" --session-fuel 200_000_000 --idle-timeout 30s 2>"$work/shell-server.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do [ -S "$sock" ] && break; sleep 0.1; done
shell_client() { java -cp examples/target/terrarium-examples.jar dev.terrarium.examples.shell.ShellClient "$sock"; }
printf 'login alice\nadd 2\nset greeting hello, tenants\n' | shell_client
printf 'login bob\nadd 40\nsum\nget greeting\n(define (sq x) (* x x))\n(sq 12)\nget nothing\n%s\n' \
  '(begin (define f (lambda () (f))) (f))' | shell_client
echo "==> kill -TERM the server"
kill -TERM "$server"
wait "$server" || true
sed 's/^/    log: /' "$work/shell-server.log"
if [ -e "$sock" ]; then echo "the socket file is still there" >&2; exit 1; fi
echo "(the socket file $sock is gone)"
