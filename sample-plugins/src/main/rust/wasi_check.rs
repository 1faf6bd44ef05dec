//! wasi_check (Rust): a WASI preview 1 conformance probe through Rust's std, with raw imports of
//! `wasi_snapshot_preview1` for what std does not reach. The C probe (src/main/c/wasi/wasi_check.c) calls
//! every function raw; this one goes through the paths real Rust programs take (std::fs, std::env,
//! std::time, std::thread::sleep, std::process::exit) and checks that they agree.
//!
//!   wasi_check DIR
//!
//! What the host must provide (the contract), the same as for the C probe:
//! - argv: exactly one argument, DIR, the guest name of a preopened, writable directory (for example
//!   /sandbox), exactly the preopen's name. The program works in a fresh subdirectory
//!   DIR/wasi_check_rust.<random hex> and removes it at the end (check "cleanup").
//! - a second preopen named /ro, read-only (without write rights, or on a read-only file system), holding
//!   a file hello.txt whose content is exactly "hello\n".
//! - the environment variable WASI_CHECK=1.
//! - stdin: unused.
//! - a file system with nanosecond timestamps and hard and symbolic links.
//!
//! Output: one line per check on stdout, "ok NAME" or "FAIL NAME: what was expected, what happened
//! (errno)"; a summary on stderr. Exits through proc_exit (std::process::exit) with 0 when every check
//! passed, 1 otherwise.
//!
//! Build (std only, no crates; Debian's rustc 1.63):
//!   /usr/bin/rustc --edition 2021 --target wasm32-wasi -C opt-level=2 -C strip=debuginfo wasi_check.rs

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::wasi::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The plugin manifest (UTF-8 JSON), emitted as the custom section `terrarium.manifest`.
/// The array length must match the JSON text exactly (the compiler checks it).
#[used]
#[link_section = "terrarium.manifest"]
static MANIFEST: [u8; 129] =
    *br#"{"id":"wasi-check-rust","version":"0.1.0","capabilities":{"wasi":["args","env","stdio","clocks","random","poll","files","exit"]}}"#;

// ---- raw WASI imports (only what std does not offer) -----------------------------------------------------

mod raw {
    /// `fdstat`: filetype u8 @0, flags u16 @2, rights_base u64 @8, rights_inheriting u64 @16.
    #[repr(C)]
    #[derive(Default, Clone, Copy)]
    pub struct Fdstat {
        pub filetype: u8,
        pub flags: u16,
        pub rights_base: u64,
        pub rights_inheriting: u64,
    }

    /// `filestat`: 64 bytes.
    #[repr(C)]
    #[derive(Default, Clone, Copy)]
    pub struct Filestat {
        pub dev: u64,
        pub ino: u64,
        pub filetype: u8,
        pub nlink: u64,
        pub size: u64,
        pub atim: u64,
        pub mtim: u64,
        pub ctim: u64,
    }

    /// `prestat`: tag u8 @0, name length u32 @4.
    #[repr(C)]
    #[derive(Default)]
    pub struct Prestat {
        pub tag: u8,
        pub name_len: u32,
    }

    /// `subscription` for a clock: userdata u64 @0, tag u8 @8, then the union at 16: clock id u32 @16,
    /// timeout u64 @24, precision u64 @32, flags u16 @40; 48 bytes.
    #[repr(C)]
    pub struct ClockSubscription {
        pub userdata: u64,
        pub tag: u8,
        pub pad: [u8; 7],
        pub id: u32,
        pub timeout: u64,
        pub precision: u64,
        pub flags: u16,
    }

