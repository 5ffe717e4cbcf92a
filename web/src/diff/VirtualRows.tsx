// Renders only the rows in (and a little around) the visible part of a
// scrolling box of fixed-height rows, so a diff of thousands of lines costs
// what one screen costs.
import { forwardRef, useCallback, useEffect, useImperativeHandle, useRef, useState, type ReactNode } from "react";

export interface VirtualRowsHandle {
  /** "start": the row at the top; "center": in the middle, unless it is already in view. */
  scrollToRow(index: number, align?: "start" | "center"): void;
}

interface Props {
  count: number;
  rowHeight: number;
  renderRow(index: number): ReactNode;
  /** Used until the box has been measured (jsdom never measures). */
  fallbackHeight?: number;
  overscan?: number;
  width?: string;
  label: string;
  className?: string;
}

export const VirtualRows = forwardRef<VirtualRowsHandle, Props>(function VirtualRows(
  { count, rowHeight, renderRow, fallbackHeight = 600, overscan = 20, width, label, className },
  handle,
) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(0);
  const frame = useRef(0);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    setHeight(el.clientHeight);
    if (typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const onScroll = useCallback((e: React.UIEvent<HTMLDivElement>) => {
    const top = e.currentTarget.scrollTop;
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => setScrollTop(top));
  }, []);

  useImperativeHandle(handle, () => ({
    scrollToRow(index: number, align: "start" | "center" = "start") {
      const el = box.current;
      if (!el) return;
      let top = index * rowHeight;
      if (align === "center") {
        const view = el.clientHeight || fallbackHeight;
        // Already fully in view (below a sticky-free top): leave the scroll alone.
        if (top >= el.scrollTop && top + rowHeight <= el.scrollTop + view) return;
        top = Math.max(0, top - Math.floor((view - rowHeight) / 2));
      }
      el.scrollTop = top;
      setScrollTop(top);
    },
  }));

  const viewport = height > 0 ? height : fallbackHeight;
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);
  const items: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    items.push(
      <div key={i} className="vrow" style={{ top: i * rowHeight, height: rowHeight }} data-row={i}>
        {renderRow(i)}
      </div>,
    );
  }
  return (
    <div
      ref={box}
      className={`vbox ${className ?? ""}`}
      // As tall as the rows (plus room for a horizontal scrollbar), at most 70% of the window.
      style={{ height: `min(70vh, ${count * rowHeight + 18}px)` }}
      onScroll={onScroll}
      tabIndex={0}
      role="region"
      aria-label={label}
    >
      <div className="vinner" style={{ height: count * rowHeight, minWidth: width }}>
        {items}
      </div>
    </div>
  );
});
