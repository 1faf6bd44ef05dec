//! shell-repl: the guest REPL of Terrarium's embedded shell server. A WASI command that reads commands from
//! stdin and answers each on stdout, working on the application state that the host shares between sessions
//! (the host interface dev.terrarium.samples.abi.SharedState, imported as wasm module `shell`).
//!
//! # Protocol (checked exactly by tests; keep this header true)
//!
//! - Input is read from stdin line by line; a line ends at `\n`, and one trailing `\r` is ignored. A last
//!   line without `\n` counts as a line.
//! - Every input line gets exactly ONE output line on stdout (its text, then `\n`), flushed at once: each
//!   line is answered as soon as it has been read, before anything more is read. No prompt, no banner,
//!   nothing on stdout otherwise. At end of input the program returns from `main` (exit code 0).
//! - Every failure is answered by one line `error: MESSAGE` and never ends the session. A `PluginError`
//!   from the host prints `error: ` followed by its message (without its code).
//! - A line that is not valid UTF-8: `error: the line is not valid UTF-8`.
//! - A blank line (empty, or only spaces and tabs): an empty output line.
//!
//! Plain commands (the command word is the line up to its first space; its arguments are separated by
//! spaces):
//!
//! | input           | output |
//! |-----------------|--------|
//! | `add N`         | `ok` (calls `shell.add(N)`; N is a decimal signed 64-bit integer, optionally `+`/`-`) |
//! | `sum`           | the decimal result of `shell.sum()` |
//! | `set KEY VALUE` | `ok` (calls `shell.set(KEY, VALUE)`). KEY is the text up to the next space (not empty); VALUE is everything after that one space, verbatim: it may contain spaces, be empty, or be megabytes long, and is passed whole |
//! | `get KEY`       | the value of `shell.get(KEY)`, raw; `error: no value for key 'KEY'` when there is none |
//! | `(...)`         | a Scheme-like expression, see below |
//! | anything else   | `error: unknown command: WORD` (a wrong argument count: `error: usage: ...`; a bad number: `error: not a 64-bit integer: TEXT`) |
//!
//! A value that contains a line feed (only the host can have put one there) is not printed but answered
//! with `error: the value contains a line break`, so that the one-line-per-line rule holds.
//!
//! # Expressions
//!
//! A line whose first character is `(` holds exactly one expression (anything after it but spaces:
//! `error: one expression per line`; unbalanced parentheses: `error: unbalanced parentheses: ...`).
//!
//! - Literals: integers (i64; out of range: `error: integer literal out of range: TEXT`), strings
//!   `"..."` with the escapes `\"` and `\\` only, booleans `#t` `#f`. Other atoms are symbols (variables).
//! - Special forms: `(define NAME EXPR)`, `(define (NAME PARAM...) BODY...)`, `(lambda (PARAM...) BODY...)`
//!   (closures; recursion), `(if TEST THEN ELSE)` (the else branch is required; only `#f` is false),
//!   `(let ((NAME EXPR)...) BODY...)`, `(begin EXPR...)`. Definitions go into the innermost scope;
//!   top-level definitions persist for the session (one instance).
//! - Primitives: `+ - * /` on integers (`/` truncates; `(- x)` negates; overflow gives
//!   `error: integer overflow`, never a wrap; `error: division by zero`), `= < > <= >=` (integers, chained),
//!   `not`, `string-append`, `number->string`, and the host functions `(add N)` → `ok`, `(sum)` → the sum,
//!   `(set "KEY" "VALUE")` → `ok`, `(get "KEY")` → the string (an error when missing).
//! - The result of the line is printed: integers in decimal, strings raw (without quotes), booleans `#t`/`#f`,
//!   `ok` for the host mutations `add` and `set`, procedures as `#<procedure>`, and `define` prints the
//!   defined name.
//! - Errors: `error: unbound variable: X`, `error: not a procedure: X`, `error: + expects integers`, ...
//!
//! # Limits
//!
//! - Calls in tail position (the last expression of a body, `begin` or `let`, the branches of `if`) run in
//!   a loop, without growing the Rust stack, so `(begin (define f (lambda () (f))) (f))` runs forever: only
//!   the host (fuel, a deadline) stops it. That is intended: it is how the shell server's limits are tested.
//! - Other nesting is bounded: more than MAX_DEPTH (500) nested evaluations give `error: recursion too deep`,
//!   and more than MAX_NESTING (1 000) nested parentheses in one line give `error: expression nested too
//!   deeply`; neither overflows the guest's stack (Rust's default 1 MiB shadow stack holds both easily).
//!   The bound is low because every nested evaluation is a nested wasm call, which the engine runs on the
//!   JVM thread's stack: measured on Endive 1.0.0, 500 nested evaluations fit in 512 KiB in the interpreter
//!   and usually in 1 MiB with the compiler (whose generated code may still run in the JVM's interpreter,
//!   with bigger frames; a cold run has needed more); so a host running sessions with 8 MiB of guest stack
//!   (the limit `guestStackBytes`) gets the in-band error. With too little, the host's own stack-exhaustion
//!   error ends the session instead.
//! - Memory: every line's data is freed when the line is answered. Environments that closures keep alive
//!   are reference counted; the cycles that closures defined inside a procedure form are broken after each
//!   line (every scope no longer reachable from the top level is cleared), and long chains of scopes are
//!   freed without recursion.
//!
//! # Build (std only, no crates; Debian's rustc 1.63), see scripts/build-sample-plugins.sh:
//!   TERRARIUM_GUEST_DIR=<guest bindings dir> /usr/bin/rustc --edition 2021 --crate-type bin \
//!     --target wasm32-wasi -C opt-level=2 -C strip=debuginfo -C link-arg=-zstack-size=16777216 shell_repl.rs
//! The bindings of SharedState (shared_state.rs) are generated by the Terrarium annotation processor.
//! The manifest is embedded by the compiler (`terrarium_manifest!` below, custom section `terrarium.manifest`):
//! `{"id":"shell-repl","version":"0.1.0","capabilities":{"wasi":["stdio","exit"],"hostModules":["shell"]}}`.
//! Imports: `shell.add`, `shell.sum`, `shell.set`, `shell.get`, and from WASI only `fd_read`, `fd_write` and
//! `proc_exit`. wasi-libc reads the environment at start-up, which would import `environ_get` and
//! `environ_sizes_get` (the `env` capability); this file defines those two functions itself (an empty
//! environment), and the build script checks the list of imports.

