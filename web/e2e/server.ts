// A real `artisync serve` on a fresh demo home: `artisync demo --no-serve`
// builds DIR/home, DIR/upstream and DIR/projects/{web-app,api-server}; the
// server prints {"addr","login_url"} on its first line.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const HERE = fileURLToPath(new URL(".", import.meta.url));

// scripts/test-web sets ARTISYNC_BIN; the default is the test-profile build.
export const BIN = process.env.ARTISYNC_BIN ?? resolve(HERE, "../../target/debug/artisync");
/** The cargo profile BIN was built with, from its folder (target/PROFILE/artisync), for the measurements. */
export const BIN_PROFILE = basename(dirname(BIN));
export const SHOTS = resolve(HERE, "../../test-output/screenshots");

export interface Demo {
  dir: string;
  home: string;
  webApp: string;
  apiServer: string;
  base: string;
  loginUrl: string;
  token: string;
  /** Stops the server and keeps the demo's files. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Builds a demo home; `prepare` may change it before the server starts. */
export async function startDemo(prepare?: (d: { dir: string; home: string; webApp: string }) => void): Promise<Demo> {
  const root = mkdtempSync(join(tmpdir(), "artisync-e2e-"));
  const dir = join(root, "demo");
  const built = spawnSync(BIN, ["demo", "--dir", dir, "--no-serve", "-q"], { encoding: "utf8" });
  if (built.status !== 0) throw new Error(`artisync demo failed: ${built.stderr}`);
  const home = join(dir, "home");
  const webApp = join(dir, "projects", "web-app");
  prepare?.({ dir, home, webApp });
  const child: ChildProcess = spawn(BIN, ["serve", "--addr", "127.0.0.1:0", "--json", "--allow-root", join(dir, "projects")], {
    env: { ...process.env, ARTISYNC_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));
  const first = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`artisync serve did not start: ${stderr}`)), 20_000);
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", (l) => {
      clearTimeout(timer);
      ok(l);
    });
    child.once("exit", (code) => fail(new Error(`artisync serve exited with ${code}: ${stderr}`)));
  });
  const ready = JSON.parse(first) as { addr: string; login_url: string };
  const token = readFileSync(join(home, "server.token"), "utf8").trim();
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((ok) => child.once("exit", ok));
      child.kill("SIGTERM");
      await gone;
    }
  };
  return {
    dir,
    home,
    webApp,
    apiServer: join(dir, "projects", "api-server"),
    base: `http://${ready.addr}`,
    loginUrl: ready.login_url,
    token,
    kill,
    async stop() {
      await kill();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Reads a zip's end-of-central-directory and central directory; throws on anything malformed. */
export function zipEntries(buf: Buffer): string[] {
  if (buf.readUInt32LE(0) !== 0x04034b50) throw new Error("no local file header at offset 0 (not PK\\x03\\x04)");
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error("no end of central directory record");
  const count = buf.readUInt16LE(eocd + 10);
  const size = buf.readUInt32LE(eocd + 12);
  const offset = buf.readUInt32LE(eocd + 16);
  if (offset + size > eocd) throw new Error("central directory overlaps its end record");
  const names: string[] = [];
  let p = offset;
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory header #${i}`);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    if (buf.readUInt32LE(local) !== 0x04034b50) throw new Error(`entry #${i} points at no local header`);
    names.push(buf.toString("utf8", p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
  }
  if (p !== offset + size) throw new Error("central directory size does not match its entries");
  return names;
}
