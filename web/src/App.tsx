// The shell: header with navigation, the jobs panel and the live/polling
// indicator; the view of the current URL; the login-expired view once the
// API says 401.
import { useEffect, useRef, useSyncExternalStore } from "react";
import { connection, session, takeAfterLogin } from "./api/client";
import { useJobEvents } from "./api/events";
import { ArtifactPage } from "./artifacts/ArtifactPage";
import { ArtifactsList } from "./artifacts/ArtifactsList";
import { FleetPage } from "./fleet/FleetPage";
import { LoginExpired } from "./auth/LoginExpired";
import { JobPage, JobsPage } from "./jobs/JobsPage";
import { JobsPanel } from "./jobs/JobsPanel";
import { Link, match, navigate, useLocation } from "./router";
import { ToastDock } from "./ui/Toasts";

function View() {
  const loc = useLocation();
  const p = loc.pathname;
  let m: Record<string, string> | null;
  if (p === "/" || p === "/artifacts") return <ArtifactsList />;
  if ((m = match("/artifacts/:id/conflict", p))) return <ArtifactPage id={m.id ?? ""} conflict={{ project: loc.search.get("project") ?? undefined, target: loc.search.get("target") ?? undefined }} />;
  if ((m = match("/artifacts/:id", p))) return <ArtifactPage id={m.id ?? ""} />;
  if (p === "/fleet") return <FleetPage />;
  if (p === "/jobs") return <JobsPage />;
  if ((m = match("/jobs/:id", p))) return <JobPage id={m.id ?? ""} />;
  return (
    <div className="page">
      <h1>Not found</h1>
      <p>
        Nothing lives at <code>{p}</code>. <Link to="/">Go to the artifacts.</Link>
      </p>
    </div>
  );
}

/** The connection as it is: the server unreachable, the event stream up (live), being set up, or down with job updates polled. */
function LiveIndicator() {
  const { live } = useJobEvents();
  const reachable = useSyncExternalStore(connection.subscribe, () => connection.reachable);
  const state = !reachable ? "down" : live;
  const text = { down: "server unreachable", sse: "live", connecting: "connecting", polling: "polling" }[state];
  const title = {
    down: "No answer from the artisync server: start `artisync serve` again; the page reconnects by itself",
    sse: "Job updates arrive as they happen",
    connecting: "Connecting to the server's event stream",
    polling: "The event stream is down; job updates are polled",
  }[state];
  return (
    <span className={`live live-${state}`} title={title} role="status" data-testid="connection">
      <span aria-hidden="true">●</span> {text}
    </span>
  );
}

export function App() {
  const expired = useSyncExternalStore(session.subscribe, () => session.expired);
  const loc = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // Back from the login link (which lands on /): open the page asked for.
  useEffect(() => {
    if (window.location.pathname !== "/") return;
    const next = takeAfterLogin();
    if (next) navigate(next, { replace: true });
  }, []);

  // Move focus to the new view after navigation, as a page load would.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [loc.pathname]);

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          artisync
        </Link>
        <nav aria-label="Main">
          <Link to="/" aria-current={loc.pathname === "/" || loc.pathname.startsWith("/artifacts") ? "page" : undefined}>
            Artifacts
          </Link>
          <Link to="/fleet" aria-current={loc.pathname === "/fleet" ? "page" : undefined}>
            Fleet
          </Link>
          <Link to="/jobs" aria-current={loc.pathname.startsWith("/jobs") ? "page" : undefined}>
            Job history
          </Link>
        </nav>
        <span className="spacer" />
        {expired ? null : (
          <>
            <LiveIndicator />
            <JobsPanel />
          </>
        )}
      </header>
      <ToastDock />
      <main id="main" ref={main} tabIndex={-1}>
        {expired ? <LoginExpired /> : <View />}
      </main>
    </>
  );
}