#[allow(dead_code)]
mod shared_state {
    include!(concat!(env!("TERRARIUM_GUEST_DIR"), "/shared_state.rs"));
}

shared_state::terrarium_allocator!();

// The plugin manifest (UTF-8 JSON), emitted as the custom section `terrarium.manifest` by the generated macro.
shared_state::terrarium_manifest!(
    r#"{"id":"shell-repl","version":"0.1.0","capabilities":{"wasi":["stdio","exit"],"hostModules":["shell"]}}"#
);

/// wasi-libc reads the environment at start-up (Rust's std links `environ`) through these two functions,
/// which it otherwise imports from `wasi_snapshot_preview1` (the `env` capability). Defining them here makes
/// the linker use these definitions instead of the imports: the environment is always empty, and the
/// plugin needs no `env` capability. Signatures as in wasi-libc's `wasi/api.h` (errno 0: success).
#[no_mangle]
pub unsafe extern "C" fn __imported_wasi_snapshot_preview1_environ_sizes_get(count: *mut u32, size: *mut u32) -> i32 {
    *count = 0;
    *size = 0;
    0
}

/// See `__imported_wasi_snapshot_preview1_environ_sizes_get`: there is nothing to write.
#[no_mangle]
pub unsafe extern "C" fn __imported_wasi_snapshot_preview1_environ_get(_environ: *mut u32, _buf: *mut u8) -> i32 {
    0
}

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufRead, Write};
use std::rc::{Rc, Weak};

/// Nested evaluations (Rust recursion of `eval`) allowed before `error: recursion too deep`.
const MAX_DEPTH: usize = 500;
/// Nested parentheses allowed in one line.
const MAX_NESTING: usize = 1_000;

type Res<T> = Result<T, String>;

