//! A load driver for `artisync serve`. Run it on a release build:
//!
//! ```text
//! cargo build --release -p artisync -p artisync-loadtest && target/release/artisync-loadtest
//! ```
//!
//! It builds a demo home with `artisync demo --dir TMP --no-serve`, starts
//! `artisync serve --addr 127.0.0.1:0 --json` on it, reads the API token
//! from the data home, and measures on loopback, with bounded counts:
//!
//! - `POST /api/v1/sync/jobs` latency (a dry-run collection_to_project
//!   sync of one artifact, so each job stays cheap) from 50 concurrent
//!   keep-alive clients;
//! - `GET /api/v1/sync/jobs/{id}` latency from 50 clients, after the jobs
//!   the POSTs queued have run;
//! - `GET /api/v1/artifacts?project_path=...` (the status of every
//!   artifact of the demo collection in its web-app project) latency from
//!   50 clients, once without `Accept-Encoding` and once with
//!   `Accept-Encoding: gzip` (each answer must then be gzip-encoded), with
//!   the size of each body;
//!
//!   each of these twice: saturated (every client sends again as soon as it
//!   has its answer, so the latency is mostly queueing: with 50 requests
//!   always in flight, the mean is 50 / throughput) and paced (together the
//!   clients send `--post-rate` or `--get-rate` requests per second on a
//!   fixed schedule, and a latency counts from the scheduled time), with
//!   p50, p90, p99 and the maximum;
//! - the time from POSTing a one-skill upstream_to_collection sync (from
//!   the demo's local upstream) to its final event on `/api/v1/events`,
//!   over sequential runs;
//! - the serve process's resident memory (VmRSS) when idle, after start
//!   and after the load.
//!
//! Options: `--bin PATH` (the artisync binary; default
//! `target/release/artisync`), `--clients N` (50), `--posts N` and
//! `--gets N` and `--lists N` (requests per client and phase; 20, 100
//! and 20), `--post-rate R`, `--get-rate R` and `--list-rate R` (the paced
//! phases' requests per second; 500, 2000 and 200), `--sse-runs N` (30),
//! `--keep` (keep the temporary directory), `--list-home HOME
//! --list-project PATH` (measure only `GET /api/v1/artifacts`, serving an
//! existing data home, such as the one `scripts/bench-cli --keep` leaves).
//! The HTTP client is std only: HTTP/1.1 over `TcpStream`, one keep-alive
//! connection per client thread. The clients share the machine's cores
//! with the server.

use std::fmt::Display;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

type Result<T> = std::result::Result<T, String>;

fn ctx<E: Display>(what: impl Display) -> impl FnOnce(E) -> String {
    move |e| format!("{what}: {e}")
}

struct Options {
    bin: PathBuf,
    clients: usize,
    posts: usize,
    gets: usize,
    lists: usize,
    sse_runs: usize,
    post_rate: usize,
    get_rate: usize,
    list_rate: usize,
    keep: bool,
    /// Measure only `GET /api/v1/artifacts`, on this existing data home and
    /// project (e.g. what `scripts/bench-cli --keep` leaves).
    list_only: Option<(PathBuf, PathBuf)>,
}

