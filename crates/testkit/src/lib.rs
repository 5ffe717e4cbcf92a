//! Fixtures for artisync's tests: real upstream git repositories in temporary
//! directories ([`UpstreamRepo`]) and runs of the built binary against a
//! temporary data home ([`TestEnv`]), plus helpers to compare directory trees
//! byte for byte, to fingerprint places that must not change, to build
//! hostile git trees by hand, and to redact what varies between runs from CLI output.
//!
//! Everything lives in temporary directories; nothing here reads or writes
//! the real home directory or reaches the network.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod env;
mod fingerprint;
mod rawgit;
mod redact;
mod tree;
mod upstream;

pub use env::{Output, RawOutput, TestEnv};
pub use fingerprint::{
    assert_same_fingerprint, escaping_links, fingerprint, fingerprint_changes, resolve_path,
    show_changes, EntryPrint, Fingerprint, FingerprintOptions,
};
pub use rawgit::{
    commit_tree_on_main, deep_tree, id_at_main, tree_bytes, write_node, write_object, Node,
};
pub use redact::{redact_times, Redactor};
pub use tree::{assert_same_tree, snapshot_tree, without, Tree};
pub use upstream::{git, sample, UpstreamRepo};
