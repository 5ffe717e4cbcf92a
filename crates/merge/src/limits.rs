//! Bounds on the work of a merge: a cancel check, a deadline and a budget
//! for the line merge of one text file.
//!
//! The line merge (diffy) runs Myers' diff of each side against the base,
//! which cannot be interrupted once started and costs about the square of
//! the number of changed lines (up to (lines of both) × (changed lines)
//! when a file is rewritten). So before a file is merged line by line its
//! cost is measured with a bounded, interruptible pass of the same search,
//! and a file over the budget becomes a `too_large` conflict the user
//! settles with ours or theirs. Cancellation and the deadline are
//! checked between files and inside that estimate, so the uninterruptible
//! part of a merge stays short.

use std::cell::Cell;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Per side, the most steps (diagonals visited plus lines compared) that
/// Myers' search may take for one text file. Diffing a side costs about
/// twice that: with this budget, under half a second per file on a 2-core
/// machine without full optimisation. It admits e.g. a complete rewrite of
/// a 5,000-line file, or 5,000 changed lines spread over 100,000; a file
/// with 10,000 changed lines on each side is over it.
pub const MAX_LINE_WORK: u64 = 100_000_000;

/// How often the cancel check is asked, at most: it may be a database read.
const CHECK_EVERY: Duration = Duration::from_millis(50);

fn never() -> bool {
    false
}

/// What bounds one merge. `Default` never cancels, has no deadline and the
/// `MAX_LINE_WORK` budget, so every caller agrees on which files are too
/// large.
pub struct MergeLimits<'a> {
    /// Asked between files and during the estimate; `true` stops the merge.
    pub cancelled: &'a dyn Fn() -> bool,
    /// After this instant, text files not yet merged become `too_large`.
    pub deadline: Option<Instant>,
    /// The per-side budget of one text file's line merge.
    pub max_line_work: u64,
}

impl Default for MergeLimits<'static> {
    fn default() -> Self {
        MergeLimits {
            cancelled: &never,
            deadline: None,
            max_line_work: MAX_LINE_WORK,
        }
    }
}

/// The merge was stopped by its cancel check; it has no result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the merge was cancelled")
    }
}

impl std::error::Error for Cancelled {}

/// Asks the limits, throttling the cancel check.
pub(crate) struct Checker<'a> {
    limits: &'a MergeLimits<'a>,
    last: Cell<Option<Instant>>,
    cancelled: Cell<bool>,
}

impl<'a> Checker<'a> {
    pub fn new(limits: &'a MergeLimits<'a>) -> Self {
        Checker {
            limits,
            last: Cell::new(None),
            cancelled: Cell::new(false),
        }
    }

    /// `Err` once the cancel check said so (then always).
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.cancelled.get() {
            return Err(Cancelled);
        }
        let now = Instant::now();
        if self
            .last
            .get()
            .is_some_and(|t| now.duration_since(t) < CHECK_EVERY)
        {
            return Ok(());
        }
        self.last.set(Some(now));
        if (self.limits.cancelled)() {
            self.cancelled.set(true);
            return Err(Cancelled);
        }
        Ok(())
    }

    pub fn past_deadline(&self) -> bool {
        self.limits.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// Whether merging `base` with `ours` and `theirs` line by line stays
    /// within the budget (and the deadline).
    pub fn text_within_budget(
        &self,
        base: &[u8],
        ours: &[u8],
        theirs: &[u8],
    ) -> Result<bool, Cancelled> {
        let base = split_lines(base);
        Ok(!self.past_deadline()
            && self.side_within_budget(&base, &split_lines(ours))?
            && self.side_within_budget(&base, &split_lines(theirs))?
            && !self.past_deadline())
    }

    fn side_within_budget(&self, base: &[&[u8]], side: &[&[u8]]) -> Result<bool, Cancelled> {
        let start = base.iter().zip(side).take_while(|(x, y)| x == y).count();
        let (a, b) = (&base[start..], &side[start..]);
        let end = a
            .iter()
            .rev()
            .zip(b.iter().rev())
            .take_while(|(x, y)| x == y)
            .count();
        let (a, b) = (&a[..a.len() - end], &b[..b.len() - end]);
        let budget = self.limits.max_line_work;
        let size = (a.len() + b.len()) as u64;
        if a.is_empty() || b.is_empty() || size.saturating_mul(size) <= budget {
            // A pure insertion or deletion needs no search, and a small
            // middle cannot cost more than its size squared.
            return Ok(true);
        }
        let (a, b) = line_ids(a, b);
        let (a, b) = (a.as_slice(), b.as_slice());
        // Every line in one text and not in the other is one edit at least,
        // and finding d edits visits about d²/2 diagonals: a cheap lower
        // bound that settles most large files at once.
        let least = lower_bound(a, b);
        if least.saturating_mul(least) / 2 > budget {
            return Ok(false);
        }
        let max_d = usize::try_from(isqrt(budget.saturating_mul(2)) + 1)
            .unwrap_or(usize::MAX)
            .min(a.len() + b.len());
        Ok(self.edit_distance(a, b, max_d, budget)?.is_some())
    }

    /// The number of inserted and deleted lines between `a` and `b`, if
    /// Myers' greedy forward search finds it within `max_d` rounds and
    /// `budget` steps; checked between rounds.
    fn edit_distance(
        &self,
        a: &[u32],
        b: &[u32],
        max_d: usize,
        budget: u64,
    ) -> Result<Option<usize>, Cancelled> {
        let (n, m) = (a.len() as isize, b.len() as isize);
        let offset = max_d as isize + 1;
        let mut v = vec![0isize; 2 * max_d + 3];
        let mut work = 0u64;
        for d in 0..=max_d as isize {
            self.check()?;
            work += d as u64 + 1;
            if work > budget || self.past_deadline() {
                return Ok(None);
            }
            let mut k = -d;
            while k <= d {
                let i = (k + offset) as usize;
                let mut x = if k == -d || (k != d && v[i - 1] < v[i + 1]) {
                    v[i + 1]
                } else {
                    v[i - 1] + 1
                };
                let mut y = x - k;
                let from = x;
                while x < n && y < m && a[x as usize] == b[y as usize] {
                    x += 1;
                    y += 1;
                }
                work += (x - from) as u64;
                v[i] = x;
                if x >= n && y >= m {
                    return Ok(Some(d as usize));
                }
                k += 2;
            }
        }
        Ok(None)
    }
}