    /// `event`: userdata u64 @0, error u16 @8, type u8 @10, fd_readwrite (nbytes u64 @16, flags u16 @24);
    /// 32 bytes.
    #[repr(C)]
    #[derive(Default)]
    pub struct Event {
        pub userdata: u64,
        pub error: u16,
        pub kind: u8,
        pub nbytes: u64,
        pub flags: u16,
    }

    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    extern "C" {
        #[link_name = "clock_res_get"]
        pub fn clock_res_get(id: u32, out: *mut u64) -> i32;
        #[link_name = "clock_time_get"]
        pub fn clock_time_get(id: u32, precision: u64, out: *mut u64) -> i32;
        #[link_name = "fd_advise"]
        pub fn fd_advise(fd: u32, offset: u64, len: u64, advice: u32) -> i32;
        #[link_name = "fd_allocate"]
        pub fn fd_allocate(fd: u32, offset: u64, len: u64) -> i32;
        #[link_name = "fd_close"]
        pub fn fd_close(fd: u32) -> i32;
        #[link_name = "fd_fdstat_get"]
        pub fn fd_fdstat_get(fd: u32, out: *mut Fdstat) -> i32;
        #[link_name = "fd_fdstat_set_rights"]
        pub fn fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64) -> i32;
        #[link_name = "fd_filestat_set_times"]
        pub fn fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, flags: u32) -> i32;
        #[link_name = "fd_prestat_get"]
        pub fn fd_prestat_get(fd: u32, out: *mut Prestat) -> i32;
        #[link_name = "fd_prestat_dir_name"]
        pub fn fd_prestat_dir_name(fd: u32, buf: *mut u8, len: u32) -> i32;
        #[link_name = "fd_renumber"]
        pub fn fd_renumber(fd: u32, to: u32) -> i32;
        #[link_name = "path_filestat_get"]
        pub fn path_filestat_get(fd: u32, flags: u32, path: *const u8, len: u32, out: *mut Filestat) -> i32;
        #[link_name = "path_filestat_set_times"]
        pub fn path_filestat_set_times(
            fd: u32,
            flags: u32,
            path: *const u8,
            len: u32,
            atim: u64,
            mtim: u64,
            fst_flags: u32,
        ) -> i32;
        #[link_name = "path_unlink_file"]
        pub fn path_unlink_file(fd: u32, path: *const u8, len: u32) -> i32;
        #[link_name = "path_open"]
        pub fn path_open(
            fd: u32,
            dirflags: u32,
            path: *const u8,
            len: u32,
            oflags: u32,
            base: u64,
            inheriting: u64,
            fdflags: u32,
            out: *mut u32,
        ) -> i32;
        #[link_name = "poll_oneoff"]
        pub fn poll_oneoff(subs: *const ClockSubscription, events: *mut Event, n: u32, nevents: *mut u32) -> i32;
        #[link_name = "random_get"]
        pub fn random_get(buf: *mut u8, len: u32) -> i32;
        #[link_name = "sched_yield"]
        pub fn sched_yield() -> i32;
    }
}

const EINVAL: i32 = 28;
const EEXIST: i32 = 20;
const EISDIR: i32 = 31;
const EILSEQ: i32 = 25;
const ENOENT: i32 = 44;
const ENOTDIR: i32 = 54;
const ENOTEMPTY: i32 = 55;
const EPERM: i32 = 63;
const EROFS: i32 = 69;
const ENOTCAPABLE: i32 = 76;

const RIGHTS_FD_WRITE: u64 = 1 << 6;
const FILETYPE_REGULAR_FILE: u8 = 4;
const FILETYPE_SYMBOLIC_LINK: u8 = 7;
const FSTFLAGS_ATIM: u32 = 1;
const FSTFLAGS_MTIM: u32 = 4;
const LOOKUP_SYMLINK_FOLLOW: u32 = 1;
const OFLAGS_CREAT: u32 = 1;

/// A path that leaves its preopen: EPERM (wasmtime) or ENOTCAPABLE (older runtimes); the spec names neither.
const ESCAPE: &[i32] = &[ENOTCAPABLE, EPERM];
/// Writing under /ro: a missing right is ENOTCAPABLE (spec), a read-only file system EROFS.
const READ_ONLY: &[i32] = &[ENOTCAPABLE, EROFS];

// ---- reporting ------------------------------------------------------------------------------------------

/// A failed check: what was expected and what happened.
struct Failure(String);

type Check = Result<(), Failure>;

fn errno_name(e: i32) -> String {
    let name = match e {
        0 => "success",
        2 => "EACCES",
        8 => "EBADF",
        20 => "EEXIST",
        25 => "EILSEQ",
        28 => "EINVAL",
        31 => "EISDIR",
        44 => "ENOENT",
        52 => "ENOSYS",
        54 => "ENOTDIR",
        55 => "ENOTEMPTY",
        58 => "ENOTSUP",
        63 => "EPERM",
        69 => "EROFS",
        76 => "ENOTCAPABLE",
        _ => return format!("errno {}", e),
    };
    if e == 0 {
        name.to_string()
    } else {
        format!("{} ({})", name, e)
    }
}

fn os_errno(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(-1)
}

/// Turns an io::Result into a check step: `what` failed unexpectedly.
fn step<T>(what: &str, r: io::Result<T>) -> Result<T, Failure> {
    r.map_err(|e| Failure(format!("{}: expected success, got {} ({})", what, errno_name(os_errno(&e)), e)))
}