fn parse_args() -> Result<Options> {
    let mut o = Options {
        bin: PathBuf::from("target/release/artisync"),
        clients: 50,
        posts: 20,
        gets: 100,
        lists: 20,
        sse_runs: 30,
        post_rate: 500,
        get_rate: 2000,
        list_rate: 200,
        keep: false,
        list_only: None,
    };
    let mut list_home = None;
    let mut list_project = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        let number = |v: String, name: &str| -> Result<usize> {
            match v.parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!("{name} {v:?}: expected a positive number")),
            }
        };
        match a.as_str() {
            "--bin" => o.bin = PathBuf::from(value("--bin")?),
            "--clients" => o.clients = number(value("--clients")?, "--clients")?,
            "--posts" => o.posts = number(value("--posts")?, "--posts")?,
            "--gets" => o.gets = number(value("--gets")?, "--gets")?,
            "--lists" => o.lists = number(value("--lists")?, "--lists")?,
            "--sse-runs" => o.sse_runs = number(value("--sse-runs")?, "--sse-runs")?,
            "--post-rate" => o.post_rate = number(value("--post-rate")?, "--post-rate")?,
            "--get-rate" => o.get_rate = number(value("--get-rate")?, "--get-rate")?,
            "--list-rate" => o.list_rate = number(value("--list-rate")?, "--list-rate")?,
            "--keep" => o.keep = true,
            "--list-home" => list_home = Some(PathBuf::from(value("--list-home")?)),
            "--list-project" => list_project = Some(PathBuf::from(value("--list-project")?)),
            "-h" | "--help" => {
                println!(
                    "usage: artisync-loadtest [--bin PATH] [--clients N] [--posts N] [--gets N] [--lists N] [--post-rate R] [--get-rate R] [--list-rate R] [--sse-runs N] [--keep] [--list-home HOME --list-project PATH]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}; see --help")),
        }
    }
    o.list_only = match (list_home, list_project) {
        (None, None) => None,
        (Some(h), Some(p)) => Some((h, p)),
        _ => return Err("--list-home and --list-project go together".into()),
    };
    Ok(o)
}

// ---- a minimal HTTP/1.1 client ------------------------------------------

struct Conn {
    addr: SocketAddr,
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    closed: bool,
}

struct Response {
    status: u16,
    /// The `Content-Encoding` header, if any.
    encoding: Option<String>,
    body: Vec<u8>,
}

impl Conn {
    fn connect(addr: SocketAddr) -> Result<Conn> {
        let s = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
            .map_err(ctx(format!("connect to {addr}")))?;
        s.set_nodelay(true).map_err(ctx("set TCP_NODELAY"))?;
        s.set_read_timeout(Some(Duration::from_secs(60)))
            .map_err(ctx("set a read timeout"))?;
        let writer = s.try_clone().map_err(ctx("clone a socket"))?;
        Ok(Conn {
            addr,
            reader: BufReader::new(s),
            writer,
            closed: false,
        })
    }

    /// Sends a request and reads the head of the response; returns the
    /// status and the headers (names lower-cased).
    fn send_head(
        &mut self,
        method: &str,
        path: &str,
        token: &str,
        extra: &str,
        body: &[u8],
    ) -> Result<(u16, Vec<(String, String)>)> {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n{extra}",
            self.addr
        );
        if !body.is_empty() {
            req.push_str("Content-Type: application/json\r\n");
        }
        req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        self.writer.write_all(&bytes).map_err(ctx("send"))?;
        let mut line = String::new();
        self.reader
            .read_line(&mut line)
            .map_err(ctx("read the status line"))?;
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| format!("bad status line {line:?}"))?;
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            self.reader
                .read_line(&mut h)
                .map_err(ctx("read a header"))?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        if headers
            .iter()
            .any(|(k, v)| k == "connection" && v.eq_ignore_ascii_case("close"))
        {
            self.closed = true;
        }
        Ok((status, headers))
    }

    /// Sends a request (`extra`: more header lines, each ending in CRLF)
    /// and reads the whole response.
    fn request(
        &mut self,
        method: &str,
        path: &str,
        token: &str,
        extra: &str,
        body: &[u8],
    ) -> Result<Response> {
        let (status, headers) = self.send_head(method, path, token, extra, body)?;
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let body = if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            let mut out = Vec::new();
            while let Some(chunk) = self.read_chunk()? {
                out.extend(chunk);
            }
            out
        } else {
            let n: usize = header("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let mut b = vec![0; n];
            self.reader.read_exact(&mut b).map_err(ctx("read a body"))?;
            b
        };
        let encoding = header("content-encoding").map(str::to_string);
        Ok(Response {
            status,
            encoding,
            body,
        })
    }

    /// One chunk of a chunked body; `None` at its end.
    fn read_chunk(&mut self) -> Result<Option<Vec<u8>>> {
        let mut line = String::new();
        self.reader
            .read_line(&mut line)
            .map_err(ctx("read a chunk size"))?;
        let size = line.trim().split(';').next().unwrap_or("");
        let n = usize::from_str_radix(size, 16).map_err(ctx(format!("chunk size {size:?}")))?;
        let mut data = vec![0; n + 2];
        self.reader
            .read_exact(&mut data)
            .map_err(ctx("read a chunk"))?;
        data.truncate(n);
        Ok((n > 0).then_some(data))
    }
}