fn main() {
    if let Err(e) = run() {
        eprintln!("shell-repl: {}", e);
        std::process::exit(1);
    }
}

fn run() -> io::Result<()> {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let stdout = io::stdout();
    let mut output = stdout.lock();
    let mut interp = Interp::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        let answer = match std::str::from_utf8(&line) {
            Ok(text) => interp.answer(text),
            Err(_) => Err("the line is not valid UTF-8".to_string()),
        };
        let answer = answer.and_then(|a| {
            if a.contains('\n') {
                Err("the value contains a line break".to_string())
            } else {
                Ok(a)
            }
        });
        match answer {
            Ok(text) => output.write_all(text.as_bytes())?,
            Err(message) => {
                output.write_all(b"error: ")?;
                output.write_all(message.as_bytes())?;
            }
        }
        output.write_all(b"\n")?;
        output.flush()?;
        interp.collect_cycles();
    }
}

// --- host calls ------------------------------------------------------------------------------------------

fn host_add(n: i64) -> Res<()> {
    shared_state::add(n).map_err(|e| e.into_message())
}

fn host_sum() -> Res<i64> {
    shared_state::sum().map_err(|e| e.into_message())
}

fn host_set(key: &str, value: &str) -> Res<()> {
    shared_state::set(key, value).map_err(|e| e.into_message())
}

fn host_get(key: &str) -> Res<String> {
    match shared_state::get(key) {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(format!("no value for key '{}'", key)),
        Err(e) => Err(e.into_message()),
    }
}

fn parse_i64(text: &str) -> Res<i64> {
    text.parse::<i64>().map_err(|_| format!("not a 64-bit integer: {}", text))
}

// --- values, environments ----------------------------------------------------------------------------------

/// A parsed expression. Lists are shared, so closures keep their body without copying it.
#[derive(Clone)]
enum Expr {
    Int(i64),
    Str(Rc<str>),
    Bool(bool),
    Sym(Rc<str>),
    List(Rc<Vec<Expr>>),
}

#[derive(Clone)]
enum Value {
    Int(i64),
    Str(Rc<str>),
    Bool(bool),
    /// The result of `add` and `set`: printed `ok`.
    Ok,
    /// The result of `define`: the defined name.
    Defined(Rc<str>),
    Closure(Rc<Closure>),
    Prim(Prim),
}

struct Closure {
    params: Vec<Rc<str>>,
    /// The whole `lambda` (or `define`) form; the body is `form[body_start..]` (never empty).
    form: Rc<Vec<Expr>>,
    body_start: usize,
    env: Rc<Env>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Prim {
    Add,
    Sub,
    Mul,
    Div,
    NumEq,
    Lt,
    Gt,
    Le,
    Ge,
    Not,
    StringAppend,
    NumberToString,
    HostAdd,
    HostSum,
    HostSet,
    HostGet,
}

const PRIMS: [(&str, Prim); 16] = [
    ("+", Prim::Add),
    ("-", Prim::Sub),
    ("*", Prim::Mul),
    ("/", Prim::Div),
    ("=", Prim::NumEq),
    ("<", Prim::Lt),
    (">", Prim::Gt),
    ("<=", Prim::Le),
    (">=", Prim::Ge),
    ("not", Prim::Not),
    ("string-append", Prim::StringAppend),
    ("number->string", Prim::NumberToString),
    ("add", Prim::HostAdd),
    ("sum", Prim::HostSum),
    ("set", Prim::HostSet),
    ("get", Prim::HostGet),
];

const SPECIAL_FORMS: [&str; 5] = ["define", "lambda", "if", "let", "begin"];

struct Env {
    vars: RefCell<BTreeMap<Rc<str>, Value>>,
    parent: Option<Rc<Env>>,
}

impl Env {
    fn new(parent: Option<Rc<Env>>) -> Rc<Env> {
        Rc::new(Env { vars: RefCell::new(BTreeMap::new()), parent })
    }

