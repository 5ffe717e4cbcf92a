// The rendered view of a diff's Markdown files: each file's two versions
// rendered side by side, the blocks whose source lines changed marked with
// a coloured edge and the word "changed" for screen readers. Loaded only
// when asked for (it carries the Markdown reader and the code colours).
//
// Everything is built as React elements from parsed data, so text is always
// escaped; links go only to http(s), mailto or relative targets and images
// are never loaded (their alt text and a link are shown instead).
import { Fragment, useEffect, useState, type ReactNode } from "react";
import type { DiffFile } from "../api/types";
import { isMarkdown, type Side } from "./find";
import { tokenize } from "./highlight";
import { parseInline, parseMarkdown, touches, type Block, type Inline } from "./markdown";

interface Props {
  files: DiffFile[];
  loadText?(file: DiffFile, side: Side): Promise<string>;
  oldLabel: string;
  newLabel: string;
}

function Inlines({ nodes }: { nodes: Inline[] }): ReactNode {
  return nodes.map((n, i) => {
    switch (n.t) {
      case "text":
        return <Fragment key={i}>{n.s}</Fragment>;
      case "code":
        return <code key={i}>{n.s}</code>;
      case "br":
        return <br key={i} />;
      case "em":
        return (
          <em key={i}>
            <Inlines nodes={n.c} />
          </em>
        );
      case "strong":
        return (
          <strong key={i}>
            <Inlines nodes={n.c} />
          </strong>
        );
      case "del":
        return (
          <del key={i}>
            <Inlines nodes={n.c} />
          </del>
        );
      case "link": {
        if (!n.href) {
          return (
            <span key={i} className="md-badlink" title="Link not followed: only http(s), mailto and relative links are">
              <Inlines nodes={n.c} />
            </span>
          );
        }
        const external = /^(https?:|mailto:)/i.test(n.href);
        return (
          <a key={i} href={n.href} rel="noopener noreferrer nofollow" {...(external ? { target: "_blank" } : {})}>
            <Inlines nodes={n.c} />
          </a>
        );
      }
      case "img":
        // Never loaded: a remote image would tell its host who reads the diff.
        return (
          <span key={i} className="md-img">
            [image: {n.alt || "no description"}]
            {n.href ? (
              <>
                {" "}
                <a href={n.href} rel="noopener noreferrer nofollow" target="_blank">
                  (open)
                </a>
              </>
            ) : null}
          </span>
        );
    }
  });
}

function Text({ s }: { s: string }) {
  return <Inlines nodes={parseInline(s)} />;
}

function Code({ text, lang }: { text: string; lang: string }) {
  return (
    <pre className="md-code" data-lang={lang || undefined}>
      <code>
        {tokenize(text, lang).map((t, i) =>
          t.k ? (
            <span key={i} className={`tk-${t.k}`}>
              {t.s}
            </span>
          ) : (
            <Fragment key={i}>{t.s}</Fragment>
          ),
        )}
      </code>
    </pre>
  );
}

/** Wraps a block (or list item) in its change mark. */
function Marked({ changed, kind, children, as = "div" }: { changed: boolean; kind: "added" | "removed"; children: ReactNode; as?: "div" | "li" }) {
  const Tag = as;
  return (
    <Tag className={changed ? `md-block md-changed md-${kind}` : "md-block"} data-changed={changed ? kind : undefined}>
      {changed ? <span className="sr-only">{kind === "added" ? "Changed (added or edited): " : "Changed (removed or edited): "}</span> : null}
      {children}
    </Tag>
  );
}

function Blocks({ blocks, changed, kind, top }: { blocks: Block[]; changed: ReadonlySet<number>; kind: "added" | "removed"; top: boolean }): ReactNode {
  return blocks.map((b, i) => {
    const body = blockBody(b, changed, kind);
    // Lists mark their items; other blocks mark themselves (at the top level).
    if (!top || b.t === "list") return <Fragment key={i}>{body}</Fragment>;
    return (
      <Marked key={i} changed={touches(b, changed)} kind={kind}>
        {body}
      </Marked>
    );
  });
}

