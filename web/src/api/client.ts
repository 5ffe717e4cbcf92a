// The one fetch wrapper every call goes through. The browser sends the
// session cookie (HttpOnly, set by /login); JavaScript never sees a token.
// A 401 means the session is gone: the app switches to the login-expired view.
import type { ApiErrorBody } from "./types";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly traceId: string | undefined;

  constructor(status: number, code: string, message: string, traceId?: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.traceId = traceId;
  }
}

type Listener = () => void;
const listeners = new Set<Listener>();
let expired = false;
let signedIn = false;

/** Whether a request was refused with 401 since the page loaded. */
export const session = {
  get expired(): boolean {
    return expired;
  },
  /** Whether the server accepted this browser's session at least once since the page loaded. */
  get wasSignedIn(): boolean {
    return signedIn;
  },
  subscribe(l: Listener): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
  markExpired(): void {
    if (!expired) {
      expired = true;
      listeners.forEach((l) => l());
    }
  },
};

const reachListeners = new Set<Listener>();
let reachable = true;

/** Whether the last request reached the server (any answer counts). */
export const connection = {
  get reachable(): boolean {
    return reachable;
  },
  subscribe(l: Listener): () => void {
    reachListeners.add(l);
    return () => reachListeners.delete(l);
  },
  set(ok: boolean): void {
    if (reachable !== ok) {
      reachable = ok;
      reachListeners.forEach((l) => l());
    }
  },
};

/** The error of a request that got no answer at all. */
export const UNREACHABLE =
  "The artisync server cannot be reached: it stopped, or the network is down. Start `artisync serve` again (or reconnect), then retry; nothing was changed.";

export type Query = Record<string, string | number | boolean | undefined | null>;

/** `path?query`, leaving out empty values. */
export function url(path: string, query?: Query): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function toError(res: Response): Promise<ApiError> {
  const trace = res.headers.get("x-trace-id") ?? undefined;
  try {
    const body = (await res.json()) as Partial<ApiErrorBody>;
    if (body.error) {
      return new ApiError(res.status, body.error.code, body.error.message, body.error.trace_id ?? trace);
    }
  } catch {
    // not JSON; fall through
  }
  return new ApiError(res.status, "http_error", `${res.status} ${res.statusText}`, trace);
}

export interface RequestOptions {
  method?: "GET" | "POST";
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

async function send(path: string, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json", ...opts.headers };
  const init: RequestInit = {
    method: opts.method ?? "GET",
    headers,
    credentials: "same-origin",
  };
  if (opts.signal) init.signal = opts.signal;
  if (opts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(url(path, opts.query), init);
  } catch (e) {
    // An abort is the caller's doing, not the server's absence.
    if (opts.signal?.aborted) throw e;
    connection.set(false);
    throw new ApiError(0, "unreachable", UNREACHABLE);
  }
  connection.set(true);
  if (res.status === 401) session.markExpired();
  else signedIn = true;
  if (!res.ok) throw await toError(res);
  return res;
}

/** A JSON call to the API; throws `ApiError` with the server's code and message. */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts);
  return (await res.json()) as T;
}

/** A call whose body is text (a file of an artifact). */
export async function apiText(path: string, opts: RequestOptions = {}): Promise<string> {
  const res = await send(path, { ...opts, headers: { Accept: "*/*" } });
  return res.text();
}

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

const NEXT_KEY = "artisync.after-login";
/** How long a page asked for before logging in is remembered. */
const NEXT_MS = 15 * 60_000;

/** Remembers `path` to open once the browser has logged in (the login link always lands on /). */
export function rememberAfterLogin(path: string): void {
  if (path === "/" || path.startsWith("/login")) return;
  try {
    localStorage.setItem(NEXT_KEY, JSON.stringify({ path, at: Date.now() }));
  } catch {
    // Storage may be off; the deep link is then lost, nothing else.
  }
}

/** The page remembered by `rememberAfterLogin`, once, if recent. */
export function takeAfterLogin(): string | null {
  try {
    const raw = localStorage.getItem(NEXT_KEY);
    if (!raw) return null;
    localStorage.removeItem(NEXT_KEY);
    const v = JSON.parse(raw) as { path?: unknown; at?: unknown };
    if (typeof v.path !== "string" || !v.path.startsWith("/") || v.path.startsWith("//")) return null;
    if (typeof v.at !== "number" || Date.now() - v.at > NEXT_MS) return null;
    return v.path;
  } catch {
    return null;
  }
}