    fn lookup(&self, name: &str) -> Option<Value> {
        let mut env = self;
        loop {
            if let Some(v) = env.vars.borrow().get(name) {
                return Some(v.clone());
            }
            match &env.parent {
                Some(p) => env = p,
                None => return None,
            }
        }
    }
}

/// Frees the scopes that a dropped scope alone kept alive with a worklist, not recursion: a chain of
/// closures each capturing the scope of the previous one may be arbitrarily long.
impl Drop for Env {
    fn drop(&mut self) {
        let mut pending: Vec<Rc<Env>> = Vec::new();
        release(std::mem::take(self.vars.get_mut()), self.parent.take(), &mut pending);
        while let Some(env) = pending.pop() {
            if let Ok(mut env) = Rc::try_unwrap(env) {
                release(std::mem::take(env.vars.get_mut()), env.parent.take(), &mut pending);
                // env drops here with nothing left in it
            }
        }
    }
}

/// Drops `vars` and `parent`, moving every scope they held the last reference of into `pending`.
fn release(vars: BTreeMap<Rc<str>, Value>, parent: Option<Rc<Env>>, pending: &mut Vec<Rc<Env>>) {
    pending.extend(parent);
    for (_, value) in vars {
        if let Value::Closure(c) = value {
            if let Ok(closure) = Rc::try_unwrap(c) {
                pending.push(closure.env);
            }
        }
    }
}

fn display(v: &Value) -> String {
    match v {
        Value::Int(n) => n.to_string(),
        Value::Str(s) => s.to_string(),
        Value::Bool(true) => "#t".to_string(),
        Value::Bool(false) => "#f".to_string(),
        Value::Ok => "ok".to_string(),
        Value::Defined(name) => name.to_string(),
        Value::Closure(_) | Value::Prim(_) => "#<procedure>".to_string(),
    }
}

// --- the interpreter ---------------------------------------------------------------------------------------

struct Interp {
    global: Rc<Env>,
    /// Scopes that were given a closure: the only ones that can be part of a reference cycle.
    tracked: Vec<Weak<Env>>,
    prune_at: usize,
}

impl Interp {
    fn new() -> Interp {
        let global = Env::new(None);
        for (name, prim) in PRIMS.iter() {
            global.vars.borrow_mut().insert(Rc::from(*name), Value::Prim(*prim));
        }
        Interp { global, tracked: Vec::new(), prune_at: 1024 }
    }

    /// The answer to one line (without its line end), or the message of its `error:` line.
    fn answer(&mut self, line: &str) -> Res<String> {
        if line.trim_matches(|c| c == ' ' || c == '\t').is_empty() {
            return Ok(String::new());
        }
        if line.starts_with('(') {
            let expr = parse_line(line)?;
            let global = self.global.clone();
            let value = self.eval(&expr, &global, 0)?;
            return Ok(display(&value));
        }
        let (command, rest) = match line.find(' ') {
            Some(i) => (&line[..i], &line[i + 1..]),
            None => (line, ""),
        };
        let args: Vec<&str> = rest.split(' ').filter(|a| !a.is_empty()).collect();
        match command {
            "add" => {
                if args.len() != 1 {
                    return Err("usage: add N".to_string());
                }
                host_add(parse_i64(args[0])?)?;
                Ok("ok".to_string())
            }
            "sum" => {
                if !args.is_empty() {
                    return Err("usage: sum".to_string());
                }
                Ok(host_sum()?.to_string())
            }
            "set" => {
                let (key, value) = match rest.find(' ') {
                    Some(i) => (&rest[..i], &rest[i + 1..]),
                    None => return Err("usage: set KEY VALUE".to_string()),
                };
                if key.is_empty() {
                    return Err("usage: set KEY VALUE".to_string());
                }
                host_set(key, value)?;
                Ok("ok".to_string())
            }
            "get" => {
                if args.len() != 1 {
                    return Err("usage: get KEY".to_string());
                }
                host_get(args[0])
            }
            _ => Err(format!("unknown command: {}", command)),
        }
    }

    fn bind(&mut self, env: &Rc<Env>, name: Rc<str>, value: Value) {
        if let Value::Closure(_) = value {
            self.tracked.push(Rc::downgrade(env));
            if self.tracked.len() >= self.prune_at {
                self.tracked.retain(|w| w.strong_count() > 0);
                self.prune_at = (self.tracked.len() * 2).max(1024);
            }
        }
        env.vars.borrow_mut().insert(name, value);
    }

