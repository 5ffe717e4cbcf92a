//! A real `artisync serve` under slow and half-open clients, and its
//! shutdown with an event stream open: half-open connections (a request
//! head that never ends) are closed after the header timeout and cannot
//! crowd out a real request, even past the connection cap or the process's
//! file-handle limit; an idle keep-alive connection is closed, an event
//! stream is not; SIGTERM ends open event streams and the process at once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod server_support;
mod sync_support;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Child;
use std::time::{Duration, Instant};

use server_support::*;
use sync_support::*;

/// Lowers the file-handle limit of a running process.
fn limit_files(child: &Child, n: u32) {
    let ok = std::process::Command::new("prlimit")
        .args([
            "--pid",
            &child.id().to_string(),
            &format!("--nofile={n}:{n}"),
        ])
        .status()
        .unwrap()
        .success();
    assert!(ok, "prlimit failed");
}

fn open_files(child: &Child) -> usize {
    std::fs::read_dir(format!("/proc/{}/fd", child.id()))
        .unwrap()
        .count()
}

/// `n` connections that each send the start of a request head and stop.
fn half_open(addr: SocketAddr, n: usize) -> Vec<TcpStream> {
    (0..n)
        .map(|i| {
            let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
            let partial = format!("GET /api/v1/projects?slow={i} HTTP/1.1\r\nHost: {addr}\r\nX-Sl");
            s.write_all(partial.as_bytes()).unwrap();
            s
        })
        .collect()
}

/// Waits until the server has closed `s` (end of stream or reset), at most
/// until `deadline`. True if it did.
fn closed_by_server(mut s: &TcpStream, deadline: Instant) -> bool {
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        s.set_read_timeout(Some(left)).unwrap();
        match s.read(&mut buf) {
            Ok(0) => return true,
            // hyper may answer 408 before closing; keep reading to the end.
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return true,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false
            }
            Err(e) => panic!("reading a half-open connection: {e}"),
        }
    }
}

/// One authorised GET on a new connection; the status and how long the
/// answer took, or None if none came within `wait`.
fn timed_get(server: &Server, path: &str, wait: Duration) -> Option<(u16, Duration)> {
    let start = Instant::now();
    let mut s = TcpStream::connect_timeout(&server.addr, wait).ok()?;
    s.set_read_timeout(Some(wait)).unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        server.addr, server.token
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let head = String::from_utf8_lossy(&raw);
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, start.elapsed()))
}

#[test]
fn half_open_connections_past_the_cap_are_closed_and_do_not_block_real_requests() {
    let env = env();
    env.init();
    let server = Server::start(
        &env,
        &["--max-connections", "64", "--header-timeout-ms", "1000"],
    );
    // Few enough file handles that 200 sockets exhaust them without a cap.
    let base = open_files(&server.child);
    assert!(base < 60, "serve holds {base} files at rest");
    limit_files(&server.child, 160);

    let started = Instant::now();
    let slow = half_open(server.addr, 200);
    let answer = timed_get(&server, "/api/v1/projects", Duration::from_secs(5));
    let (status, took) = answer.expect("a real request got no answer within 5 s");
    assert_eq!(status, 200);
    assert!(
        took < Duration::from_millis(1500),
        "a real request took {took:?} behind 200 half-open connections"
    );
    // Every half-open connection is closed: past the cap at once, the rest
    // when their 1 s to send a request head runs out.
    let deadline = started + Duration::from_secs(4);
    let open = slow
        .iter()
        .filter(|s| !closed_by_server(s, deadline))
        .count();
    assert_eq!(open, 0, "{open} of 200 half-open connections still open");

    // A keep-alive connection that finished its request and then idles is
    // closed after the same timeout.
    let mut idle = TcpStream::connect(server.addr).unwrap();
    let req = format!(
        "GET /api/v1/projects HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\r\n",
        server.addr, server.token
    );
    idle.write_all(req.as_bytes()).unwrap();
    let t = Instant::now();
    assert!(closed_by_server(&idle, t + Duration::from_secs(4)));
    assert!(
        t.elapsed() > Duration::from_millis(900),
        "closed before the idle limit: {:?}",
        t.elapsed()
    );

    // An event stream outlives the header timeout: it is a response being
    // written, not a connection waiting for a request.
    let mut events = open_events(&server);
    std::thread::sleep(Duration::from_millis(2500));
    events
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = [0u8; 256];
    match events.read(&mut buf) {
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        other => panic!("the event stream ended or failed after 2.5 s: {other:?}"),
    }
}

#[test]
fn accept_errors_past_the_file_limit_do_not_stop_the_server() {
    let env = env();
    env.init();
    // A cap above the file limit: accepting fails with EMFILE until the
    // header timeout frees handles.
    let server = Server::start(
        &env,
        &["--max-connections", "1000", "--header-timeout-ms", "1000"],
    );
    limit_files(&server.child, 120);
    let started = Instant::now();
    let slow = half_open(server.addr, 200);
    let (status, took) = timed_get(&server, "/api/v1/projects", Duration::from_secs(8))
        .expect("no answer within 8 s: the accept loop stopped or never freed handles");
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(5), "{took:?}");
    let deadline = started + Duration::from_secs(8);
    let open = slow
        .iter()
        .filter(|s| !closed_by_server(s, deadline))
        .count();
    assert_eq!(open, 0, "{open} of 200 half-open connections still open");
    // And it goes on serving.
    let (status, _) = timed_get(&server, "/api/v1/projects", Duration::from_secs(2)).unwrap();
    assert_eq!(status, 200);
}

/// `GET /api/v1/events` with the token; returns the connection after the
/// response head.
fn open_events(server: &Server) -> TcpStream {
    let mut s = TcpStream::connect(server.addr).unwrap();
    let req = format!(
        "GET /api/v1/events HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nAccept: text/event-stream\r\n\r\n",
        server.addr, server.token
    );
    s.write_all(req.as_bytes()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(s.read(&mut byte).unwrap(), 1, "stream closed in its head");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("text/event-stream"), "{head}");
    s
}

#[test]
fn sigterm_ends_open_event_streams_and_the_process_at_once() {
    let env = env();
    env.init();
    let mut server = Server::start(&env, &[]);
    let mut a = open_events(&server);
    let mut b = open_events(&server);
    // A request after the streams opened is answered: they hold nothing up.
    let r = server.call("GET", "/api/v1/projects", None);
    assert_eq!(r.status, 200, "{}", r.text());

    let sent = Instant::now();
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let status = loop {
        if let Some(s) = server.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(2),
            "serve still running 2 s after SIGTERM with two event streams open"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "serve exits cleanly");
    // Each stream ended as a complete chunked body, not a reset.
    for s in [&mut a, &mut b] {
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).unwrap();
        assert!(
            rest.ends_with(b"0\r\n\r\n"),
            "the stream did not end cleanly: {:?}",
            String::from_utf8_lossy(&rest)
        );
    }
}
