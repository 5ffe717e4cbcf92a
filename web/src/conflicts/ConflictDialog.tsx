// The dialog of `/artifacts/:id/conflict?project=&target=`. Its body (three-way
// panes, hunk choices, the editor) is loaded on first use: most visits
// never resolve a conflict, so it stays out of the first page load.
import { Component, Suspense, lazy, type ReactNode } from "react";
import { Dialog } from "../ui/Dialog";

const ConflictView = lazy(() => import("./ConflictView").then((m) => ({ default: m.ConflictView })));

/** A view that failed to load (the server was upgraded or went away) says so instead of blanking the page. */
class LoadFailed extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  override render() {
    return this.state.failed ? (
      <p role="alert" className="error">
        The conflict view could not be loaded; reload the page to try again.
      </p>
    ) : (
      this.props.children
    );
  }
}

export function ConflictDialog({ artifact, project, target, onClose }: { artifact: string; project?: string | undefined; target?: string | undefined; onClose(): void }) {
  return (
    <Dialog title={`Resolve the conflict in ${artifact}`} onClose={onClose} wide>
      <LoadFailed>
        <Suspense fallback={<p>Loading the conflict view…</p>}>
          <ConflictView artifact={artifact} project={project} target={target} onClose={onClose} />
        </Suspense>
      </LoadFailed>
    </Dialog>
  );
}