    /// Breaks the reference cycles of scopes that nothing reachable from the top level uses any more. Called
    /// between lines, when the top-level scope is the only root.
    fn collect_cycles(&mut self) {
        if self.tracked.is_empty() {
            return;
        }
        let mut reachable: BTreeSet<*const Env> = BTreeSet::new();
        let mut todo: Vec<Rc<Env>> = vec![self.global.clone()];
        while let Some(env) = todo.pop() {
            if !reachable.insert(Rc::as_ptr(&env)) {
                continue;
            }
            if let Some(p) = &env.parent {
                todo.push(p.clone());
            }
            for value in env.vars.borrow().values() {
                if let Value::Closure(c) = value {
                    todo.push(c.env.clone());
                }
            }
        }
        let tracked = std::mem::take(&mut self.tracked);
        for weak in tracked {
            if let Some(env) = weak.upgrade() {
                if reachable.contains(&Rc::as_ptr(&env)) {
                    self.tracked.push(weak);
                } else {
                    let vars = std::mem::take(&mut *env.vars.borrow_mut());
                    let mut pending = Vec::new();
                    release(vars, None, &mut pending);
                    drop(pending); // each Env's own Drop frees what hangs off it without recursion
                }
            }
        }
        self.prune_at = (self.tracked.len() * 2).max(1024);
    }

    /// Evaluates `expr` in `env`. `depth` counts the nested (non-tail) evaluations.
    fn eval(&mut self, expr: &Expr, env: &Rc<Env>, depth: usize) -> Res<Value> {
        if depth >= MAX_DEPTH {
            return Err("recursion too deep".to_string());
        }
        let mut expr = expr.clone();
        let mut env = env.clone();
        // Tail positions continue this loop with a new `expr` (and `env`) instead of recursing.
        loop {
            let list = match &expr {
                Expr::Int(n) => return Ok(Value::Int(*n)),
                Expr::Str(s) => return Ok(Value::Str(s.clone())),
                Expr::Bool(b) => return Ok(Value::Bool(*b)),
                Expr::Sym(name) => {
                    return env.lookup(name).ok_or_else(|| format!("unbound variable: {}", name));
                }
                Expr::List(list) => list.clone(),
            };
            if list.is_empty() {
                return Err("cannot evaluate ()".to_string());
            }
            if let Expr::Sym(head) = &list[0] {
                match &**head {
                    "define" => return self.eval_define(&list, &env, depth),
                    "lambda" => return make_lambda(&list, &env),
                    "if" => {
                        if list.len() != 4 {
                            return Err("usage: (if TEST THEN ELSE)".to_string());
                        }
                        let test = self.eval(&list[1], &env, depth + 1)?;
                        let branch = if matches!(test, Value::Bool(false)) { 3 } else { 2 };
                        expr = list[branch].clone();
                        continue;
                    }
                    "begin" => {
                        if list.len() < 2 {
                            return Err("usage: (begin EXPR...)".to_string());
                        }
                        expr = self.eval_body(&list, 1, &env, depth)?;
                        continue;
                    }
                    "let" => {
                        let (scope, last) = self.enter_let(&list, &env, depth)?;
                        env = scope;
                        expr = last;
                        continue;
                    }
                    _ => {}
                }
            }
            // application
            let f = self.eval(&list[0], &env, depth + 1)?;
            let mut args = Vec::with_capacity(list.len() - 1);
            for arg in &list[1..] {
                args.push(self.eval(arg, &env, depth + 1)?);
            }
            match f {
                Value::Prim(p) => return apply_prim(p, args),
                Value::Closure(c) => {
                    let (scope, last) = self.enter_closure(&c, args, depth)?;
                    env = scope;
                    expr = last;
                    continue;
                }
                other => return Err(format!("not a procedure: {}", display(&other))),
            }
        }
    }