/// One keep-alive client: reconnects when the server closed the
/// connection or a request failed.
struct Client {
    addr: SocketAddr,
    token: String,
    conn: Option<Conn>,
}

impl Client {
    fn new(addr: SocketAddr, token: &str) -> Client {
        Client {
            addr,
            token: token.to_string(),
            conn: None,
        }
    }

    fn call(&mut self, method: &str, path: &str, body: &[u8]) -> Result<Response> {
        self.call_with(method, path, "", body)
    }

    fn call_with(
        &mut self,
        method: &str,
        path: &str,
        extra: &str,
        body: &[u8],
    ) -> Result<Response> {
        let mut conn = match self.conn.take() {
            Some(c) if !c.closed => c,
            _ => Conn::connect(self.addr)?,
        };
        let r = conn.request(method, path, &self.token, extra, body)?;
        self.conn = Some(conn);
        Ok(r)
    }

    fn json(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        expect: u16,
    ) -> Result<Value> {
        let text = body.map(|b| b.to_string()).unwrap_or_default();
        let r = self.call(method, path, text.as_bytes())?;
        if r.status != expect {
            return Err(format!(
                "{method} {path}: {} {}",
                r.status,
                String::from_utf8_lossy(&r.body)
            ));
        }
        serde_json::from_slice(&r.body).map_err(ctx(format!("{method} {path}: not JSON")))
    }
}

// ---- measurements ---------------------------------------------------------

struct Phase {
    latencies: Vec<Duration>,
    errors: Vec<String>,
    wall: Duration,
    bodies: Vec<Value>,
    /// The largest response body, in bytes as sent.
    max_body: usize,
}

/// What a phase's requests send besides the request line and the token,
/// and what a success must look like.
#[derive(Clone, Copy)]
struct Expect<'a> {
    /// The status of a success.
    status: u16,
    /// More header lines, each ending in CRLF.
    headers: &'a str,
    /// The `Content-Encoding` a success must have (`None`: none at all).
    encoding: Option<&'a str>,
}

impl Expect<'_> {
    fn status(status: u16) -> Expect<'static> {
        Expect {
            status,
            headers: "",
            encoding: None,
        }
    }
}

/// How a phase's clients send.
#[derive(Clone, Copy)]
enum Pace {
    /// Each client sends its next request as soon as the last one is
    /// answered: the server runs at saturation, and the latency is mostly
    /// time spent queued behind the other clients' requests.
    Saturate,
    /// Together the clients send this many requests per second, each on a
    /// fixed schedule (client `c` is offset by `c / clients` of its
    /// interval). A latency runs from the request's scheduled time, so a
    /// client that falls behind counts its wait (no coordinated omission).
    Rate(f64),
}

