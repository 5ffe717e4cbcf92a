//! Embeds the built web UI (`web/dist`, made by `scripts/build-web`) into
//! the binary, each file with the gzip (`.gz`) and brotli (`.br`) copies
//! build-web writes beside it. Without a build, the server embeds nothing
//! and its pages say how to build the UI.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            walk(&p, root, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            out.push((format!("/{}", rel.to_string_lossy()), p.clone()));
        }
    }
}

/// `variant` if it exists and is not older than `original`: a copy left
/// from an earlier build (the file was rebuilt or edited by hand since)
/// would send other bytes than the identity response.
fn fresh(original: &Path, variant: Option<&PathBuf>) -> Option<String> {
    let variant = variant?;
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (mtime(original), mtime(variant)) {
        (Some(o), Some(v)) if v >= o => Some(format!(
            "Some(include_bytes!({:?}))",
            variant.display().to_string()
        )),
        _ => None,
    }
}

/// Makes sure `dist` exists, empty when the UI was never built. Cargo
/// treats a missing rerun-if-changed path as changed, so watching a missing
/// dist reran this script and recompiled the server on every build. The
/// new folder gets an old modification time: cargo would otherwise see it
/// as changed since this run started and rerun once more.
fn watchable(dist: &Path) {
    if dist.exists() || std::fs::create_dir_all(dist).is_err() {
        return;
    }
    if let Ok(dir) = std::fs::File::open(dist) {
        let _ = dir.set_modified(std::time::UNIX_EPOCH);
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let dist = manifest.join("../../web/dist");
    watchable(&dist);
    // A directory is watched as a whole: cargo reruns this script, and so
    // recompiles the server, only when some file or folder under it
    // changed. scripts/build-web leaves dist untouched when the UI did not
    // change.
    println!("cargo:rerun-if-changed={}", dist.display());
    println!("cargo:rerun-if-changed=build.rs");
    let mut files = Vec::new();
    if dist.join("index.html").exists() {
        walk(&dist, &dist, &mut files);
    }
    let mut originals = Vec::new();
    let mut gzip = BTreeMap::new();
    let mut br = BTreeMap::new();
    for (url, path) in files {
        if let Some(base) = url.strip_suffix(".gz") {
            gzip.insert(base.to_string(), path);
        } else if let Some(base) = url.strip_suffix(".br") {
            br.insert(base.to_string(), path);
        } else {
            originals.push((url, path));
        }
    }
    let mut code = String::from(
        "/// The web UI's files, by URL path, with their precompressed copies.\n\
         pub static EMBEDDED_UI: &[Asset] = &[\n",
    );
    for (url, path) in &originals {
        let gz = fresh(path, gzip.get(url)).unwrap_or_else(|| "None".into());
        let b = fresh(path, br.get(url)).unwrap_or_else(|| "None".into());
        let _ = writeln!(
            code,
            "    Asset {{ path: {url:?}, identity: include_bytes!({:?}), gzip: {gz}, br: {b} }},",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("web_assets.rs");
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}