    /// Evaluates `forms[start..]` but the last, which it returns for the caller to evaluate in tail position.
    fn eval_body(&mut self, forms: &[Expr], start: usize, env: &Rc<Env>, depth: usize) -> Res<Expr> {
        let last = forms.len() - 1;
        for form in &forms[start..last] {
            self.eval(form, env, depth + 1)?;
        }
        Ok(forms[last].clone())
    }

    /// `(let ((NAME EXPR)...) BODY...)`: the new scope and the last body form, for the caller to evaluate in
    /// tail position. Kept out of `eval` (as are the other rarer paths) so that each nested evaluation uses
    /// as little of the engine's stack as possible.
    #[inline(never)]
    fn enter_let(&mut self, list: &Rc<Vec<Expr>>, env: &Rc<Env>, depth: usize) -> Res<(Rc<Env>, Expr)> {
        const USAGE: &str = "usage: (let ((NAME EXPR)...) BODY...)";
        if list.len() < 3 {
            return Err(USAGE.to_string());
        }
        let bindings = match &list[1] {
            Expr::List(b) => b.clone(),
            _ => return Err(USAGE.to_string()),
        };
        let scope = Env::new(Some(env.clone()));
        for binding in bindings.iter() {
            let (name, init) = match binding {
                Expr::List(pair) if pair.len() == 2 => match &pair[0] {
                    Expr::Sym(name) => (name.clone(), &pair[1]),
                    _ => return Err(USAGE.to_string()),
                },
                _ => return Err(USAGE.to_string()),
            };
            check_bindable(&name)?;
            if scope.vars.borrow().contains_key(&name) {
                return Err(format!("let binds {} twice", name));
            }
            let value = self.eval(init, env, depth + 1)?;
            self.bind(&scope, name, value);
        }
        let last = self.eval_body(list, 2, &scope, depth)?;
        Ok((scope, last))
    }

    /// Binds a closure's parameters: the new scope and the last body form, for the caller to evaluate in tail
    /// position.
    #[inline(never)]
    fn enter_closure(&mut self, c: &Closure, args: Vec<Value>, depth: usize) -> Res<(Rc<Env>, Expr)> {
        if c.params.len() != args.len() {
            return Err(format!(
                "the procedure expects {} argument{}, got {}",
                c.params.len(),
                if c.params.len() == 1 { "" } else { "s" },
                args.len()
            ));
        }
        let scope = Env::new(Some(c.env.clone()));
        for (name, value) in c.params.iter().zip(args) {
            self.bind(&scope, name.clone(), value);
        }
        let last = self.eval_body(&c.form, c.body_start, &scope, depth)?;
        Ok((scope, last))
    }

    #[inline(never)]
    fn eval_define(&mut self, list: &Rc<Vec<Expr>>, env: &Rc<Env>, depth: usize) -> Res<Value> {
        const USAGE: &str = "usage: (define NAME EXPR) or (define (NAME PARAM...) BODY...)";
        if list.len() < 3 {
            return Err(USAGE.to_string());
        }
        match &list[1] {
            Expr::Sym(name) => {
                if list.len() != 3 {
                    return Err(USAGE.to_string());
                }
                check_bindable(name)?;
                let value = self.eval(&list[2], env, depth + 1)?;
                self.bind(env, name.clone(), value);
                Ok(Value::Defined(name.clone()))
            }
            Expr::List(signature) => {
                let name = match signature.first() {
                    Some(Expr::Sym(name)) => name.clone(),
                    _ => return Err(USAGE.to_string()),
                };
                check_bindable(&name)?;
                let params = param_names(&Expr::List(Rc::new(signature[1..].to_vec())))?;
                let closure = Closure { params, form: list.clone(), body_start: 2, env: env.clone() };
                self.bind(env, name.clone(), Value::Closure(Rc::new(closure)));
                Ok(Value::Defined(name))
            }
            _ => Err(USAGE.to_string()),
        }
    }
}

#[inline(never)]
fn make_lambda(list: &Rc<Vec<Expr>>, env: &Rc<Env>) -> Res<Value> {
    if list.len() < 3 {
        return Err("usage: (lambda (PARAM...) BODY...)".to_string());
    }
    let params = param_names(&list[1])?;
    Ok(Value::Closure(Rc::new(Closure { params, form: list.clone(), body_start: 2, env: env.clone() })))
}

fn check_bindable(name: &str) -> Res<()> {
    if SPECIAL_FORMS.contains(&name) {
        Err(format!("{} is a special form and cannot be bound", name))
    } else {
        Ok(())
    }
}

fn param_names(expr: &Expr) -> Res<Vec<Rc<str>>> {
    let list = match expr {
        Expr::List(list) => list,
        _ => return Err("the parameters must be a list of names".to_string()),
    };
    let mut names: Vec<Rc<str>> = Vec::with_capacity(list.len());
    for p in list.iter() {
        match p {
            Expr::Sym(name) => {
                check_bindable(name)?;
                if names.contains(name) {
                    return Err(format!("parameter {} appears twice", name));
                }
                names.push(name.clone());
            }
            _ => return Err("the parameters must be a list of names".to_string()),
        }
    }
    Ok(names)
}

fn ints(name: &str, args: &[Value]) -> Res<Vec<i64>> {
    args.iter()
        .map(|a| match a {
            Value::Int(n) => Ok(*n),
            _ => Err(format!("{} expects integers", name)),
        })
        .collect()
}

fn strs<'a>(name: &str, args: &'a [Value]) -> Res<Vec<&'a str>> {
    args.iter()
        .map(|a| match a {
            Value::Str(s) => Ok(&**s),
            _ => Err(format!("{} expects strings", name)),
        })
        .collect()
}

