//! A mapped file that another process truncates raises SIGBUS on the next access past its new
//! end, which kills the process (issue 11, item 13: 9 runs of 40 on a directory being written).
//! The guard installed here turns that into an input error: on a SIGBUS whose address lies in
//! a mapping that [`Guard`] registered, the handler maps a page of zeros over the faulting
//! page (`MAP_FIXED`, anonymous) and counts the fault; the read resumes and sees zeros, and the
//! caller, seeing the count move, re-checks the file's size and reports it as changed. A
//! SIGBUS anywhere else restores the default action and returns, so it kills as before.
//! (The technique of LMDB's and SQLite's mmap users; `mmap` is a system call, safe to make
//! from a handler on Linux though POSIX does not list it.)

#![allow(unsafe_code)]

use std::sync::Once;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Mappings registered at once: one per thread reading a mapped file, and threads are capped
/// at four per CPU; past this a mapping simply goes unguarded.
const SLOTS: usize = 512;

static STARTS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static ENDS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static FAULTS: AtomicU64 = AtomicU64::new(0);
static INSTALL: Once = Once::new();

/// Faults absorbed so far, in any guarded mapping.
pub fn faults() -> u64 {
    FAULTS.load(Ordering::SeqCst)
}

/// A registered range; unregistered when dropped (before the mapping is unmapped).
pub struct Guard(Option<usize>);

impl Guard {
    pub fn new(start: *const u8, len: usize) -> Guard {
        INSTALL.call_once(install);
        let start = start as usize;
        for slot in 0..SLOTS {
            if STARTS[slot]
                .compare_exchange(0, usize::MAX, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                ENDS[slot].store(start + len, Ordering::SeqCst);
                STARTS[slot].store(start, Ordering::SeqCst);
                return Guard(Some(slot));
            }
        }
        Guard(None)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(slot) = self.0 {
            ENDS[slot].store(0, Ordering::SeqCst);
            STARTS[slot].store(0, Ordering::SeqCst);
        }
    }
}

fn guarded(addr: usize) -> bool {
    (0..SLOTS).any(|slot| {
        let start = STARTS[slot].load(Ordering::SeqCst);
        start != 0
            && start != usize::MAX
            && addr >= start
            && addr < ENDS[slot].load(Ordering::SeqCst)
    })
}

extern "C" fn on_sigbus(_signal: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: the kernel hands a valid siginfo_t to an SA_SIGINFO handler.
    let addr = unsafe { (*info).si_addr() } as usize;
    if guarded(addr) {
        // SAFETY: sysconf and mmap are plain system calls. MAP_FIXED replaces exactly one page
        // of a mapping we registered (and will unmap ourselves) with a private page of zeros.
        unsafe {
            let page = libc::sysconf(libc::_SC_PAGESIZE).max(4096) as usize;
            let base = addr & !(page - 1);
            let zeros = libc::mmap(
                base as *mut libc::c_void,
                page,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            );
            if zeros != libc::MAP_FAILED {
                FAULTS.fetch_add(1, Ordering::SeqCst);
                return;
            }
        }
    }
    // Not ours: the default action, which the returning access raises again.
    // SAFETY: signal(2) with SIG_DFL is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGBUS, libc::SIG_DFL);
    }
}

fn install() {
    // SAFETY: a zeroed sigaction with our handler and SA_SIGINFO is a valid argument; the
    // handler only touches atomics and makes system calls.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigbus as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    }
}
