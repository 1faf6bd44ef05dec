#!/usr/bin/env python3
"""Runs the WASI preview 1 tests of WebAssembly/wasi-testsuite through a WASI command-line runtime.

Usage: see scripts/wasi-testsuite.sh and docs/wasi-conformance.md. Standard library only.

The runtime is called as `RUNTIME run [OPTIONS] [--env NAME=VALUE]... [--dir HOST::GUEST]... MODULE [ARGS...]`,
the syntax of `bin/terrarium run` (and of `wasmtime run`). Each test gets a fresh copy of its
directory in a temporary directory, so the suite checkout is never written to.

Checks follow the suite's own runner (test-runner/wasi_test_runner): a `read` compares the next
len(payload) characters of the stream with the payload (so output after the expected text is not
checked), a `wait` compares the exit code; stdin is an empty pipe.

Exit status: 0 when the suite ran, whatever the tests did; 2 for a usage error; 3 for a harness
error (no suite found, the runtime could not be started, an unreadable test spec).
"""

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WASI_VERSION = "wasm32-wasip1"
LEGACY_KEYS = {"args", "dirs", "root", "env", "exit_code", "stdout", "stderr"}
OPERATION_KEYS = {"operations", "proposals", "world", "servers", "debug"}


class HarnessError(Exception):
    """Something that makes the measurement itself wrong, as opposed to a failing test."""


class Test:
    """One test: a module and what its spec asks (args, env, directories, expectations)."""

    def __init__(self, suite, module):
        self.suite = suite
        self.module = module
        self.name = module.stem
        self.args = []
        self.env = {}
        self.dirs = []  # (host directory, guest path)
        self.stdin = ""
        self.reads = []  # (stream, payload), in order
        self.exit_code = 0
        self.unsupported = None  # why the harness cannot run this test, or None

    @property
    def id(self):
        return f"{self.suite.lang}/{self.name}"


class Suite:
    def __init__(self, directory, name, version, lang):
        self.directory = directory
        self.name = name
        self.version = version
        self.lang = lang


def find_suites(checkout):
    """Every directory under tests/ with a manifest.json, as the suite's run-tests finds them."""
    tests = checkout / "tests"
    if not tests.is_dir():
        raise HarnessError(f"{checkout} has no tests/ directory; is it a wasi-testsuite checkout?")
    suites = []
    for manifest in sorted(tests.rglob("manifest.json")):
        directory = manifest.parent
        # The suite's rule: the directory's name is the WASI version if it names one, else preview 1.
        version = directory.name if directory.name.startswith("wasm32-") else WASI_VERSION
        name = str(directory.relative_to(checkout))
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise HarnessError(f"cannot read {manifest}: {e}") from e
        name = data.get("name", name)
        version = data.get("version", version)
        lang = directory.relative_to(tests).parts[0]
        suites.append(Suite(directory, name, version, lang))
    if not suites:
        raise HarnessError(f"no test suite (tests/**/manifest.json) under {checkout}")
    return suites


def load_test(suite, module):
    test = Test(suite, module)
    spec_path = module.with_suffix(".json")
    if not spec_path.exists():
        return test
    try:
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise HarnessError(f"cannot read {spec_path}: {e}") from e
    if not isinstance(spec, dict):
        raise HarnessError(f"{spec_path}: not a JSON object")
    if set(spec) & OPERATION_KEYS:
        load_operations(test, spec, spec_path)
    else:
        unknown = set(spec) - LEGACY_KEYS
        if unknown:
            raise HarnessError(f"{spec_path}: unknown keys {sorted(unknown)}")
        load_run(test, spec, spec_path)
        if spec.get("stdout") is not None:
            test.reads.append(("stdout", spec["stdout"]))
        if spec.get("stderr") is not None:
            test.reads.append(("stderr", spec["stderr"]))
        test.exit_code = spec.get("exit_code", 0)
    return test


def load_run(test, run, spec_path):
    test.args = [str(a) for a in run.get("args", [])]
    test.env = {str(k): str(v) for k, v in run.get("env", {}).items()}
    root = run.get("root")
    if root:
        test.dirs.append((spec_path.parent / root, "/"))
    # Before wasi-testsuite #264 (2026-06) a spec listed "dirs", each preopened under its own name.
    for d in run.get("dirs", []):
        test.dirs.append((spec_path.parent / d, d))


