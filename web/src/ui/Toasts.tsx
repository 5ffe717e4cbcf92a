// Toasts: short notices in live regions that never block the page. Success
// notices leave by themselves and float in a corner for those seconds.
// Conflicts and errors stay until dismissed, so they sit in the page flow
// below the header (`ToastDock`) rather than over it: a notice that stays
// must never hide the diff or a button under it.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";

export type ToastKind = "success" | "conflict" | "error" | "info";

export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  body?: ReactNode;
}

interface ToastCtx {
  push(t: Omit<Toast, "id">): number;
  dismiss(id: number): void;
}

interface DockCtx {
  toasts: Toast[];
  dismiss(id: number): void;
  setDocked(on: boolean): void;
}

const Ctx = createContext<ToastCtx>({ push: () => 0, dismiss: () => undefined });
const Dock = createContext<DockCtx | null>(null);

const LABEL: Record<ToastKind, string> = { success: "Done", conflict: "Conflict", error: "Error", info: "Note" };

/** Notices that stay until dismissed. */
export function isSticky(kind: ToastKind): boolean {
  return kind === "conflict" || kind === "error";
}

function ToastItem({ t, dismiss }: { t: Toast; dismiss(id: number): void }) {
  return (
    <div className={`toast toast-${t.kind}`} role={t.kind === "error" ? "alert" : "status"} data-testid="toast">
      <div className="toast-text">
        <strong>
          <span className="toast-kind">{LABEL[t.kind]}:</span> {t.title}
        </strong>
        {t.body ? <div className="toast-body">{t.body}</div> : null}
      </div>
      <button type="button" className="icon-button" aria-label={`Dismiss: ${t.title}`} onClick={() => dismiss(t.id)}>
        ×
      </button>
    </div>
  );
}

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  // Without a dock on the page (a test, a bare view) sticky notices float too.
  const [docked, setDocked] = useState(false);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((ts) => ts.filter((t) => t.id !== id)), []);
  const push = useCallback(
    (t: Omit<Toast, "id">) => {
      const id = next.current++;
      setToasts((ts) => [...ts.slice(-4), { ...t, id }]);
      if (!isSticky(t.kind)) setTimeout(() => dismiss(id), 10_000);
      return id;
    },
    [dismiss],
  );
  const value = useMemo(() => ({ push, dismiss }), [push, dismiss]);
  const dock = useMemo(() => ({ toasts, dismiss, setDocked }), [toasts, dismiss]);
  const floating = toasts.filter((t) => !docked || !isSticky(t.kind));
  return (
    <Ctx.Provider value={value}>
      <Dock.Provider value={dock}>
        {children}
        <section className="toasts" aria-label="Notifications" aria-live="polite">
          {floating.map((t) => (
            <ToastItem key={t.id} t={t} dismiss={dismiss} />
          ))}
        </section>
      </Dock.Provider>
    </Ctx.Provider>
  );
}

/** Where notices that stay are shown: in the page flow, taking their own room. */
export function ToastDock() {
  const ctx = useContext(Dock);
  const setDocked = ctx?.setDocked;
  useEffect(() => {
    setDocked?.(true);
    return () => setDocked?.(false);
  }, [setDocked]);
  const sticky = (ctx?.toasts ?? []).filter((t) => isSticky(t.kind));
  return (
    <section className="toast-dock" aria-label="Notifications to act on" aria-live="polite">
      {sticky.map((t) => (
        <ToastItem key={t.id} t={t} dismiss={ctx?.dismiss ?? (() => undefined)} />
      ))}
    </section>
  );
}

export function useToasts(): ToastCtx {
  return useContext(Ctx);
}
