// Colours for fenced code in the rendered view: a small tokenizer per
// language (keywords, strings, comments, numbers, keys) for what skills
// usually hold — shell, Python, JavaScript/TypeScript, JSON, YAML, Rust,
// TOML. Unknown languages stay plain. Tokens concatenate to the input.

export type TokenKind = "kw" | "str" | "com" | "num" | "key" | "lit";

export interface Token {
  k: TokenKind | null;
  s: string;
}

interface Lang {
  /** Tried in order at each position; the first that matches wins. */
  rules: [TokenKind | null, RegExp][];
  keywords: ReadonlySet<string>;
  literals: ReadonlySet<string>;
}

const words = (s: string) => new Set(s.split(" "));
const NUM: RegExp = /-?\b(?:0x[\da-fA-F_]+|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?)\b/y;
const DQ = /"(?:\\.|[^"\\\n])*"?/y;
const SQ = /'(?:\\.|[^'\\\n])*'?/y;
const WORD = /[A-Za-z_$][\w$]*/y;
const HASH_COMMENT = /#[^\n]*/y;
const SLASH_COMMENTS = /\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/y;

const LANGS: Record<string, Lang> = {
  sh: {
    rules: [
      ["com", /(?<=^|[\s;|&(])#[^\n]*/y],
      ["str", DQ],
      ["str", /'[^']*'?/y],
      ["key", /\$(?:\{[^}\n]*\}?|[\w@#?*!$-])/y],
      ["num", NUM],
    ],
    keywords: words("if then else elif fi for while until do done case esac in function return local export exit set unset readonly shift source alias break continue select time"),
    literals: words("true false"),
  },
  python: {
    rules: [
      ["com", HASH_COMMENT],
      ["str", /[rRbBfFuU]{0,2}(?:"""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$))/y],
      ["str", /[rRbBfFuU]{0,2}(?:"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?)/y],
      ["key", /@[\w.]+/y],
      ["num", NUM],
    ],
    keywords: words("def class return if elif else for while in import from as with try except finally raise pass break continue lambda yield and or not is async await global nonlocal del assert match case"),
    literals: words("None True False self"),
  },
  js: {
    rules: [
      ["com", SLASH_COMMENTS],
      ["str", DQ],
      ["str", SQ],
      ["str", /`(?:\\.|[^`\\])*`?/y],
      ["num", NUM],
    ],
    keywords: words(
      "const let var function return if else for while do switch case break continue new class extends import export from default async await try catch finally throw typeof instanceof in of interface type enum implements public private protected readonly as void yield static get set delete",
    ),
    literals: words("null undefined true false this NaN Infinity"),
  },
  json: {
    rules: [
      ["key", /"(?:\\.|[^"\\\n])*"(?=\s*:)/y],
      ["str", DQ],
      ["num", NUM],
    ],
    keywords: words(""),
    literals: words("true false null"),
  },
  yaml: {
    rules: [
      ["com", /(?<=^|\s)#[^\n]*/y],
      ["key", /(?<=^[ \t]*(?:- )?)[^\s#:'"-][^:\n#]*?(?=:(?:\s|$))/my],
      ["str", DQ],
      ["str", SQ],
      ["num", NUM],
    ],
    keywords: words(""),
    literals: words("true false null yes no on off True False Null ~"),
  },
  rust: {
    rules: [
      ["com", SLASH_COMMENTS],
      ["str", /b?r(#*)"[\s\S]*?(?:"\1|$)/y],
      ["str", /b?"(?:\\.|[^"\\])*"?/y],
      ["str", /b?'(?:\\.|[^'\\\n])'/y],
      ["key", /#!?\[[^\]\n]*\]?/y],
      ["num", NUM],
    ],
    keywords: words(
      "fn let mut pub struct enum impl trait use mod crate super match if else for while loop return break continue as where in ref move async await dyn const static unsafe type extern",
    ),
    literals: words("true false self Self Some None Ok Err"),
  },
  toml: {
    rules: [
      ["com", HASH_COMMENT],
      ["key", /(?<=^[ \t]*)\[\[?[^\]\n]*\]?\]?/my],
      ["key", /(?<=^[ \t]*)[\w."'-]+(?=[ \t]*=)/my],
      ["str", /"""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)/y],
      ["str", DQ],
      ["str", /'[^'\n]*'?/y],
      ["num", NUM],
    ],
    keywords: words(""),
    literals: words("true false inf nan"),
  },
};

const ALIASES: Record<string, string> = {
  sh: "sh",
  bash: "sh",
  shell: "sh",
  zsh: "sh",
  console: "sh",
  shellscript: "sh",
  py: "python",
  python: "python",
  python3: "python",
  js: "js",
  javascript: "js",
  jsx: "js",
  mjs: "js",
  cjs: "js",
  ts: "js",
  typescript: "js",
  tsx: "js",
  json: "json",
  jsonc: "json",
  yaml: "yaml",
  yml: "yaml",
  rust: "rust",
  rs: "rust",
  toml: "toml",
};

/** The tokenizer's name for a fence's language tag, or null when it has none. */
export function languageOf(tag: string): string | null {
  return ALIASES[tag.toLowerCase()] ?? null;
}

/** `code` as coloured tokens; one plain token when the language is unknown. */
export function tokenize(code: string, tag: string): Token[] {
  const name = languageOf(tag);
  const lang = name ? LANGS[name] : undefined;
  if (!lang) return [{ k: null, s: code }];
  const out: Token[] = [];
  const push = (k: TokenKind | null, s: string) => {
    const last = out[out.length - 1];
    if (last && last.k === k) last.s += s;
    else out.push({ k, s });
  };
  let i = 0;
  outer: while (i < code.length) {
    for (const [kind, re] of lang.rules) {
      re.lastIndex = i;
      const m = re.exec(code);
      if (m && m[0].length > 0) {
        push(kind, m[0]);
        i += m[0].length;
        continue outer;
      }
    }
    WORD.lastIndex = i;
    const w = WORD.exec(code);
    if (w) {
      const k = lang.keywords.has(w[0]) ? "kw" : lang.literals.has(w[0]) ? "lit" : null;
      push(k, w[0]);
      i += w[0].length;
      continue;
    }
    push(null, code[i] as string);
    i++;
  }
  return out;
}
