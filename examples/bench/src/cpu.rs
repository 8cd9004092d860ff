//! CPU time of the calling thread: what a case costs the bench's runtime thread, apart from
//! the time it waits (for the server, for a wake-up). On this VM a loopback round trip waits
//! for the other vCPU to wake when it was idle, tens of microseconds that count in every
//! case's wall time alike, and not when the machine is busy: ratios of wall times move with
//! the machine's load, ratios of CPU times less (the kernel's side of a wake-up is CPU time
//! too).

use std::time::Duration;

/// `clock_gettime(CLOCK_THREAD_CPUTIME_ID)`: the CPU time this thread used so far.
pub fn thread() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec; the clock id is a constant every Linux has.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "CLOCK_THREAD_CPUTIME_ID is readable");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}
