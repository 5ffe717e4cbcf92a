//! Progress on a terminal: a bar for work counted in steps (the artifacts of
//! a sync or an update), a spinner for work that cannot be counted (a fetch,
//! an import). Nothing is drawn unless stderr is a terminal and the output
//! is for a person: pipes, `--json` and `-q` get none of it, so scripts see
//! exactly the output they always did.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::output::Out;

/// A bar or a spinner, or nothing when progress is not shown; it is
/// cleared when dropped, so the report that follows starts on a clean line.
pub struct Progress(Option<ProgressBar>);

fn shown(out: &Out) -> bool {
    !out.json && !out.quiet && std::io::stderr().is_terminal()
}

impl Progress {
    /// A bar for `what`: a spinner ("planning…") until the first step
    /// tells how many steps there are.
    pub fn bar(out: &Out, what: &str) -> Progress {
        let p = Progress::spinner(out, &format!("{what}: planning"));
        if let Some(bar) = &p.0 {
            bar.set_prefix(what.to_string());
        }
        p
    }

    /// A spinner saying what is being done.
    pub fn spinner(out: &Out, what: &str) -> Progress {
        if !shown(out) {
            return Progress(None);
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress(Some(bar))
    }

    /// Whether anything is drawn (so callers can skip work that only feeds it).
    pub fn is_shown(&self) -> bool {
        self.0.is_some()
    }

    /// `done` of `total` steps, the last one described by `message`.
    pub fn set(&self, done: u64, total: u64, message: &str) {
        let Some(bar) = &self.0 else { return };
        if bar.length() != Some(total) {
            // The first step (or a new total): from spinner to bar.
            if let Ok(style) =
                ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {wide_msg}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_length(total);
        }
        bar.set_position(done);
        bar.set_message(message.to_string());
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