def load_operations(test, spec, spec_path):
    if spec.get("proposals"):
        test.unsupported = f"needs WASI proposals {spec['proposals']}"
    if spec.get("world", "wasi:cli/command") != "wasi:cli/command":
        test.unsupported = f"targets the world {spec['world']}"
    if spec.get("servers"):
        test.unsupported = "needs test servers"
    runs = 0
    for op in spec.get("operations", []):
        kind = op.get("type")
        if kind == "run":
            runs += 1
            load_run(test, op, spec_path)
        elif kind == "read":
            test.reads.append((op.get("id", "stdout"), op.get("payload", "")))
        elif kind == "write" and op.get("id", "stdin") == "stdin":
            test.stdin += op.get("payload", "")
        elif kind == "wait":
            test.exit_code = op.get("exit_code", 0)
        else:
            test.unsupported = f"uses the operation '{kind}', which this script does not implement"
    if runs != 1:
        test.unsupported = f"has {runs} run operations; this script runs a module once"


def copy_dirs(test, work):
    """Copies each directory the test preopens into `work`; returns the --dir values."""
    mappings = []
    for i, (host, guest) in enumerate(test.dirs):
        if not host.is_dir():
            raise HarnessError(f"{test.id}: the directory {host} does not exist")
        copy = work / f"dir{i}" / host.name
        shutil.copytree(host, copy, symlinks=True)
        # The suite's runner deletes test output (*.cleanup) before a run; a fresh copy has none
        # unless the checkout itself is dirty, so remove them here too.
        for leftover in sorted(copy.rglob("*.cleanup"), reverse=True):
            if leftover.is_symlink() or leftover.is_file():
                leftover.unlink()
            elif leftover.is_dir():
                shutil.rmtree(leftover)
        mappings.append(f"{copy}::{guest}")
    return mappings


