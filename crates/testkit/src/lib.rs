//! Fixtures for artisync's tests: real upstream git repositories in temporary
//! directories ([`UpstreamRepo`]) and runs of the built binary against a
//! temporary data home ([`TestEnv`]), plus helpers to compare directory trees
//! byte for byte and to redact what varies between runs from CLI output.
//!
//! Everything lives in temporary directories; nothing here reads or writes
//! the real home directory or reaches the network.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod env;
mod redact;
mod tree;
mod upstream;

pub use env::{Output, TestEnv};
pub use redact::{redact_times, Redactor};
pub use tree::{assert_same_tree, snapshot_tree, without, Tree};
pub use upstream::{git, sample, UpstreamRepo};