/// A raw WASI call that must succeed.
fn ok_raw(what: &str, e: i32) -> Check {
    if e == 0 {
        Ok(())
    } else {
        Err(Failure(format!("{}: expected success, got {}", what, errno_name(e))))
    }
}

fn expected_names(allowed: &[i32]) -> String {
    allowed.iter().map(|&e| errno_name(e)).collect::<Vec<_>>().join(" or ")
}

/// A std call that must fail with one of `allowed`.
fn fails_with<T>(what: &str, r: io::Result<T>, allowed: &[i32]) -> Check {
    match r {
        Ok(_) => Err(Failure(format!("{}: expected {}, got success", what, expected_names(allowed)))),
        Err(e) if allowed.contains(&os_errno(&e)) => Ok(()),
        Err(e) => Err(Failure(format!(
            "{}: expected {}, got {} ({})",
            what,
            expected_names(allowed),
            errno_name(os_errno(&e)),
            e
        ))),
    }
}

/// A raw WASI call that must fail with one of `allowed`.
fn raw_fails_with(what: &str, e: i32, allowed: &[i32]) -> Check {
    if allowed.contains(&e) {
        Ok(())
    } else {
        Err(Failure(format!("{}: expected {}, got {}", what, expected_names(allowed), errno_name(e))))
    }
}

fn require(cond: bool, message: impl FnOnce() -> String) -> Check {
    if cond {
        Ok(())
    } else {
        Err(Failure(message()))
    }
}

struct Report {
    checks: u32,
    failures: u32,
}

impl Report {
    fn run(&mut self, name: &str, check: impl FnOnce() -> Check) {
        self.checks += 1;
        match check() {
            Ok(()) => println!("ok {}", name),
            Err(Failure(why)) => {
                self.failures += 1;
                println!("FAIL {}: {}", name, why);
            }
        }
    }
}

// ---- helpers --------------------------------------------------------------------------------------------

fn fd_of(f: &File) -> u32 {
    f.as_raw_fd() as u32
}

fn fdstat(fd: u32) -> Result<raw::Fdstat, Failure> {
    let mut st = raw::Fdstat::default();
    ok_raw("fd_fdstat_get", unsafe { raw::fd_fdstat_get(fd, &mut st) })?;
    Ok(st)
}

fn path_stat(dir: u32, follow: bool, path: &str) -> Result<raw::Filestat, i32> {
    let mut st = raw::Filestat::default();
    let flags = if follow { LOOKUP_SYMLINK_FOLLOW } else { 0 };
    let e = unsafe { raw::path_filestat_get(dir, flags, path.as_ptr(), path.len() as u32, &mut st) };
    if e == 0 {
        Ok(st)
    } else {
        Err(e)
    }
}

fn random_hex() -> String {
    let mut b = [0u8; 4];
    unsafe { raw::random_get(b.as_mut_ptr(), 4) };
    b.iter().map(|x| format!("{:02x}", x)).collect()
}

fn names_in(dir: &Path) -> io::Result<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    for entry in fs::read_dir(dir)? {
        names.insert(entry?.file_name().to_string_lossy().into_owned());
    }
    Ok(names)
}

// ---- the checks -----------------------------------------------------------------------------------------

fn check_args(work: &str) -> Check {
    let args: Vec<String> = std::env::args().collect();
    require(args.len() == 2 && args[1] == work, || format!("expected [program, {}], got {:?}", work, args))
}

fn check_env() -> Check {
    require(std::env::var("WASI_CHECK").as_deref() == Ok("1"), || {
        format!("std::env::var(\"WASI_CHECK\"): expected \"1\", got {:?}", std::env::var("WASI_CHECK"))
    })
}

fn check_clocks() -> Check {
    for id in 0..4u32 {
        let mut res = 0u64;
        ok_raw(&format!("clock_res_get({})", id), unsafe { raw::clock_res_get(id, &mut res) })?;
        require(res > 0, || format!("clock_res_get({}): expected a non-zero resolution (spec), got 0", id))?;
        let (mut a, mut b) = (0u64, 0u64);
        ok_raw("clock_time_get", unsafe { raw::clock_time_get(id, 1, &mut a) })?;
        ok_raw("clock_time_get", unsafe { raw::clock_time_get(id, 1, &mut b) })?;
        require(b >= a, || format!("clock {} went backwards: {} then {}", id, a, b))?;
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| Failure(format!("{}", e)))?;
    require(now.as_secs() > 1_577_836_800 && now.as_secs() < 4_102_444_800, || {
        format!("SystemTime::now() is {:?} after 1970, not between 2020 and 2100", now)
    })
}

