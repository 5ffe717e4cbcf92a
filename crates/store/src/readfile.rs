//! Reading artisync's own state files (manifest, lockfile, project
//! registry, staged merges, the undo journal, fetch state) safely.
//!
//! Such a file sits in a folder the user (or an upstream, or a tool) can
//! put anything in. A FIFO in its place would block `open` and `read`
//! forever, a device could do anything, and a symbolic link would make
//! artisync read (and later replace) a file it does not own. So a state
//! file is opened without blocking and without following a final link, the
//! open handle is checked to be a regular file, and the bytes are read from
//! that same handle: nothing can be swapped in between the check and the
//! read. This module never writes.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::Path;

use rustix::fs::{Mode, OFlags};

use crate::StoreError;

/// Opens the state file at `path` for reading; `Ok(None)` when nothing is
/// there. Anything but a regular file (a symlink, FIFO, socket, device or
/// directory) is refused with an error naming the path.
pub fn open_regular(path: &Path) -> Result<Option<File>, StoreError> {
    // O_NONBLOCK makes opening a FIFO return at once instead of waiting for
    // a writer; on the regular file that passes the check below it changes
    // nothing. O_NOFOLLOW makes a final symlink fail with ELOOP.
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = match rustix::fs::open(path, flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(e) => {
            let e = std::io::Error::from(e);
            return match e.kind() {
                ErrorKind::NotFound => Ok(None),
                _ if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
                    Err(not_regular(path, "symbolic link"))
                }
                // A socket cannot be opened at all.
                _ if e.raw_os_error() == Some(rustix::io::Errno::NXIO.raw_os_error()) => {
                    Err(not_regular(path, "socket or device"))
                }
                _ => Err(StoreError::io("open", path)(e)),
            };
        }
    };
    let file = File::from(fd);
    let meta = file.metadata().map_err(StoreError::io("read", path))?;
    if !meta.file_type().is_file() {
        return Err(not_regular(path, kind_of(&meta.file_type())));
    }
    Ok(Some(file))
}

/// Reads the whole state file at `path`; `Ok(None)` when nothing is there.
pub fn read_regular(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    let Some(mut file) = open_regular(path)? else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(StoreError::io("read", path))?;
    Ok(Some(bytes))
}

fn not_regular(path: &Path, found: &'static str) -> StoreError {
    let what = if found == "symbolic link" {
        "artisync does not follow links for its own files; replace the link with the file it points to"
    } else {
        "artisync reads its state only from regular files; remove it (restore the file from a backup or its git history if you have one)"
    };
    StoreError::Invalid(format!(
        "{} is a {found}, not a regular file; {what}",
        path.display()
    ))
}

fn kind_of(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_dir() {
        "directory"
    } else if ft.is_fifo() {
        "FIFO (named pipe)"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_block_device() || ft.is_char_device() {
        "device"
    } else if ft.is_symlink() {
        "symbolic link"
    } else {
        "special file"
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn mkfifo(path: &Path) {
        rustix::fs::mknodat(
            rustix::fs::CWD,
            path,
            rustix::fs::FileType::Fifo,
            Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
    }

    #[test]
    fn reads_a_regular_file_and_reports_a_missing_one() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("f");
        assert!(read_regular(&p).unwrap().is_none());
        std::fs::write(&p, "x").unwrap();
        assert_eq!(read_regular(&p).unwrap().unwrap(), b"x");
    }

    #[test]
    fn refuses_fifos_links_and_directories_without_blocking() {
        let t = tempfile::tempdir().unwrap();
        let fifo = t.path().join("fifo");
        mkfifo(&fifo);
        let e = read_regular(&fifo).unwrap_err().to_string();
        assert!(
            e.contains("FIFO") && e.contains(&*fifo.to_string_lossy()),
            "{e}"
        );

        let target = t.path().join("target");
        std::fs::write(&target, "secret").unwrap();
        let link = t.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = read_regular(&link).unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");

        let dir = t.path().join("dir");
        std::fs::create_dir(&dir).unwrap();
        let e = read_regular(&dir).unwrap_err().to_string();
        assert!(e.contains("directory"), "{e}");

        let sock = t.path().join("sock");
        let _l = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let e = read_regular(&sock).unwrap_err().to_string();
        assert!(e.contains("socket"), "{e}");
    }
}