/// `clients` threads, each sending `per_client` requests made by `make`
/// on its own keep-alive connection; `expect` says what a success is.
#[allow(clippy::too_many_arguments)]
fn run_phase(
    addr: SocketAddr,
    token: &str,
    clients: usize,
    per_client: usize,
    pace: Pace,
    expect: Expect,
    keep_bodies: bool,
    make: &(dyn Fn(usize, usize) -> (&'static str, String, Vec<u8>) + Sync),
) -> Phase {
    let start = Instant::now();
    type ClientResult = (Vec<Duration>, Vec<String>, Vec<Value>, usize);
    let results: Vec<ClientResult> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                s.spawn(move || {
                    let mut client = Client::new(addr, token);
                    let (mut lat, mut errs, mut bodies) = (Vec::new(), Vec::new(), Vec::new());
                    let mut max_body = 0;
                    let interval = match pace {
                        Pace::Saturate => None,
                        Pace::Rate(r) => Some(Duration::from_secs_f64(clients as f64 / r)),
                    };
                    // Connect before the clock starts, as a keep-alive
                    // client would have.
                    let _ = client.call("GET", "/api/v1/sync/jobs?limit=1", &[]);
                    let first = Instant::now();
                    for i in 0..per_client {
                        let (method, path, body) = make(c, i);
                        let t = match interval {
                            None => Instant::now(),
                            Some(every) => {
                                let at =
                                    first + every.mul_f64(i as f64 + c as f64 / clients as f64);
                                if let Some(wait) = at.checked_duration_since(Instant::now()) {
                                    std::thread::sleep(wait);
                                }
                                at
                            }
                        };
                        match client.call_with(method, &path, expect.headers, &body) {
                            Ok(r)
                                if r.status == expect.status
                                    && r.encoding.as_deref() == expect.encoding =>
                            {
                                lat.push(t.elapsed());
                                max_body = max_body.max(r.body.len());
                                if keep_bodies {
                                    if let Ok(v) = serde_json::from_slice(&r.body) {
                                        bodies.push(v);
                                    }
                                }
                            }
                            Ok(r) => errs.push(format!(
                                "{method} {path}: {} (Content-Encoding {:?}, expected {:?}) {}",
                                r.status,
                                r.encoding,
                                expect.encoding,
                                String::from_utf8_lossy(&r.body)
                            )),
                            Err(e) => {
                                client.conn = None;
                                errs.push(e);
                            }
                        }
                    }
                    (lat, errs, bodies, max_body)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    (vec![], vec!["a client thread panicked".into()], vec![], 0)
                })
            })
            .collect()
    });
    let wall = start.elapsed();
    let mut p = Phase {
        latencies: vec![],
        errors: vec![],
        wall,
        bodies: vec![],
        max_body: 0,
    };
    for (l, e, b, m) in results {
        p.latencies.extend(l);
        p.errors.extend(e);
        p.bodies.extend(b);
        p.max_body = p.max_body.max(m);
    }
    p.latencies.sort();
    p
}

impl Pace {
    fn label(&self) -> String {
        match self {
            Pace::Saturate => "saturated".to_string(),
            Pace::Rate(r) => format!("{r:.0} req/s"),
        }
    }
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Opens the event stream (its cursor is set once the head is read),
/// POSTs a job and waits for that job's final state event. Returns the
/// time from just before the POST to that event, and the job id.
fn job_to_final_event(addr: SocketAddr, token: &str, body: &Value) -> Result<(Duration, String)> {
    let mut sse = Conn::connect(addr)?;
    let (status, _) = sse.send_head(
        "GET",
        "/api/v1/events",
        token,
        "Accept: text/event-stream\r\n",
        b"",
    )?;
    if status != 200 {
        return Err(format!("GET /api/v1/events: {status}"));
    }
    let mut client = Client::new(addr, token);
    let start = Instant::now();
    let v = client.json("POST", "/api/v1/sync/jobs", Some(body), 202)?;
    let id = v["job_id"]
        .as_str()
        .ok_or("no job_id in the response")?
        .to_string();
    let mut buf = String::new();
    while start.elapsed() < Duration::from_secs(60) {
        let chunk = sse.read_chunk()?.ok_or("the event stream ended")?;
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let event: String = buf.drain(..end + 2).collect();
            let data: String = event
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            let Ok(d) = serde_json::from_str::<Value>(&data) else {
                continue;
            };
            let state = d["state"].as_str().unwrap_or("");
            if d["job_id"] == id.as_str()
                && event.lines().any(|l| {
                    l.strip_prefix("event:")
                        .is_some_and(|v| v.trim() == "state")
                })
                && !matches!(state, "queued" | "running" | "")
            {
                if state != "success" {
                    return Err(format!("job {id} ended {state}: {d}"));
                }
                return Ok((start.elapsed(), id));
            }
        }
    }
    Err(format!("job {id}: no final event within 60 s"))
}