/// std::thread::sleep is poll_oneoff with a relative monotonic clock subscription in Rust's std for WASI.
fn check_sleep() -> Check {
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(10));
    let elapsed = start.elapsed();
    require(elapsed >= Duration::from_millis(9), || format!("sleep(10 ms) returned after {:?}", elapsed))
}

fn check_poll_raw() -> Check {
    let sub = raw::ClockSubscription {
        userdata: 42,
        tag: 0,
        pad: [0; 7],
        id: 1,
        timeout: 10_000_000,
        precision: 0,
        flags: 0,
    };
    let mut event = raw::Event::default();
    let mut n = 0u32;
    let start = Instant::now();
    ok_raw("poll_oneoff", unsafe { raw::poll_oneoff(&sub, &mut event, 1, &mut n) })?;
    let elapsed = start.elapsed();
    require(n == 1 && event.userdata == 42 && event.kind == 0 && event.error == 0, || {
        format!(
            "expected 1 clock event with userdata 42, got {} events, userdata {} type {} error {}",
            n, event.userdata, event.kind, event.error
        )
    })?;
    require(elapsed >= Duration::from_millis(9), || format!("a 10 ms timeout returned after {:?}", elapsed))
}

fn check_random() -> Check {
    let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
    ok_raw("random_get", unsafe { raw::random_get(a.as_mut_ptr(), 64) })?;
    ok_raw("random_get", unsafe { raw::random_get(b.as_mut_ptr(), 64) })?;
    require(a.iter().any(|&x| x != 0), || "64 random bytes are all zero".into())?;
    require(a != b, || "two calls returned the same 64 bytes".into())
}

fn check_sched_yield() -> Check {
    ok_raw("sched_yield", unsafe { raw::sched_yield() })
}

/// Lists the preopens (fd_prestat_get from fd 3 until EBADF) and returns the descriptor of `work`.
fn check_prestat(work: &str, work_fd: &mut u32) -> Check {
    let mut found = BTreeSet::new();
    for fd in 3..64u32 {
        let mut pre = raw::Prestat::default();
        let e = unsafe { raw::fd_prestat_get(fd, &mut pre) };
        if e == 8 {
            break; // EBADF: past the last descriptor
        }
        if e != 0 {
            continue;
        }
        require(pre.tag == 0, || format!("fd {}: expected a directory preopen (tag 0), got tag {}", fd, pre.tag))?;
        let mut name = vec![0u8; pre.name_len as usize];
        ok_raw("fd_prestat_dir_name", unsafe { raw::fd_prestat_dir_name(fd, name.as_mut_ptr(), pre.name_len) })?;
        if name == work.as_bytes() {
            *work_fd = fd;
        }
        found.insert(String::from_utf8_lossy(&name).into_owned());
    }
    require(found.contains(work) && found.contains("/ro"), || {
        format!("expected preopens {} and /ro, found {:?}", work, found)
    })
}

fn check_write_read(d: &Path) -> Check {
    let p = d.join("wr.txt");
    step("fs::write", fs::write(&p, b"hello, wasi"))?;
    let back = step("fs::read", fs::read(&p))?;
    require(back == b"hello, wasi", || format!("read back {:?}", String::from_utf8_lossy(&back)))?;
    let md = step("fs::metadata", fs::metadata(&p))?;
    require(md.is_file() && md.len() == 11, || format!("metadata: is_file {} len {}", md.is_file(), md.len()))
}

fn check_seek(d: &Path) -> Check {
    let mut f = step(
        "create",
        OpenOptions::new().read(true).write(true).create_new(true).open(d.join("seek.txt")),
    )?;
    step("write", f.write_all(b"0123456789"))?;
    require(step("seek(Start(2))", f.seek(SeekFrom::Start(2)))? == 2, || "Start(2) did not give 2".into())?;
    let mut three = [0u8; 3];
    step("read", f.read_exact(&mut three))?;
    require(&three == b"234", || format!("read at 2: {:?}", three))?;
    require(step("seek(Current(1))", f.seek(SeekFrom::Current(1)))? == 6, || "Current(1) at 5 did not give 6".into())?;
    require(step("seek(End(-3))", f.seek(SeekFrom::End(-3)))? == 7, || "End(-3) on 10 bytes did not give 7".into())?;
    fails_with("seek(Current(-100))", f.seek(SeekFrom::Current(-100)), &[EINVAL])?;
    require(step("stream_position", f.stream_position())? == 7, || "a failed seek moved the offset".into())
}