function blockBody(b: Block, changed: ReadonlySet<number>, kind: "added" | "removed"): ReactNode {
  switch (b.t) {
    case "front":
      return b.entries ? (
        <table className="md-front">
          <caption className="sr-only">Front matter</caption>
          <tbody>
            {b.entries.map(([k, v], i) => (
              <tr key={i}>
                <th scope="row">{k}</th>
                <td>{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <Code text={b.raw} lang="yaml" />
      );
    case "heading": {
      // Headings inside a file's render are one level under the view's own.
      const H = `h${Math.min(6, b.level + 3)}` as "h4" | "h5" | "h6";
      return (
        <H className={`md-h md-h${b.level}`}>
          <Text s={b.text} />
        </H>
      );
    }
    case "para":
      return (
        <p>
          <Text s={b.text} />
        </p>
      );
    case "code":
      return <Code text={b.text} lang={b.lang} />;
    case "hr":
      return <hr />;
    case "quote":
      return (
        <blockquote>
          <Blocks blocks={b.children} changed={changed} kind={kind} top={false} />
        </blockquote>
      );
    case "table":
      return (
        <div className="md-table">
          <table>
            <thead>
              <tr>
                {b.head.map((c, i) => (
                  <th key={i} scope="col" style={b.align[i] ? { textAlign: b.align[i] ?? undefined } : undefined}>
                    <Text s={c} />
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {b.rows.map((r, i) => (
                <tr key={i}>
                  {b.head.map((_, j) => (
                    <td key={j} style={b.align[j] ? { textAlign: b.align[j] ?? undefined } : undefined}>
                      <Text s={r[j] ?? ""} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    case "list": {
      const items = b.items.map((it, i) => (
        <Marked key={i} as="li" changed={touches(it, changed)} kind={kind}>
          {it.task !== null ? (
            <span className="md-task">
              <span aria-hidden="true">{it.task ? "☑" : "☐"}</span>
              <span className="sr-only">{it.task ? "done:" : "to do:"}</span>{" "}
            </span>
          ) : null}
          {/* A one-paragraph item shows its text without a paragraph's margins. */}
          {it.children.length === 1 && it.children[0]?.t === "para" ? (
            <Text s={it.children[0].text} />
          ) : (
            <Blocks blocks={it.children} changed={changed} kind={kind} top={false} />
          )}
        </Marked>
      ));
      return b.ordered ? <ol start={b.first === 1 ? undefined : b.first}>{items}</ol> : <ul>{items}</ul>;
    }
  }
}

/** Renders one version of a Markdown file, marking blocks on `changed` lines. */
export function Markdown({ text, changed, kind }: { text: string; changed: ReadonlySet<number>; kind: "added" | "removed" }) {
  return (
    <div className="md">
      <Blocks blocks={parseMarkdown(text)} changed={changed} kind={kind} top />
    </div>
  );
}

/** The lines each side's hunks mark as removed (old) and added (new). */
export function changedLines(file: DiffFile): { old: Set<number>; new: Set<number> } {
  const old = new Set<number>();
  const nw = new Set<number>();
  for (const h of file.hunks ?? [])
    for (const l of h.lines ?? []) {
      if (l.kind === "removed" && l.old_line) old.add(l.old_line);
      if (l.kind === "added" && l.new_line) nw.add(l.new_line);
    }
  return { old, new: nw };
}

type Loaded = { old: string | null; new: string | null } | { error: string } | null;

function RenderedFile({ file, index, loadText, oldLabel, newLabel }: { file: DiffFile; index: number } & Omit<Props, "files">) {
  const [texts, setTexts] = useState<Loaded>(null);
  useEffect(() => {
    if (!loadText || file.binary || file.too_large) return;
    let live = true;
    const side = (s: Side, present: boolean) => (present ? loadText(file, s) : Promise.resolve(null));
    Promise.all([side("old", file.status !== "added"), side("new", file.status !== "deleted")]).then(
      ([o, n]) => live && setTexts({ old: o, new: n }),
      (e: unknown) => live && setTexts({ error: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      live = false;
    };
  }, [file, loadText]);
  const lines = changedLines(file);
  const title = file.old_path && file.old_path !== file.path ? `${file.old_path} → ${file.path ?? ""}` : (file.path ?? "");
  let body: ReactNode;
  if (file.binary || file.too_large) body = <p className="muted">Too large to render; the source view has download links.</p>;
  else if (!loadText) body = <p className="muted">The file's text is not available here.</p>;
  else if (!texts) body = <p>Loading…</p>;
  else if ("error" in texts)
    body = (
      <p role="alert" className="error">
        Cannot load {file.path}: {texts.error}
      </p>
    );
  else
    body = (
      <div className="md-sides">
        {(["old", "new"] as const).map((side) => {
          const text = texts[side];
          const label = side === "old" ? oldLabel : newLabel;
          return (
            <div key={side} className="md-side" data-side={side}>
              <div className="pane-head">
                {side === "old" ? "−" : "+"} {label}
              </div>
              {text === null ? (
                <p className="muted md-absent">Not in {label}.</p>
              ) : (
                <Markdown text={text} changed={lines[side]} kind={side === "old" ? "removed" : "added"} />
              )}
            </div>
          );
        })}
      </div>
    );
  return (
    <section className="md-file" id={`md-file-${index}`} aria-label={`${title}, rendered`}>
      <h3 className="md-file-title">{title}</h3>
      {body}
    </section>
  );
}

export default function RenderedDiff({ files, loadText, oldLabel, newLabel }: Props) {
  const shown = files.map((f, i) => ({ f, i })).filter(({ f }) => isMarkdown(f.path));
  const others = files.length - shown.length;
  return (
    <div className="rendered" data-testid="rendered-diff">
      {shown.length === 0 ? <p className="empty">No Markdown file changed; the source view shows the changes.</p> : null}
      {shown.map(({ f, i }) => (
        <RenderedFile key={`${f.path ?? ""}:${i}`} file={f} index={i} {...(loadText ? { loadText } : {})} oldLabel={oldLabel} newLabel={newLabel} />
      ))}
      {others > 0 && shown.length > 0 ? (
        <p className="muted">
          {others} other file{others === 1 ? "" : "s"} (not Markdown) in the source view.
        </p>
      ) : null}
    </div>
  );
}