/// `path` as a query-string value: everything but unreserved characters
/// and `/` percent-encoded.
fn query_escape(path: &Path) -> String {
    let mut out = String::new();
    for b in path.as_os_str().as_encoded_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(*b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(ctx(format!("read /proc/{pid}/status")))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| "no VmRSS line".to_string())
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

// ---- the run ----------------------------------------------------------------

struct Serve {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_serve(bin: &Path, home: &Path, log: &Path) -> Result<Serve> {
    let log = std::fs::File::create(log).map_err(ctx("create the server log"))?;
    let mut child = Command::new(bin)
        .args(["serve", "--addr", "127.0.0.1:0", "--json"])
        .env("ARTISYNC_HOME", home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .map_err(ctx(format!("start {}", bin.display())))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(l)) = lines.next() {
            let _ = tx.send(l);
        }
        for _ in lines {}
    });
    let serve = |child| Serve {
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
    };
    let line = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(l) => l,
        Err(_) => {
            drop(serve(child));
            return Err("artisync serve printed nothing within 30 s".into());
        }
    };
    let mut s = serve(child);
    let v: Value = serde_json::from_str(&line).map_err(ctx(format!("serve printed {line:?}")))?;
    s.addr = v["addr"]
        .as_str()
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| format!("no address in {line:?}"))?;
    Ok(s)
}