fn check_create_new_exists(d: &Path) -> Check {
    fails_with(
        "OpenOptions::create_new on an existing file",
        OpenOptions::new().write(true).create_new(true).open(d.join("wr.txt")),
        &[EEXIST],
    )
}

/// Read and append together: reads start at 0, writes go to the end.
fn check_read_append(d: &Path) -> Check {
    let p = d.join("ra.txt");
    step("fs::write", fs::write(&p, b"0123"))?;
    let mut f = step("open(read, append)", OpenOptions::new().read(true).append(true).open(&p))?;
    let mut two = [0u8; 2];
    step("read", f.read_exact(&mut two))?;
    require(&two == b"01", || format!("first read {:?}, expected \"01\"", two))?;
    step("write", f.write_all(b"XY"))?;
    step("seek(Start(0))", f.seek(SeekFrom::Start(0)))?;
    let mut all = String::new();
    step("read_to_string", f.read_to_string(&mut all))?;
    require(all == "0123XY", || format!("expected \"0123XY\", got {:?}", all))
}

fn check_set_len_sync(d: &Path) -> Check {
    let f = step("open", OpenOptions::new().read(true).write(true).open(d.join("wr.txt")))?;
    step("set_len(5)", f.set_len(5))?;
    require(step("metadata", f.metadata())?.len() == 5, || "set_len(5) did not give length 5".into())?;
    step("sync_all", f.sync_all())?;
    step("sync_data", f.sync_data())?;
    require(step("fs::read", fs::read(d.join("wr.txt")))? == b"hello", || "content after set_len(5)".into())
}

fn check_advise_allocate(d: &Path) -> Check {
    let f = step("open", OpenOptions::new().read(true).write(true).open(d.join("wr.txt")))?;
    ok_raw("fd_advise(WILLNEED)", unsafe { raw::fd_advise(fd_of(&f), 0, 5, 3) })?;
    let e = unsafe { raw::fd_allocate(fd_of(&f), 0, 64) };
    if e == 58 {
        return Ok(()); // ENOTSUP is allowed (wasmtime)
    }
    ok_raw("fd_allocate(0, 64)", e)?;
    let len = step("metadata", f.metadata())?.len();
    require(len == 64, || format!("after fd_allocate(0, 64) on 5 bytes: length {}", len))
}

fn check_rights(d: &Path) -> Check {
    let mut f = step("open", OpenOptions::new().read(true).write(true).open(d.join("wr.txt")))?;
    let fd = fd_of(&f);
    let before = fdstat(fd)?;
    require(before.rights_base & RIGHTS_FD_WRITE != 0, || "a file opened for writing lacks FD_WRITE".into())?;
    let reduced = before.rights_base & !RIGHTS_FD_WRITE;
    ok_raw("fd_fdstat_set_rights(without FD_WRITE)", unsafe {
        raw::fd_fdstat_set_rights(fd, reduced, before.rights_inheriting)
    })?;
    require(fdstat(fd)?.rights_base == reduced, || "fd_fdstat_get does not show the dropped right".into())?;
    fails_with("write without FD_WRITE", f.write(b"W"), &[ENOTCAPABLE])?;
    let mut s = String::new();
    step("read still allowed", f.read_to_string(&mut s))?;
    raw_fails_with(
        "fd_fdstat_set_rights(FD_WRITE back)",
        unsafe { raw::fd_fdstat_set_rights(fd, before.rights_base, before.rights_inheriting) },
        &[ENOTCAPABLE],
    )
}