fn arity(name: &str, args: &[Value], n: usize) -> Res<()> {
    if args.len() == n {
        Ok(())
    } else {
        Err(format!("{} expects {} argument{}, got {}", name, n, if n == 1 { "" } else { "s" }, args.len()))
    }
}

fn overflow() -> String {
    "integer overflow".to_string()
}

#[inline(never)]
fn apply_prim(p: Prim, args: Vec<Value>) -> Res<Value> {
    let name = PRIMS.iter().find(|(_, q)| *q == p).map(|(n, _)| *n).unwrap_or("?");
    match p {
        Prim::Add => ints(name, &args)?
            .into_iter()
            .try_fold(0i64, |a, b| a.checked_add(b))
            .map(Value::Int)
            .ok_or_else(overflow),
        Prim::Mul => ints(name, &args)?
            .into_iter()
            .try_fold(1i64, |a, b| a.checked_mul(b))
            .map(Value::Int)
            .ok_or_else(overflow),
        Prim::Sub => {
            let n = ints(name, &args)?;
            match n.split_first() {
                None => Err("- expects at least 1 argument".to_string()),
                Some((first, [])) => first.checked_neg().map(Value::Int).ok_or_else(overflow),
                Some((first, rest)) => {
                    rest.iter().try_fold(*first, |a, b| a.checked_sub(*b)).map(Value::Int).ok_or_else(overflow)
                }
            }
        }
        Prim::Div => {
            let n = ints(name, &args)?;
            if n.len() < 2 {
                return Err("/ expects at least 2 arguments".to_string());
            }
            let mut acc = n[0];
            for &d in &n[1..] {
                if d == 0 {
                    return Err("division by zero".to_string());
                }
                acc = acc.checked_div(d).ok_or_else(overflow)?;
            }
            Ok(Value::Int(acc))
        }
        Prim::NumEq | Prim::Lt | Prim::Gt | Prim::Le | Prim::Ge => {
            let n = ints(name, &args)?;
            if n.is_empty() {
                return Err(format!("{} expects at least 1 argument", name));
            }
            let holds = n.windows(2).all(|w| match p {
                Prim::NumEq => w[0] == w[1],
                Prim::Lt => w[0] < w[1],
                Prim::Gt => w[0] > w[1],
                Prim::Le => w[0] <= w[1],
                _ => w[0] >= w[1],
            });
            Ok(Value::Bool(holds))
        }
        Prim::Not => {
            arity(name, &args, 1)?;
            Ok(Value::Bool(matches!(args[0], Value::Bool(false))))
        }
        Prim::StringAppend => Ok(Value::Str(Rc::from(strs(name, &args)?.concat()))),
        Prim::NumberToString => {
            arity(name, &args, 1)?;
            Ok(Value::Str(Rc::from(ints(name, &args)?[0].to_string())))
        }
        Prim::HostAdd => {
            arity(name, &args, 1)?;
            host_add(ints(name, &args)?[0])?;
            Ok(Value::Ok)
        }
        Prim::HostSum => {
            arity(name, &args, 0)?;
            Ok(Value::Int(host_sum()?))
        }
        Prim::HostSet => {
            arity(name, &args, 2)?;
            let s = strs(name, &args)?;
            host_set(s[0], s[1])?;
            Ok(Value::Ok)
        }
        Prim::HostGet => {
            arity(name, &args, 1)?;
            Ok(Value::Str(Rc::from(host_get(strs(name, &args)?[0])?)))
        }
    }
}

