// A tiny router over the History API: every view has a URL, links are real
// <a href> elements (open in a new tab works), and query parameters hold a
// view's state (filters, the diff pair) so it survives a reload.
import { useCallback, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from "react";
import { targetParam } from "./projects/copies";

const NAV_EVENT = "artisync:navigate";

function subscribe(cb: () => void): () => void {
  window.addEventListener("popstate", cb);
  window.addEventListener(NAV_EVENT, cb);
  return () => {
    window.removeEventListener("popstate", cb);
    window.removeEventListener(NAV_EVENT, cb);
  };
}

const snapshot = (): string => window.location.pathname + window.location.search;

export interface Location {
  pathname: string;
  search: URLSearchParams;
  href: string;
}

export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot, snapshot);
  const u = new URL(href, "http://x");
  return { pathname: u.pathname, search: u.searchParams, href };
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (opts.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  window.dispatchEvent(new Event(NAV_EVENT));
}

/** Reads and writes the current URL's query parameters. */
export function useSearchParams(): [URLSearchParams, (patch: Record<string, string | null>, replace?: boolean) => void] {
  const loc = useLocation();
  const set = useCallback((patch: Record<string, string | null>, replace = true) => {
    const u = new URL(window.location.href);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || v === "") u.searchParams.delete(k);
      else u.searchParams.set(k, v);
    }
    navigate(u.pathname + u.search, { replace });
  }, []);
  return [loc.search, set];
}

/** Matches `pattern` (segments, `:name` captures one) against `pathname`. */
export function match(pattern: string, pathname: string): Record<string, string> | null {
  const p = pattern.split("/").filter(Boolean);
  const s = pathname.split("/").filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i] ?? "";
    const val = s[i] ?? "";
    if (seg.startsWith(":")) {
      try {
        params[seg.slice(1)] = decodeURIComponent(val);
      } catch {
        return null;
      }
    } else if (seg !== val) return null;
  }
  return params;
}

export function artifactHref(id: string, query?: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v) q.set(k, v);
  const s = q.toString();
  return `/artifacts/${encodeURIComponent(id)}${s ? `?${s}` : ""}`;
}

/** The link that opens the conflict of a project copy (`target` left out for claude), or of the collection without one. */
export function conflictHref(id: string, copy?: { project?: string | null | undefined; target?: string | null | undefined }): string {
  let q = "";
  if (copy?.project) {
    const t = targetParam(copy.target);
    q = `?project=${encodeURIComponent(copy.project)}${t ? `&target=${t}` : ""}`;
  }
  return `/artifacts/${encodeURIComponent(id)}/conflict${q}`;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (rest.target && rest.target !== "_self") return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}