fn check_times(d: &Path, dir_fd: u32, rel: &str) -> Check {
    let p = d.join("times.txt");
    step("fs::write", fs::write(&p, b"t"))?;
    let (atim, mtim) = (1_600_000_000_123_456_789u64, 1_700_000_000_987_654_321u64);
    let path = format!("{}/times.txt", rel);
    ok_raw("path_filestat_set_times", unsafe {
        raw::path_filestat_set_times(
            dir_fd,
            LOOKUP_SYMLINK_FOLLOW,
            path.as_ptr(),
            path.len() as u32,
            atim,
            mtim,
            FSTFLAGS_ATIM | FSTFLAGS_MTIM,
        )
    })?;
    let md = step("fs::metadata", fs::metadata(&p))?;
    let modified = step("modified", md.modified())?;
    let accessed = step("accessed", md.accessed())?;
    require(modified == UNIX_EPOCH + Duration::from_nanos(mtim) && accessed == UNIX_EPOCH + Duration::from_nanos(atim), || {
        format!(
            "nanosecond times do not round-trip: set atim {} mtim {}, std reads {:?} and {:?} after 1970",
            atim,
            mtim,
            accessed.duration_since(UNIX_EPOCH).unwrap_or_default(),
            modified.duration_since(UNIX_EPOCH).unwrap_or_default()
        )
    })?;
    let f = step("open", OpenOptions::new().write(true).open(&p))?;
    let m2 = 1_400_000_000_000_000_001u64;
    ok_raw("fd_filestat_set_times(MTIM)", unsafe { raw::fd_filestat_set_times(fd_of(&f), 0, m2, FSTFLAGS_MTIM) })?;
    let md = step("metadata", f.metadata())?;
    require(step("modified", md.modified())? == UNIX_EPOCH + Duration::from_nanos(m2), || {
        "fd_filestat_set_times: mtim 1400000000000000001 did not round-trip".into()
    })?;
    require(step("accessed", md.accessed())? == UNIX_EPOCH + Duration::from_nanos(atim), || {
        "setting only mtim changed atim".into()
    })
}

fn check_links(d: &Path, dir_fd: u32, rel: &str) -> Check {
    let target = d.join("target.txt");
    step("fs::write", fs::write(&target, b"target!"))?;
    #[allow(deprecated)] // fs::soft_link is the only stable way to make a symlink on WASI in Rust 1.63
    let made = fs::soft_link("target.txt", d.join("sym"));
    step("fs::soft_link", made)?;
    let link = step("fs::read_link", fs::read_link(d.join("sym")))?;
    require(link == Path::new("target.txt"), || format!("read_link gave {:?}", link))?;
    require(step("read through the link", fs::read(d.join("sym")))? == b"target!", || "wrong content through the link".into())?;
    let lmd = step("fs::symlink_metadata", fs::symlink_metadata(d.join("sym")))?;
    require(lmd.file_type().is_symlink(), || "symlink_metadata does not see a symlink".into())?;
    let mut listed = None;
    for entry in step("fs::read_dir", fs::read_dir(d))? {
        let entry = step("entry", entry)?;
        if entry.file_name() == "sym" {
            listed = Some(step("file_type", entry.file_type())?);
        }
    }
    require(listed.map_or(false, |t| t.is_symlink()), || {
        format!("read_dir: expected sym with d_type SYMBOLIC_LINK, got {:?}", listed)
    })?;
    let followed = path_stat(dir_fd, true, &format!("{}/sym", rel)).map_err(|e| Failure(format!("path_filestat_get(follow): {}", errno_name(e))))?;
    let unfollowed = path_stat(dir_fd, false, &format!("{}/sym", rel)).map_err(|e| Failure(format!("path_filestat_get: {}", errno_name(e))))?;
    require(followed.filetype == FILETYPE_REGULAR_FILE && unfollowed.filetype == FILETYPE_SYMBOLIC_LINK, || {
        format!("filetypes with/without SYMLINK_FOLLOW: {} and {}, expected 4 and 7", followed.filetype, unfollowed.filetype)
    })?;
    step("fs::hard_link", fs::hard_link(&target, d.join("hard")))?;
    let st = path_stat(dir_fd, false, &format!("{}/hard", rel)).map_err(|e| Failure(format!("path_filestat_get: {}", errno_name(e))))?;
    require(st.nlink == 2 && st.ino == followed.ino, || format!("hard link: {} links, inode {} vs {}", st.nlink, st.ino, followed.ino))
}

fn check_dirs(d: &Path) -> Check {
    let rd = d.join("rd");
    step("fs::create_dir", fs::create_dir(&rd))?;
    fails_with("fs::create_dir again", fs::create_dir(&rd), &[EEXIST])?;
    for name in ["a", "bb", "ccc"] {
        step("fs::write", fs::write(rd.join(name), name))?;
    }
    step("fs::create_dir(rd/sub)", fs::create_dir(rd.join("sub")))?;
    let names = step("fs::read_dir", names_in(&rd))?;
    let expected: BTreeSet<String> = ["a", "bb", "ccc", "sub"].iter().map(|s| s.to_string()).collect();
    require(names == expected, || format!("read_dir listed {:?}, expected {:?}", names, expected))?;
    for entry in step("fs::read_dir", fs::read_dir(&rd))? {
        let entry = step("entry", entry)?;
        let is_dir = step("file_type", entry.file_type())?.is_dir();
        require(is_dir == (entry.file_name() == "sub"), || format!("wrong file type for {:?}", entry.file_name()))?;
    }
    fails_with("fs::remove_dir(not empty)", fs::remove_dir(&rd), &[ENOTEMPTY])?;
    fails_with("fs::remove_file(a directory)", fs::remove_file(rd.join("sub")), &[EISDIR])?;
    fails_with("fs::remove_dir(a file)", fs::remove_dir(rd.join("a")), &[ENOTDIR])?;
    step("fs::remove_dir(rd/sub)", fs::remove_dir(rd.join("sub")))?;
    step("fs::remove_file(rd/a)", fs::remove_file(rd.join("a")))?;
    fails_with("fs::metadata(removed)", fs::metadata(rd.join("a")), &[ENOENT])
}

