// The code tokenizer: each language's keywords, strings, comments and
// numbers; the tokens always rebuild the input.
import { describe, expect, it } from "vitest";
import { languageOf, tokenize, type TokenKind } from "./highlight";

const of = (code: string, lang: string, kind: TokenKind) =>
  tokenize(code, lang)
    .filter((t) => t.k === kind)
    .map((t) => t.s);

describe("tokenize", () => {
  it("colours shell", () => {
    const code = 'if [ -f "$1" ]; then\n  pdftotext "$1" - # to stdout\nfi\nexit 0';
    expect(of(code, "bash", "kw")).toEqual(["if", "then", "fi", "exit"]);
    expect(of(code, "sh", "str")).toEqual(['"$1"', '"$1"']);
    expect(of(code, "sh", "com")).toEqual(["# to stdout\n"].map((s) => s.trimEnd()));
    expect(of(code, "sh", "num")).toEqual(["0"]);
  });

  it("colours Python, JavaScript/TypeScript and Rust", () => {
    expect(of('def f(x):\n    return "a#b"  # done\n', "python", "kw")).toEqual(["def", "return"]);
    expect(of('def f(x):\n    return "a#b"  # done\n', "py", "com")).toEqual(["# done"]);
    expect(of("const n = 42; // answer\nlet s = `t`;", "ts", "kw")).toEqual(["const", "let"]);
    expect(of("const n = 42; // answer\nlet s = `t`;", "js", "str")).toEqual(["`t`"]);
    expect(of("/* a\nb */ x", "javascript", "com")).toEqual(["/* a\nb */"]);
    expect(of('fn main() { let s = "hi"; }', "rust", "kw")).toEqual(["fn", "let"]);
  });

  it("colours keys in JSON, YAML and TOML", () => {
    expect(of('{"name": "pdf", "n": 1, "ok": true}', "json", "key")).toEqual(['"name"', '"n"', '"ok"']);
    expect(of('{"name": "pdf", "n": 1, "ok": true}', "json", "lit")).toEqual(["true"]);
    expect(of("name: pdf\n- tools: [a]\n# note\n", "yaml", "key")).toEqual(["name", "tools"]);
    expect(of('[package]\nname = "x"\n', "toml", "key")).toEqual(["[package]", "name"]);
  });

  it("rebuilds the input exactly and leaves unknown languages plain", () => {
    const samples: [string, string][] = [
      ['echo "unterminated', "sh"],
      ["x = '''a\nb", "python"],
      ["`a ${b}`", "js"],
      ["r#\"raw\"# 'c' 0x1F", "rust"],
      ["a: 'b' # c", "yaml"],
    ];
    for (const [code, lang] of samples) expect(tokenize(code, lang).map((t) => t.s).join("")).toBe(code);
    expect(tokenize("SELECT 1", "sql")).toEqual([{ k: null, s: "SELECT 1" }]);
    expect(languageOf("Bash")).toBe("sh");
    expect(languageOf("")).toBeNull();
  });
});
