//! The allocator of every program built from this crate (the `hjemsim` binary, the tests, the
//! benches and the ceiling's `examples/bare_sweep.rs`, so that the model and its ceiling are
//! measured on the same one), and how a process keeps the memory it frees.
//!
//! **Why mimalloc**: a month reads the records of the eventful and the awake, scattered over a
//! national population's columns (about 45 bytes a person, 40 MB), most of them a 4 KiB page
//! or more apart, so such a read also misses the TLB, and on a virtual machine (this project's
//! machines and CI) each miss is a two-level page walk. mimalloc takes its memory from the
//! kernel in large aligned regions and asks for them to be backed by 2 MiB transparent huge
//! pages (`madvise(MADV_HUGEPAGE)`, which Linux's usual THP mode, `madvise`, waits for). The
//! platform's `malloc` grows its heap a little at a time, which the kernel leaves in 4 KiB pages
//! even with THP set to `always` (2 of 108 MB in huge pages). Measured (docs/PERFORMANCE.md),
//! same bytes out: a national replicate on one thread, 1.71-1.85 s of user time -> 1.35-1.51 s;
//! with mimalloc's huge pages turned off (`MIMALLOC_ALLOW_THP=0`) 1.75-1.85 s, as with `malloc`,
//! so the gain is the huge pages. The bare sweep, which reads its columns in order, gains nothing.
//!
//! **What it costs**: a process clears its huge pages when it first touches them. Where the
//! hypervisor takes free 2 MiB blocks back from the guest (free page reporting, as on this
//! project's machines), a process started after a few seconds of idle gets such blocks and pays
//! about 0.5-0.6 s of system time for a national replicate's 190 MB; one started right after
//! another reuses warm blocks (0.03 s). A batch pays it once for all its runs
//! ([`keep_freed_memory`]). Peak RSS: a national replicate 125 -> 185 MB, the main job 540-565 ->
//! 490-500 MB.
//!
//! Nothing in the model depends on addresses, so the allocator changes no output byte.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (mimalloc 3's `mimalloc.h`, `mi_option_e`), which the
/// binding does not name; `purge_delay_is_the_option_it_names` checks that it is.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps the memory the process frees for its next allocations instead of returning it to
/// the kernel a second later (mimalloc's default). A batch builds and drops a population a
/// run; returned memory comes back as new pages that the kernel must zero, and returning part
/// of a huge page splits it: the main job spent 3.1–3.6 s of system time on it against 0.4 s
/// kept, 27.4–27.8 against 23.7 s of wall time, at a peak RSS of 488–493 against 499 MB. A
/// process's memory is then its peak, which a batch reaches in its first runs anyway.
///
/// Called once, first thing, by `main`; a library user who wants mimalloc's default does not call it.
pub fn keep_freed_memory() {
    // SAFETY: `mi_option_set` stores an integer in mimalloc's table of options; it takes any
    // option below `_mi_option_last` and any value, at any time, from any thread.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purge_delay_is_the_option_it_names() {
        // mimalloc 3's purge delay defaults to 1000 ms, and no other option of its table does:
        // should a new mimalloc renumber its options, this index names another and the test fails.
        // SAFETY: reading and setting options of mimalloc's table (see `keep_freed_memory`).
        let before = unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        assert!(
            before == 1000 || before == -1,
            "option {PURGE_DELAY} is {before}: not mimalloc's purge delay"
        );
        keep_freed_memory();
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, -1);
    }
}