fn check_rename(d: &Path) -> Check {
    step("fs::write", fs::write(d.join("r1"), b"R"))?;
    step("rename file", fs::rename(d.join("r1"), d.join("r2")))?;
    fails_with("metadata(old name)", fs::metadata(d.join("r1")), &[ENOENT])?;
    step("fs::write", fs::write(d.join("r3"), b"S"))?;
    step("rename file over file", fs::rename(d.join("r2"), d.join("r3")))?;
    require(step("fs::read", fs::read(d.join("r3")))? == b"R", || "rename over a file did not replace it".into())?;
    step("create_dir", fs::create_dir(d.join("dA")))?;
    step("fs::write", fs::write(d.join("dA/f"), b"in dA"))?;
    step("rename directory", fs::rename(d.join("dA"), d.join("dB")))?;
    step("create_dir", fs::create_dir(d.join("dC")))?;
    step("rename directory over empty directory", fs::rename(d.join("dB"), d.join("dC")))?;
    require(step("fs::read", fs::read(d.join("dC/f")))? == b"in dA", || "dC/f lost its content".into())?;
    fails_with("metadata(dB)", fs::metadata(d.join("dB")), &[ENOENT])?;
    step("create_dir", fs::create_dir(d.join("dD")))?;
    step("fs::write", fs::write(d.join("dD/g"), b"g"))?;
    fails_with("rename directory over non-empty directory", fs::rename(d.join("dC"), d.join("dD")), &[ENOTEMPTY, EEXIST])
}

fn check_renumber(d: &Path) -> Check {
    step("fs::write", fs::write(d.join("na"), b"A"))?;
    step("fs::write", fs::write(d.join("nb"), b"B"))?;
    let a = step("open", File::open(d.join("na")))?;
    let mut b = step("open", File::open(d.join("nb")))?;
    let fa = fd_of(&a);
    ok_raw("fd_renumber", unsafe { raw::fd_renumber(fa, fd_of(&b)) })?;
    std::mem::forget(a); // its descriptor is gone: do not close it again
    let mut s = String::new();
    step("read", b.read_to_string(&mut s))?;
    require(s == "A", || format!("after fd_renumber(a, b), b reads {:?}", s))?;
    let mut st = raw::Fdstat::default();
    raw_fails_with("fd_fdstat_get(a)", unsafe { raw::fd_fdstat_get(fa, &mut st) }, &[8])
}

fn check_escapes(work: &str, work_fd: u32) -> Check {
    let outside = format!("{}/../../etc/passwd", work);
    fails_with(&format!("File::open({})", outside), File::open(&outside), ESCAPE)?;
    fails_with("fs::write(DIR/../outside)", fs::write(format!("{}/../outside", work), b"x"), ESCAPE)?;
    raw_fails_with("path_filestat_get(DIR, \"..\")", path_stat(work_fd, false, "..").err().unwrap_or(0), ESCAPE)
}

fn check_symlink_escape(d: &Path) -> Check {
    #[allow(deprecated)]
    let made = fs::soft_link("../../../../../../../../etc/passwd", d.join("esc"));
    match made {
        Err(e) if ESCAPE.contains(&os_errno(&e)) => Ok(()), // refused when made
        other => {
            step("fs::soft_link", other)?;
            fails_with("fs::read through an escaping link", fs::read(d.join("esc")), ESCAPE)
        }
    }
}

/// std refuses "" itself (no preopen matches it), so this asks the host directly.
fn check_empty_path(work_fd: u32) -> Check {
    raw_fails_with("path_filestat_get(DIR, \"\")", path_stat(work_fd, false, "").err().unwrap_or(0), &[ENOENT])
}

