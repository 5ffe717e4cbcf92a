// Where toasts go: notices that stay (conflict, error) sit in the dock, in
// the page flow; passing ones float and leave by themselves.
import { act, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { useEffect } from "react";
import { ToastDock, ToastProvider, useToasts, type ToastKind } from "./Toasts";

function Push({ kinds }: { kinds: ToastKind[] }) {
  const { push } = useToasts();
  useEffect(() => {
    for (const kind of kinds) push({ kind, title: `a ${kind}` });
  }, [push, kinds]);
  return null;
}

const KINDS: ToastKind[] = ["success", "conflict", "error", "info"];

afterEach(() => {
  vi.useRealTimers();
});

describe("toasts", () => {
  it("puts conflicts and errors in the dock and the rest in the floating corner", () => {
    render(
      <ToastProvider>
        <ToastDock />
        <Push kinds={KINDS} />
      </ToastProvider>,
    );
    const dock = within(screen.getByRole("region", { name: "Notifications to act on" }));
    const floating = within(screen.getByRole("region", { name: "Notifications" }));
    expect(dock.getAllByTestId("toast").map((t) => t.textContent)).toEqual(["Conflict: a conflict×", "Error: a error×"]);
    expect(floating.getAllByTestId("toast").map((t) => t.textContent)).toEqual(["Done: a success×", "Note: a info×"]);
  });

  it("floats every toast when no dock is on the page", () => {
    render(
      <ToastProvider>
        <Push kinds={KINDS} />
      </ToastProvider>,
    );
    expect(within(screen.getByRole("region", { name: "Notifications" })).getAllByTestId("toast")).toHaveLength(4);
  });

  it("lets passing notices leave after ten seconds and keeps the others until dismissed", () => {
    vi.useFakeTimers();
    render(
      <ToastProvider>
        <ToastDock />
        <Push kinds={KINDS} />
      </ToastProvider>,
    );
    act(() => vi.advanceTimersByTime(10_001));
    expect(screen.getAllByTestId("toast").map((t) => t.textContent)).toEqual(["Conflict: a conflict×", "Error: a error×"]);
    act(() => screen.getByRole("button", { name: "Dismiss: a conflict" }).click());
    expect(screen.getAllByTestId("toast")).toHaveLength(1);
  });
});
