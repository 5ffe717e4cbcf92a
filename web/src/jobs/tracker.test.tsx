// Toasts for jobs this tab started: the job's final event on the stream
// ends in a success, conflict (with a link to resolve) or error toast, once.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useEffect } from "react";
import { JobEventsProvider } from "../api/events";
import { ToastProvider } from "../ui/Toasts";
import { JobTracker, useTrackJob, type Tracked } from "./tracker";

class FakeEventSource {
  static last: FakeEventSource | null = null;
  static readonly CLOSED = 2;
  readyState = 1;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  private listeners = new Map<string, ((e: MessageEvent<string>) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(kind: string, fn: (e: MessageEvent<string>) => void) {
    this.listeners.set(kind, [...(this.listeners.get(kind) ?? []), fn]);
  }
  close() {}
  emit(kind: string, data: object) {
    for (const fn of this.listeners.get(kind) ?? []) fn(new MessageEvent(kind, { data: JSON.stringify(data) }));
  }
}

function Start({ job }: { job: Tracked }) {
  const track = useTrackJob();
  useEffect(() => track(job), [track, job]);
  return null;
}

function setup(job: Tracked) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={qc}>
      <ToastProvider>
        <JobEventsProvider>
          <JobTracker>
            <Start job={job} />
          </JobTracker>
        </JobEventsProvider>
      </ToastProvider>
    </QueryClientProvider>,
  );
  const es = FakeEventSource.last;
  if (!es) throw new Error("no EventSource");
  act(() => es.onopen?.());
  return es;
}

beforeEach(() => {
  vi.stubGlobal("EventSource", FakeEventSource);
  // The job is still running when the tracker first asks for it.
  vi.stubGlobal(
    "fetch",
    vi.fn(async (u: string) => new Response(JSON.stringify(u.includes("/sync/jobs/") ? { id: "j1", state: "running" } : { jobs: [] }), { status: 200 })),
  );
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("job toasts", () => {
  it("reports success once, with a link to the job", async () => {
    const es = setup({ id: "j1", label: "Sync skill:pdf", artifacts: ["skill:pdf"] });
    await act(async () => {
      es.emit("state", { job_id: "j1", state: "running" });
      es.emit("state", { job_id: "j1", state: "success" });
      es.emit("state", { job_id: "j1", state: "success" });
    });
    const toasts = screen.getAllByTestId("toast");
    expect(toasts).toHaveLength(1);
    expect(toasts[0]).toHaveTextContent("Done: Sync skill:pdf finished");
    expect(screen.getByRole("link", { name: "Open the job" })).toHaveAttribute("href", "/jobs/j1");
  });

  it("links a conflict to its resolution in the project", async () => {
    const es = setup({ id: "j1", label: "Sync skill:pdf", artifacts: ["skill:pdf"], project: "/p/web app" });
    await act(async () => es.emit("state", { job_id: "j1", state: "conflict" }));
    expect(screen.getByTestId("toast")).toHaveTextContent("Conflict: Sync skill:pdf ended with a conflict");
    expect(screen.getByRole("link", { name: "Resolve skill:pdf" })).toHaveAttribute(
      "href",
      "/artifacts/skill%3Apdf/conflict?project=%2Fp%2Fweb%20app",
    );
  });

  it("links a conflict in a project copy that is not claude to that copy", async () => {
    const es = setup({ id: "j1", label: "Sync skill:pdf", artifacts: ["skill:pdf"], project: "/p/api", target: "agents" });
    await act(async () => es.emit("state", { job_id: "j1", state: "conflict" }));
    expect(screen.getByRole("link", { name: "Resolve skill:pdf" })).toHaveAttribute("href", "/artifacts/skill%3Apdf/conflict?project=%2Fp%2Fapi&target=agents");
  });

  it("reports an error as an alert, and ignores jobs it did not start", async () => {
    const es = setup({ id: "j1", label: "Sync skill:pdf", artifacts: ["skill:pdf"] });
    await act(async () => {
      es.emit("state", { job_id: "other", state: "error" });
      es.emit("state", { job_id: "j1", state: "error" });
    });
    expect(screen.getAllByTestId("toast")).toHaveLength(1);
    expect(screen.getByRole("alert")).toHaveTextContent("Error: Sync skill:pdf failed");
  });

  it("stays quiet for a dry run", async () => {
    const es = setup({ id: "j1", label: "Dry run", artifacts: ["skill:pdf"], quiet: true });
    await act(async () => es.emit("state", { job_id: "j1", state: "success" }));
    expect(screen.queryByTestId("toast")).toBeNull();
  });
});