/// Waits until no job is queued or running (at most `limit`).
fn drain(client: &mut Client, limit: Duration) -> Result<Duration> {
    let start = Instant::now();
    loop {
        let busy = ["queued", "running"].iter().try_fold(false, |busy, s| {
            let v = client.json(
                "GET",
                &format!("/api/v1/sync/jobs?state={s}&limit=1"),
                None,
                200,
            )?;
            Ok::<_, String>(busy || v["jobs"].as_array().is_some_and(|a| !a.is_empty()))
        })?;
        if !busy {
            return Ok(start.elapsed());
        }
        if start.elapsed() > limit {
            return Err(format!("jobs still queued or running after {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The status of every artifact in `project`, as the UI's first view asks
/// for it, sent as it is and gzip-compressed, each saturated and paced;
/// returns the body size of each encoding.
fn measure_lists(
    o: &Options,
    addr: SocketAddr,
    token: &str,
    client: &mut Client,
    project: &Path,
    phases: &mut Vec<(String, Phase)>,
) -> Result<Vec<(&'static str, usize)>> {
    let list = format!("/api/v1/artifacts?project_path={}", query_escape(project));
    let mut sizes = Vec::new();
    for (label, expect) in [
        (
            "identity",
            Expect {
                status: 200,
                headers: "",
                encoding: None,
            },
        ),
        (
            "gzip",
            Expect {
                status: 200,
                headers: "Accept-Encoding: gzip\r\n",
                encoding: Some("gzip"),
            },
        ),
    ] {
        // One request first, so that the phase measures a warm server.
        let warm = client.call_with("GET", &list, expect.headers, &[])?;
        if warm.status != 200 {
            return Err(format!("GET {list}: {}", warm.status));
        }
        for pace in [Pace::Saturate, Pace::Rate(o.list_rate as f64)] {
            eprintln!(
                "GET artifacts phase ({label}, {}): {} clients x {} requests",
                pace.label(),
                o.clients,
                o.lists
            );
            let p = run_phase(
                addr,
                token,
                o.clients,
                o.lists,
                pace,
                expect,
                false,
                &|_, _| ("GET", list.clone(), Vec::new()),
            );
            sizes.push((label, p.max_body));
            phases.push((
                format!("GET /api/v1/artifacts ({label}), {}", pace.label()),
                p,
            ));
        }
    }

    Ok(sizes)
}

/// The table of latencies, between lines of dashes.
fn print_table(line: &str, phases: &[(String, Phase)]) {
    println!("{line}");
    println!(
        "{:<46} {:>6} {:>7} {:>9} {:>9} {:>9} {:>9}",
        "measurement", "n", "req/s", "p50", "p90", "p99", "max"
    );
    println!("{line}");
    print_phases(phases);
}

/// The body size of each encoding of the artifact list.
fn print_sizes(sizes: &mut Vec<(&'static str, usize)>) {
    sizes.dedup();
    for (label, bytes) in sizes.iter() {
        println!(
            "{:<46} {:>10}",
            format!("GET /api/v1/artifacts body ({label})"),
            format!("{bytes} B")
        );
    }
}

/// Prints how many requests failed (and the first few errors); an error
/// when any did.
fn failures(line: &str, phases: &[(String, Phase)]) -> Result<()> {
    let errors: Vec<&String> = phases.iter().flat_map(|(_, p)| &p.errors).collect();
    println!("{:<46} {:>10}", "failed requests", errors.len());
    println!("{line}");
    for e in errors.iter().take(5) {
        println!("error: {e}");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{} requests failed", errors.len()))
    }
}

fn print_phases(phases: &[(String, Phase)]) {
    for (name, p) in phases {
        println!(
            "{:<46} {:>6} {:>7.0} {:>9} {:>9} {:>9} {:>9}",
            name,
            p.latencies.len(),
            p.latencies.len() as f64 / p.wall.as_secs_f64(),
            ms(percentile(&p.latencies, 0.50)),
            ms(percentile(&p.latencies, 0.90)),
            ms(percentile(&p.latencies, 0.99)),
            ms(percentile(&p.latencies, 1.0)),
        );
    }
}

/// `--list-home`/`--list-project`: only the artifact list phases, on an
/// existing data home (nothing is created or synced).
fn run_lists_only(o: &Options, home: &Path, project: &Path, dir: &Path) -> Result<()> {
    let bin = std::fs::canonicalize(&o.bin).map_err(ctx(format!(
        "the artisync binary {} (build it with 'cargo build --release -p artisync' or pass --bin)",
        o.bin.display()
    )))?;
    let project = std::fs::canonicalize(project)
        .map_err(ctx(format!("the project {}", project.display())))?;
    let serve = start_serve(&bin, home, &dir.join("serve.log"))?;
    let token = std::fs::read_to_string(home.join("server.token"))
        .map_err(ctx("read the API token"))?
        .trim()
        .to_string();
    let mut client = Client::new(serve.addr, &token);
    let mut phases = Vec::new();
    let mut sizes = measure_lists(o, serve.addr, &token, &mut client, &project, &mut phases)?;
    let rss = rss_kib(serve.child.id())?;
    drop(serve);
    let line = "-".repeat(100);
    println!();
    println!(
        "artisync serve on {} (project {}), {} clients with keep-alive ({} CPUs)",
        home.display(),
        project.display(),
        o.clients,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    print_table(&line, &phases);
    println!("{line}");
    print_sizes(&mut sizes);
    println!("{:<46} {:>10}", "RSS after the load (VmRSS)", mib(rss));
    failures(&line, &phases)
}

fn run(o: &Options, dir: &Path) -> Result<()> {
    let bin = std::fs::canonicalize(&o.bin).map_err(ctx(format!(
        "the artisync binary {} (build it with 'cargo build --release -p artisync' or pass --bin)",
        o.bin.display()
    )))?;
    let status = Command::new(&bin)
        .args(["demo", "--no-serve", "--dir"])
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .map_err(ctx("run artisync demo"))?;
    if !status.success() {
        return Err(format!("artisync demo --dir {} failed", dir.display()));
    }
    let dir = std::fs::canonicalize(dir).map_err(ctx("canonicalise the demo directory"))?;
    let home = dir.join("home");
    let web = dir.join("projects/web-app");
    let serve = start_serve(&bin, &home, &dir.join("serve.log"))?;
    let addr = serve.addr;
    let pid = serve.child.id();
    let token = std::fs::read_to_string(home.join("server.token"))
        .map_err(ctx("read the API token"))?
        .trim()
        .to_string();
    std::thread::sleep(Duration::from_secs(2));
    let rss_start = rss_kib(pid)?;
    eprintln!(
        "serving on http://{addr} (pid {pid}); demo in {}",
        dir.display()
    );

    // POST: a dry run of one artifact into one project.
    let post_body = json!({
        "direction": "collection_to_project",
        "artifacts": ["skill:pdf"],
        "project_path": web,
        "dry_run": true,
    })
    .to_string()
    .into_bytes();
    let post = |_: usize, _: usize| ("POST", "/api/v1/sync/jobs".to_string(), post_body.clone());
    let mut client = Client::new(addr, &token);
    let mut phases = Vec::new();
    let mut queued = 0;
    for pace in [Pace::Saturate, Pace::Rate(o.post_rate as f64)] {
        eprintln!(
            "POST phase ({}): {} clients x {} requests",
            pace.label(),
            o.clients,
            o.posts
        );
        let posts = run_phase(
            addr,
            &token,
            o.clients,
            o.posts,
            pace,
            Expect::status(202),
            true,
            &post,
        );
        let ids: Vec<String> = posts
            .bodies
            .iter()
            .filter_map(|v| v["job_id"].as_str().map(str::to_string))
            .collect();
        if ids.is_empty() {
            return Err(format!("no job was created: {:?}", posts.errors.first()));
        }
        queued += ids.len();
        phases.push((format!("POST /api/v1/sync/jobs, {}", pace.label()), posts));
        // The reads are measured on their own, not against the queue of
        // dry runs the POSTs left for the workers.
        eprintln!("waiting for the queued dry runs to finish");
        drain(&mut client, Duration::from_secs(600))?;
        let pace = match pace {
            Pace::Saturate => Pace::Saturate,
            Pace::Rate(_) => Pace::Rate(o.get_rate as f64),
        };
        eprintln!(
            "GET phase ({}): {} clients x {} requests",
            pace.label(),
            o.clients,
            o.gets
        );
        let gets = run_phase(
            addr,
            &token,
            o.clients,
            o.gets,
            pace,
            Expect::status(200),
            false,
            &|c, i| {
                let id = &ids[(c * 7919 + i) % ids.len()];
                ("GET", format!("/api/v1/sync/jobs/{id}"), Vec::new())
            },
        );
        phases.push((
            format!("GET /api/v1/sync/jobs/{{id}}, {}", pace.label()),
            gets,
        ));
    }

    let mut sizes = measure_lists(o, addr, &token, &mut client, &web, &mut phases)?;

    eprintln!("SSE phase: {} sequential runs", o.sse_runs);
    let sync_body =
        json!({"direction": "upstream_to_collection", "artifacts": ["skill:changelog"]});
    let mut to_final = Vec::new();
    let mut server_ms = Vec::new();
    for _ in 0..o.sse_runs {
        let (took, id) = job_to_final_event(addr, &token, &sync_body)?;
        to_final.push(took);
        let job = client.json("GET", &format!("/api/v1/sync/jobs/{id}"), None, 200)?;
        if let Some(d) = job["duration_ms"].as_u64() {
            server_ms.push(Duration::from_millis(d));
        }
    }
    to_final.sort();
    server_ms.sort();

    std::thread::sleep(Duration::from_secs(3));
    let rss_end = rss_kib(pid)?;
    drop(serve);

    let line = "-".repeat(100);
    println!();
    println!(
        "artisync serve on loopback, {} clients with keep-alive ({} CPUs); {queued} dry-run jobs",
        o.clients,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    print_table(&line, &phases);
    for (name, l) in [
        ("POST -> final SSE event (upstream_to_coll.)", &to_final),
        ("  of which the job itself (duration_ms)", &server_ms),
    ] {
        println!(
            "{:<46} {:>6} {:>7} {:>9} {:>9} {:>9} {:>9}",
            name,
            l.len(),
            "",
            ms(percentile(l, 0.50)),
            ms(percentile(l, 0.90)),
            ms(percentile(l, 0.99)),
            ms(percentile(l, 1.0)),
        );
    }
    println!("{line}");
    print_sizes(&mut sizes);
    println!(
        "{:<46} {:>10}",
        "idle RSS after start (VmRSS)",
        mib(rss_start)
    );
    println!(
        "{:<46} {:>10}",
        "idle RSS after the load (VmRSS)",
        mib(rss_end)
    );
    failures(&line, &phases)
}

fn main() -> ExitCode {
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir =
        std::env::temp_dir().join(format!("artisync-loadtest-{}-{nanos}", std::process::id()));
    let result = match &o.list_only {
        Some((home, project)) => std::fs::create_dir_all(&dir)
            .map_err(ctx("create a temporary directory"))
            .and_then(|()| run_lists_only(&o, home, project, &dir)),
        None => run(&o, &dir),
    };
    if o.keep {
        eprintln!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