fn check_invalid_utf8(work_fd: u32, rel: &str) -> Check {
    let mut bad = format!("{}/", rel).into_bytes();
    bad.extend_from_slice(&[0xff, 0xfe]);
    let mut fd = 0u32;
    let e = unsafe {
        raw::path_open(work_fd, 0, bad.as_ptr(), bad.len() as u32, OFLAGS_CREAT, 0, 0, 0, &mut fd)
    };
    if e == 0 {
        // the host made the file: remove it here, std cannot name it (its WASI paths must be UTF-8)
        unsafe {
            raw::fd_close(fd);
            raw::path_unlink_file(work_fd, bad.as_ptr(), bad.len() as u32);
        }
    }
    raw_fails_with("path_open(0xff 0xfe, CREAT)", e, &[EILSEQ])
}

/// Removes `dir` and everything below it, listing each directory completely before deleting in it (a host
/// need not list every entry of a directory that changes while it is read).
fn remove_tree(dir: &Path) -> io::Result<()> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let is_dir = fs::symlink_metadata(&path)?.is_dir();
        entries.push((path, is_dir));
    }
    for (path, is_dir) in entries {
        if is_dir {
            remove_tree(&path)?;
        } else {
            fs::remove_file(&path)?;
        }
    }
    fs::remove_dir(dir)
}

fn check_read_only() -> Check {
    let hello = step("fs::read_to_string(/ro/hello.txt)", fs::read_to_string("/ro/hello.txt"))?;
    require(hello == "hello\n", || format!("/ro/hello.txt holds {:?}", hello))?;
    fails_with("fs::write(/ro/new.txt)", fs::write("/ro/new.txt", b"x"), READ_ONLY)?;
    fails_with("open /ro/hello.txt for writing", OpenOptions::new().write(true).open("/ro/hello.txt"), READ_ONLY)?;
    fails_with("fs::create_dir(/ro/d)", fs::create_dir("/ro/d"), READ_ONLY)?;
    fails_with("fs::remove_file(/ro/hello.txt)", fs::remove_file("/ro/hello.txt"), READ_ONLY)
}

// ---- main -----------------------------------------------------------------------------------------------

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 2 {
        eprintln!("usage: wasi_check DIR   (DIR: a writable preopen; /ro must hold hello.txt)");
        std::process::exit(2);
    }
    let work = args[1].clone();
    let mut r = Report { checks: 0, failures: 0 };

    r.run("std.env.args", || check_args(&work));
    r.run("std.env.var", check_env);
    r.run("clocks", check_clocks);
    r.run("std.thread.sleep", check_sleep);
    r.run("poll_oneoff.clock", check_poll_raw);
    r.run("random_get", check_random);
    r.run("sched_yield", check_sched_yield);
    let mut work_fd = u32::MAX;
    r.run("fd_prestat", || check_prestat(&work, &mut work_fd));

    let rel = format!("wasi_check_rust.{}", random_hex());
    let d: PathBuf = Path::new(&work).join(&rel);
    if let Err(e) = fs::create_dir(&d) {
        r.run("setup", || Err(Failure(format!("cannot create {}: {}", d.display(), e))));
    } else {
        r.run("std.fs.write_read", || check_write_read(&d));
        r.run("std.fs.create_new_exists", || check_create_new_exists(&d));
        r.run("std.fs.seek", || check_seek(&d));
        r.run("std.fs.read_append", || check_read_append(&d));
        r.run("std.fs.set_len_sync", || check_set_len_sync(&d));
        r.run("fd_advise_allocate", || check_advise_allocate(&d));
        r.run("fd_fdstat_set_rights", || check_rights(&d));
        r.run("times", || check_times(&d, work_fd, &rel));
        r.run("links", || check_links(&d, work_fd, &rel));
        r.run("std.fs.dirs", || check_dirs(&d));
        r.run("std.fs.rename", || check_rename(&d));
        r.run("fd_renumber", || check_renumber(&d));
        r.run("escape", || check_escapes(&work, work_fd));
        r.run("escape.symlink", || check_symlink_escape(&d));
        r.run("path.empty", || check_empty_path(work_fd));
        r.run("path.invalid_utf8", || check_invalid_utf8(work_fd, &rel));
        r.run("ro", check_read_only);
        r.run("cleanup", || step("remove the scratch directory", remove_tree(&d)));
    }

    eprintln!("wasi_check (rust): {} checks, {} failed", r.checks, r.failures);
    let _ = io::stdout().flush();
    std::process::exit(if r.failures == 0 { 0 } else { 1 });
}