def run_test(runtime, test, timeout, keep):
    """Runs one test; returns a result dict with outcome PASS, FAIL or SKIP and the reasons."""
    result = {"suite": test.suite.name, "lang": test.suite.lang, "test": test.name, "outcome": "PASS",
              "reasons": []}
    if test.unsupported:
        result["outcome"] = "SKIP"
        result["reasons"].append(test.unsupported)
        return result
    work = Path(tempfile.mkdtemp(prefix=f"wasi-testsuite-{test.name}-"))
    try:
        argv = list(runtime)
        for name, value in test.env.items():
            argv += ["--env", f"{name}={value}"]
        for mapping in copy_dirs(test, work):
            argv += ["--dir", mapping]
        argv += [str(test.module)] + test.args
        result["argv"] = argv
        started = time.monotonic()
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, cwd=work, start_new_session=True)
        except OSError as e:
            raise HarnessError(f"cannot start the runtime {argv[0]}: {e}") from e
        try:
            out, err = proc.communicate(test.stdin.encode("utf-8"), timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            result["timed_out"] = True
        result["seconds"] = round(time.monotonic() - started, 3)
        result["exit_code"] = proc.returncode
        # Like the suite's runner: text mode, universal newlines.
        streams = {"stdout": decode(out), "stderr": decode(err)}
        result["stdout"], result["stderr"] = streams["stdout"], streams["stderr"]
        result["reasons"] = check(test, streams, proc.returncode, result.get("timed_out"), timeout)
        if result["reasons"]:
            result["outcome"] = "FAIL"
    finally:
        if keep:
            result["work"] = str(work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return result


def decode(data):
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


def check(test, streams, exit_code, timed_out, timeout):
    if timed_out:
        return [f"timed out after {timeout:g} s"]
    reasons = []
    positions = {"stdout": 0, "stderr": 0}
    for stream, payload in test.reads:
        at = positions.get(stream, 0)
        got = streams.get(stream, "")[at:at + len(payload)]
        positions[stream] = at + len(payload)
        if got != payload:
            reasons.append(f"{stream}: expected {payload!r}, got {got!r}")
    if exit_code != test.exit_code:
        reasons.append(f"exit code {exit_code}, expected {test.exit_code}{error_hint(streams)}")
    return reasons


def error_hint(streams):
    """What the test said when it failed: a Rust panic's message, a C assertion, else stderr's last line."""
    lines = [line.strip() for line in streams["stderr"].splitlines() if line.strip()]
    for i, line in enumerate(lines):
        panic = re.search(r"panicked at (?:.*/)?([^/:]+):(\d+):\d+:?$", line)
        if panic:
            message = lines[i + 1:i + 2]
            # An assert_eq! panic gives left and right on the following lines.
            message += [l for l in lines[i + 2:i + 4] if l.startswith(("left:", "right:"))]
            return f": panic at {panic.group(1)}:{panic.group(2)}: {shorten(', '.join(message))}"
        if line.startswith("Assertion failed"):
            return f": {shorten(line)}"
    return f": {shorten(lines[-1])}" if lines else ""


def shorten(text, limit=200):
    return text if len(text) <= limit else text[:limit - 3] + "..."


def suite_commit(checkout):
    try:
        out = subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True,
                             text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="wasi-testsuite.sh",
        description="Run the WASI preview 1 tests of WebAssembly/wasi-testsuite through a runtime's CLI.")
    parser.add_argument("suite", nargs="?", default=os.environ.get("WASI_TESTSUITE"),
                        help="the wasi-testsuite checkout (branch prod/testsuite-base); default $WASI_TESTSUITE")
    parser.add_argument("--runtime", default=os.environ.get("TERRARIUM"),
                        help="the runtime command, split like a shell word list; default $TERRARIUM, else"
                             " bin/terrarium. It is called as RUNTIME run [--env N=V] [--dir HOST::GUEST]"
                             " MODULE [ARGS]")
    parser.add_argument("--run-options", metavar="OPTIONS", default="",
                        help="more options for the runtime, put right after `run` (e.g. '--interpreter')")
    parser.add_argument("--json", metavar="FILE", help="write the results as JSON to FILE")
    parser.add_argument("--filter", metavar="REGEX", help="run only the tests whose LANG/NAME matches REGEX")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds per test before it is killed and failed (default 60; the suite's own"
                             " runner allows 5)")
    parser.add_argument("--keep", action="store_true", help="keep each test's temporary directory")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print the command line, stdout and stderr of each failing test")
    options = parser.parse_args(argv)
    if not options.suite:
        parser.error("give the wasi-testsuite checkout as an argument or in WASI_TESTSUITE")
    if not options.runtime:
        options.runtime = str(Path(__file__).resolve().parent.parent / "bin" / "terrarium")
    return options


def main(argv):
    options = parse_args(argv)
    checkout = Path(options.suite).resolve()
    runtime = shlex.split(options.runtime)
    if not runtime:
        raise HarnessError("the runtime command is empty")
    runtime += ["run"] + shlex.split(options.run_options)
    selected = re.compile(options.filter) if options.filter else None

    results = []
    for suite in find_suites(checkout):
        if suite.version != WASI_VERSION:
            print(f"# not run: {suite.name} ({suite.version}; this script runs {WASI_VERSION} only)")
            continue
        modules = sorted(suite.directory.glob("*.wasm"))
        if not modules:
            continue  # e.g. a manifest beside test sources, which the prebuilt branch also carries
        header = f"# {suite.name}"
        for module in modules:
            test = load_test(suite, module)
            if selected and not selected.search(test.id):
                continue
            if header:
                print(header)
                header = None
            result = run_test(runtime, test, options.timeout, options.keep)
            results.append(result)
            reasons = "; ".join(result["reasons"])
            print(f"{result['outcome']} {test.id}" + (f": {reasons}" if reasons else ""), flush=True)
            if options.verbose and result["outcome"] == "FAIL":
                print(f"    command: {shlex.join(result['argv'])}")
                for stream in ("stdout", "stderr"):
                    for line in result[stream].splitlines():
                        print(f"    {stream}| {line}")
    if not results:
        raise HarnessError("no test ran (check the checkout and --filter)")

    passed = sum(r["outcome"] == "PASS" for r in results)
    skipped = sum(r["outcome"] == "SKIP" for r in results)
    summary = f"passed {passed} of {len(results)}"
    if skipped:
        summary += f" ({skipped} skipped)"
    print(summary)

    if options.json:
        report = {
            "suite": "https://github.com/WebAssembly/wasi-testsuite",
            "checkout": str(checkout),
            "commit": suite_commit(checkout),
            "wasi_version": WASI_VERSION,
            "runtime": runtime,
            "passed": passed,
            "skipped": skipped,
            "total": len(results),
            "tests": results,
        }
        Path(options.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except HarnessError as e:
        print(f"wasi-testsuite: {e}", file=sys.stderr)
        sys.exit(3)
    except KeyboardInterrupt:
        sys.exit(130)
