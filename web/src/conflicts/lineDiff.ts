// Which lines of two versions differ: a longest-common-subsequence diff of
// whole lines (endings included, so CRLF against LF is a difference). Enough
// to highlight what each side changed against the base.

/** Above this many cells the middle is marked changed as a whole, to bound time and memory. */
export const MAX_CELLS = 2_000_000;

export interface LineDiff {
  /** Per line of `a`: not kept in `b` (removed or changed). */
  aChanged: boolean[];
  /** Per line of `b`: not in `a` (added or changed). */
  bChanged: boolean[];
}

export function diffLines(a: readonly string[], b: readonly string[]): LineDiff {
  const aChanged = a.map(() => false);
  const bChanged = b.map(() => false);
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const n = a.length - pre - suf;
  const m = b.length - pre - suf;
  if (n === 0 || m === 0 || (n + 1) * (m + 1) > MAX_CELLS) {
    for (let i = 0; i < n; i++) aChanged[pre + i] = true;
    for (let j = 0; j < m; j++) bChanged[pre + j] = true;
    return { aChanged, bChanged };
  }
  // lcs[i][j]: the longest common run of a[pre+i..] and b[pre+j..].
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = a[pre + i] === b[pre + j] ? (lcs[(i + 1) * w + j + 1] ?? 0) + 1 : Math.max(lcs[(i + 1) * w + j] ?? 0, lcs[i * w + j + 1] ?? 0);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[pre + i] === b[pre + j]) {
      i++;
      j++;
    } else if ((lcs[(i + 1) * w + j] ?? 0) >= (lcs[i * w + j + 1] ?? 0)) {
      aChanged[pre + i++] = true;
    } else {
      bChanged[pre + j++] = true;
    }
  }
  for (; i < n; i++) aChanged[pre + i] = true;
  for (; j < m; j++) bChanged[pre + j] = true;
  return { aChanged, bChanged };
}