// --- the reader --------------------------------------------------------------------------------------------

/// Parses a line that holds exactly one expression.
fn parse_line(line: &str) -> Res<Expr> {
    let mut parser = Parser { text: line.as_bytes(), pos: 0, src: line };
    let expr = parser.expr(0)?;
    parser.skip_space();
    if parser.pos < parser.text.len() {
        if parser.text[parser.pos] == b')' {
            return Err("unbalanced parentheses: unexpected )".to_string());
        }
        return Err("one expression per line".to_string());
    }
    Ok(expr)
}

struct Parser<'a> {
    text: &'a [u8],
    src: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn skip_space(&mut self) {
        while self.pos < self.text.len() && (self.text[self.pos] == b' ' || self.text[self.pos] == b'\t') {
            self.pos += 1;
        }
    }

    fn expr(&mut self, nesting: usize) -> Res<Expr> {
        self.skip_space();
        if self.pos >= self.text.len() {
            return Err("unbalanced parentheses: missing )".to_string());
        }
        match self.text[self.pos] {
            b'(' => {
                if nesting >= MAX_NESTING {
                    return Err("expression nested too deeply".to_string());
                }
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    if self.pos >= self.text.len() {
                        return Err("unbalanced parentheses: missing )".to_string());
                    }
                    if self.text[self.pos] == b')' {
                        self.pos += 1;
                        return Ok(Expr::List(Rc::new(items)));
                    }
                    items.push(self.expr(nesting + 1)?);
                }
            }
            b')' => Err("unbalanced parentheses: unexpected )".to_string()),
            b'"' => self.string(),
            _ => self.atom(),
        }
    }

    fn string(&mut self) -> Res<Expr> {
        self.pos += 1; // the opening quote
        let mut s = String::new();
        let mut start = self.pos;
        loop {
            if self.pos >= self.text.len() {
                return Err("unterminated string".to_string());
            }
            match self.text[self.pos] {
                b'"' => {
                    s.push_str(&self.src[start..self.pos]);
                    self.pos += 1;
                    return Ok(Expr::Str(Rc::from(s)));
                }
                b'\\' => {
                    s.push_str(&self.src[start..self.pos]);
                    match self.text.get(self.pos + 1) {
                        Some(b'"') => s.push('"'),
                        Some(b'\\') => s.push('\\'),
                        _ => return Err("unknown escape in string (only \\\" and \\\\)".to_string()),
                    }
                    self.pos += 2;
                    start = self.pos;
                }
                _ => self.pos += 1,
            }
        }
    }

    fn atom(&mut self) -> Res<Expr> {
        let start = self.pos;
        while self.pos < self.text.len() && !matches!(self.text[self.pos], b' ' | b'\t' | b'(' | b')' | b'"') {
            self.pos += 1;
        }
        let text = &self.src[start..self.pos];
        let digits = text.strip_prefix(|c| c == '+' || c == '-').unwrap_or(text);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return text
                .parse::<i64>()
                .map(Expr::Int)
                .map_err(|_| format!("integer literal out of range: {}", text));
        }
        match text {
            "#t" => Ok(Expr::Bool(true)),
            "#f" => Ok(Expr::Bool(false)),
            _ if text.starts_with('#') => Err(format!("unknown literal: {}", text)),
            _ => Ok(Expr::Sym(Rc::from(text))),
        }
    }
}
