// One EventSource for the whole app: job "state" and "progress" events
// invalidate the jobs and artifacts queries, and are handed to subscribers
// (the toasts). When the stream fails (closed, or not connected) the app
// polls instead: `usePollInterval` turns polling on for the queries that
// need it, and a new stream is tried again later.
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { api, connection, session } from "./client";
import { invalidateArtifacts, keys } from "./queries";
import { isFinal, type JobEvent } from "./types";

export type Live = "connecting" | "sse" | "polling";
export type EventKind = "state" | "progress";
type Subscriber = (kind: EventKind, ev: JobEvent) => void;

interface EventsCtx {
  live: Live;
  subscribe(fn: Subscriber): () => void;
}

const Ctx = createContext<EventsCtx>({ live: "polling", subscribe: () => () => undefined });

const POLL_MS = 2000;
const RETRY_MS = 10_000;

/** What an event means for cached server state. */
export function applyEvent(qc: QueryClient, kind: EventKind, ev: JobEvent): void {
  void qc.invalidateQueries({ queryKey: keys.jobs });
  if (kind === "state" && isFinal(ev.state)) void invalidateArtifacts(qc);
}

export function JobEventsProvider({ children, url = "/api/v1/events" }: { children: ReactNode; url?: string }) {
  const qc = useQueryClient();
  const subs = useRef(new Set<Subscriber>());
  const [live, setLive] = useState<Live>(typeof EventSource === "undefined" ? "polling" : "connecting");

  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    let es: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const handler = (kind: EventKind) => (e: MessageEvent<string>) => {
      let ev: JobEvent;
      try {
        ev = JSON.parse(e.data) as JobEvent;
      } catch {
        return;
      }
      applyEvent(qc, kind, ev);
      subs.current.forEach((s) => s(kind, ev));
    };
    const connect = () => {
      if (stopped || session.expired) return;
      es = new EventSource(url, { withCredentials: true });
      es.onopen = () => {
        connection.set(true);
        setLive("sse");
        // Anything missed while disconnected is picked up by refetching.
        void qc.invalidateQueries({ queryKey: keys.jobs });
      };
      es.onerror = () => {
        if (!es) return;
        setLive("polling");
        // Is the server gone, or only the stream? Any answer says.
        void api("/api/v1/sync/jobs", { query: { limit: 1 } }).catch(() => undefined);
        if (es.readyState === EventSource.CLOSED) {
          es.close();
          es = null;
          retry = setTimeout(connect, RETRY_MS);
        }
      };
      es.addEventListener("state", handler("state"));
      es.addEventListener("progress", handler("progress"));
    };
    connect();
    // A refused session stays refused: no stream, no retries.
    const unsubscribe = session.subscribe(() => {
      if (!session.expired) return;
      if (retry) clearTimeout(retry);
      es?.close();
      es = null;
    });
    return () => {
      unsubscribe();
      stopped = true;
      if (retry) clearTimeout(retry);
      es?.close();
    };
  }, [qc, url]);

  const value = useMemo<EventsCtx>(
    () => ({
      live,
      subscribe(fn) {
        subs.current.add(fn);
        return () => subs.current.delete(fn);
      },
    }),
    [live],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useJobEvents(): EventsCtx {
  return useContext(Ctx);
}

/** How often a query that follows jobs should poll: never while the stream is up. */
export function usePollInterval(): number | false {
  return useJobEvents().live === "sse" ? false : POLL_MS;
}
