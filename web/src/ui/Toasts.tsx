// Toasts: short notices in a live region that never block the page. Success
// notices leave by themselves; conflicts and errors stay until dismissed.
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";

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

const Ctx = createContext<ToastCtx>({ push: () => 0, dismiss: () => undefined });

const LABEL: Record<ToastKind, string> = { success: "Done", conflict: "Conflict", error: "Error", info: "Note" };

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((ts) => ts.filter((t) => t.id !== id)), []);
  const push = useCallback(
    (t: Omit<Toast, "id">) => {
      const id = next.current++;
      setToasts((ts) => [...ts.slice(-4), { ...t, id }]);
      if (t.kind === "success" || t.kind === "info") setTimeout(() => dismiss(id), 10_000);
      return id;
    },
    [dismiss],
  );
  const value = useMemo(() => ({ push, dismiss }), [push, dismiss]);
  return (
    <Ctx.Provider value={value}>
      {children}
      <section className="toasts" aria-label="Notifications" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === "error" ? "alert" : "status"} data-testid="toast">
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
        ))}
      </section>
    </Ctx.Provider>
  );
}

export function useToasts(): ToastCtx {
  return useContext(Ctx);
}