/// The lines of `text`, split as the line merge splits them.
fn split_lines(text: &[u8]) -> Vec<&[u8]> {
    text.split_inclusive(|c| *c == b'\n').collect()
}

/// The lines of both texts as small dense ids (equal lines, equal ids).
fn line_ids<'t>(a: &[&'t [u8]], b: &[&'t [u8]]) -> (Vec<u32>, Vec<u32>) {
    let mut ids: HashMap<&'t [u8], u32> = HashMap::with_capacity(a.len() + b.len());
    let mut out = (Vec::with_capacity(a.len()), Vec::with_capacity(b.len()));
    for (lines, dst) in [(a, &mut out.0), (b, &mut out.1)] {
        for line in lines {
            let next = ids.len() as u32;
            dst.push(*ids.entry(line).or_insert(next));
        }
    }
    out
}

fn isqrt(x: u64) -> u64 {
    let mut r = (x as f64).sqrt() as u64;
    while r.saturating_mul(r) > x {
        r -= 1;
    }
    while (r + 1).saturating_mul(r + 1) <= x {
        r += 1;
    }
    r
}

/// How many lines are in one text more often than in the other (`a` and
/// `b` hold dense ids from `line_ids`).
fn lower_bound(a: &[u32], b: &[u32]) -> u64 {
    let mut count = vec![0i64; a.len() + b.len()];
    for x in a {
        count[*x as usize] += 1;
    }
    for y in b {
        count[*y as usize] -= 1;
    }
    count.iter().map(|c| c.unsigned_abs()).sum()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn distance(a: &str, b: &str) -> Option<usize> {
        let limits = MergeLimits::default();
        let c = Checker::new(&limits);
        let (x, y) = line_ids(&split_lines(a.as_bytes()), &split_lines(b.as_bytes()));
        c.edit_distance(&x, &y, 100, u64::MAX).unwrap()
    }

    #[test]
    fn edit_distance_counts_inserted_and_deleted_lines() {
        assert_eq!(distance("", ""), Some(0));
        assert_eq!(distance("a\n", "a\n"), Some(0));
        assert_eq!(distance("a\n", "b\n"), Some(2));
        assert_eq!(distance("", "x\ny\n"), Some(2));
        assert_eq!(distance("a\nb\nc\n", "a\nc\n"), Some(1));
        assert_eq!(distance("a\nb\nc\nd\n", "b\nX\nd\ne\n"), Some(4));
        let limits = MergeLimits::default();
        let c = Checker::new(&limits);
        let (x, y) = line_ids(&split_lines(b"a\nb\nc\n"), &split_lines(b"x\ny\nz\n"));
        assert_eq!(c.edit_distance(&x, &y, 5, u64::MAX).unwrap(), None);
        assert_eq!(c.edit_distance(&x, &y, 6, u64::MAX).unwrap(), Some(6));
        assert_eq!(c.edit_distance(&x, &y, 6, 10).unwrap(), None);
    }

    #[test]
    fn the_budget_counts_lines_times_changes() {
        let base: String = (0..1000).map(|i| format!("{i}\n")).collect();
        let side: String = (0..1000)
            .map(|i| {
                if i % 10 == 0 {
                    format!("x{i}\n")
                } else {
                    format!("{i}\n")
                }
            })
            .collect();
        // 200 changed lines spread over 1,000: about 200²/2 diagonals.
        let within = |max_line_work| {
            let limits = MergeLimits {
                max_line_work,
                ..MergeLimits::default()
            };
            Checker::new(&limits)
                .side_within_budget(&split_lines(base.as_bytes()), &split_lines(side.as_bytes()))
                .unwrap()
        };
        assert!(within(100_000));
        assert!(!within(10_000));
    }

    #[test]
    fn a_cancel_stops_the_estimate() {
        let stop = || true;
        let limits = MergeLimits {
            cancelled: &stop,
            max_line_work: 10,
            ..MergeLimits::default()
        };
        let c = Checker::new(&limits);
        // Reordered lines: past the cheap bounds, into the search.
        assert_eq!(
            c.text_within_budget(b"a\nb\nc\n", b"c\nb\na\n", b"a\nb\nc\n"),
            Err(Cancelled)
        );
        assert_eq!(c.check(), Err(Cancelled), "and stays cancelled");
    }
}
