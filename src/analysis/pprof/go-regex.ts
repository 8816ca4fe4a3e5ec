/**
 * Go's regexp syntax (RE2), translated to a JavaScript RegExp that matches the same strings, for pprof's
 * `-focus`, `-ignore`, `-hide` and `-show`. What means one thing in Go and another in JavaScript is written
 * out explicitly: POSIX classes (`[[:upper:]]`), Perl classes (Go's `\s` has no `\v` or Unicode spaces),
 * `.` (Go's excludes only `\n`), `\pL` / `\p{Greek}`, `\x{6C}`, `\Q…\E`, `\A` and `\z`, literal `{`, `}`
 * and `]`, and flags in groups (`(?i:…)`, `(?s)` in the middle, `(?U)`), which JavaScript has not (the
 * letters in a case-insensitive part become classes of their case variants). What RE2 refuses (look-around,
 * back-references) is refused too, and so is what cannot be translated: never a silently different match.
 */

/** A translation failure: its message says what in the expression, as Go's own errors do. */
export class GoRegexError extends Error {}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

type Range = [number, number];
/** A class item: a set of code points (folded and negated as Go does), or a Unicode property JavaScript knows. */
type Item = { kind: 'set'; ranges: Range[]; negated: boolean } | { kind: 'prop'; text: string; negated: boolean };

const MAX_CP = 0x10ffff;
const r = (lo: string, hi = lo): Range => [lo.codePointAt(0)!, hi.codePointAt(0)!];

/** Go's Perl classes (ASCII only, as RE2's). */
const PERL: Record<string, Range[]> = {
  d: [r('0', '9')],
  s: [r('\t', '\n'), r('\f', '\r'), r(' ')],
  w: [r('0', '9'), r('A', 'Z'), r('_'), r('a', 'z')],
};

/** Go's POSIX classes ([[:name:]]), ASCII only. */
const POSIX: Record<string, Range[]> = {
  alnum: [r('0', '9'), r('A', 'Z'), r('a', 'z')],
  alpha: [r('A', 'Z'), r('a', 'z')],
  ascii: [[0, 0x7f]],
  blank: [r('\t'), r(' ')],
  cntrl: [
    [0, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [r('0', '9')],
  graph: [r('!', '~')],
  lower: [r('a', 'z')],
  print: [r(' ', '~')],
  punct: [r('!', '/'), r(':', '@'), r('[', '`'), r('{', '~')],
  space: [r('\t', '\r'), r(' ')],
  upper: [r('A', 'Z')],
  word: [r('0', '9'), r('A', 'Z'), r('_'), r('a', 'z')],
  xdigit: [r('0', '9'), r('A', 'F'), r('a', 'f')],
};

const GENERAL_CATEGORIES = new Set('C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' '));

/** Case variants Go folds together that toLowerCase/toUpperCase do not reach (Kelvin sign, long s, Ångström sign). */
const EXTRA_FOLDS: Record<number, number[]> = { 0x6b: [0x212a], 0x73: [0x17f], 0xe5: [0x212b], 0x212a: [0x6b], 0x17f: [0x73], 0x212b: [0xe5] };

/** The code points Go's (?i) matches for `cp`: its simple case variants. */
function foldsOf(cp: number): number[] {
  const out = new Set<number>([cp]);
  const todo = [cp];
  while (todo.length) {
    const c = todo.pop()!;
    const s = String.fromCodePoint(c);
    for (const v of [s.toLowerCase(), s.toUpperCase(), ...(EXTRA_FOLDS[c] ?? []).map((x) => String.fromCodePoint(x))]) {
      const vc = v.codePointAt(0)!;
      // Only one-to-one mappings fold (ß's upper case is "SS": not a simple fold).
      if (String.fromCodePoint(vc) === v && !out.has(vc)) {
        out.add(vc);
        todo.push(vc);
      }
    }
  }
  return [...out];
}

function normalize(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Range[] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function complement(ranges: Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of normalize(ranges)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return out;
}

/** Most code points a case-insensitive part's class may hold: each is folded one by one. */
const MAX_FOLDED = 0x4000;

function fold(ranges: Range[]): Range[] {
  const size = ranges.reduce((n, [lo, hi]) => n + hi - lo + 1, 0);
  if (size > MAX_FOLDED) {
    throw new GoRegexError('a class of more than 16384 characters inside a case-insensitive group cannot be translated; put (?i) at the very start of the expression instead');
  }
  const out: Range[] = [];
  for (const [lo, hi] of ranges) for (let c = lo; c <= hi; c++) for (const f of foldsOf(c)) out.push([f, f]);
  return normalize(out);
}

const hex = (cp: number): string => `\\u{${cp.toString(16)}}`;
/** A code point written so that it means itself anywhere in a v-flag RegExp, inside a class or not. */
const lit = (cp: number): string => (/[0-9A-Za-z]/.test(String.fromCodePoint(cp)) ? String.fromCodePoint(cp) : hex(cp));
const classOf = (ranges: Range[]): string => `[${normalize(ranges).map(([lo, hi]) => (lo === hi ? lit(lo) : `${lit(lo)}-${lit(hi)}`)).join('')}]`;

/**
 * Translates a Go regexp into a JavaScript source and flags (always `v`, and `i` when the whole expression is
 * case-insensitive). Throws GoRegexError for what Go refuses or what cannot be translated.
 */
export function translateGoRegex(src: string): { source: string; flags: string } {
  const cps = Array.from(src);
  const n = cps.length;
  let pos = 0;
  // A leading (?i) that nothing turns off is the i flag: JavaScript then folds everything itself.
  const globalI = /^\(\?[msU]*i[imsU]*(?:-[msU]*)?\)/.test(src) && !/\(\?[imsU]*-[imsU]*i/.test(src);
  let flags: Flags = { i: false, m: false, s: false, U: false };
  const stack: Flags[] = [];
  let out = '';
  const peek = (k = 0): string | undefined => cps[pos + k];
  const rest = (): string => cps.slice(pos).join('');
  const foldHere = (): boolean => flags.i && !globalI;

  const setOf = (item: Item): string => {
    if (item.kind === 'prop') {
      if (foldHere()) throw new GoRegexError(`${item.text} inside a case-insensitive group cannot be translated; put (?i) at the very start of the expression instead`);
      return item.negated ? item.text.replace(/^\\p/, '\\P') : item.text;
    }
    const ranges = foldHere() ? fold(item.ranges) : item.ranges;
    return classOf(item.negated ? complement(ranges) : ranges);
  };

  /** Reads the escape after a backslash (pos at the backslash); `inClass` refuses the zero-width ones. */
  const readEscape = (inClass: boolean): Item | { kind: 'char'; cp: number } | { kind: 'assert'; text: string } => {
    const c = peek(1);
    if (c === undefined) throw new GoRegexError('trailing backslash at end of expression');
    pos += 2;
    if (c in PERL) return { kind: 'set', ranges: PERL[c]!, negated: false };
    if (c.toLowerCase() in PERL && c !== c.toLowerCase()) return { kind: 'set', ranges: PERL[c.toLowerCase()]!, negated: true };
    if (c === 'p' || c === 'P') {
      let name: string;
      if (peek() === '{') {
        const end = cps.indexOf('}', pos);
        if (end < 0) throw new GoRegexError(`invalid character class range: \\${c}${rest()}`);
        name = cps.slice(pos + 1, end).join('');
        pos = end + 1;
      } else {
        if (peek() === undefined) throw new GoRegexError(`invalid character class range: \\${c}`);
        name = peek()!;
        pos++;
      }
      let negated = c === 'P';
      if (name.startsWith('^')) {
        negated = !negated;
        name = name.slice(1);
      }
      const text = GENERAL_CATEGORIES.has(name) || name === 'Any' ? `\\p{${name}}` : `\\p{Script=${name}}`;
      try {
        new RegExp(text, 'v');
      } catch {
        throw new GoRegexError(`invalid character class range: \\p{${name}}`);
      }
      return { kind: 'prop', text, negated };
    }
    if (c === 'x') {
      let digits: string;
      if (peek() === '{') {
        const end = cps.indexOf('}', pos);
        digits = end < 0 ? '' : cps.slice(pos + 1, end).join('');
        if (end < 0 || !/^[0-9A-Fa-f]+$/.test(digits)) throw new GoRegexError(`invalid escape sequence: \\x${cps.slice(pos, end < 0 ? n : end + 1).join('')}`);
        pos = end + 1;
      } else {
        digits = cps.slice(pos, pos + 2).join('');
        if (!/^[0-9A-Fa-f]{2}$/.test(digits)) throw new GoRegexError(`invalid escape sequence: \\x${digits}`);
        pos += 2;
      }
      const cp = parseInt(digits, 16);
      if (cp > MAX_CP) throw new GoRegexError(`invalid escape sequence: \\x{${digits}}`);
      return { kind: 'char', cp };
    }
    const simple: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (c in simple) return { kind: 'char', cp: simple[c]! };
    if (!inClass && (c === 'A' || c === 'z')) return { kind: 'assert', text: c === 'A' ? '(?<![\\s\\S])' : '(?![\\s\\S])' };
    if (!inClass && (c === 'b' || c === 'B')) return { kind: 'assert', text: `\\${c}` };
    if (/[0-7]/.test(c)) throw new GoRegexError(`octal escapes and back-references (\\${c}) are not supported; write the character as \\x{…}`);
    const cp = c.codePointAt(0)!;
    // Go takes any ASCII punctuation escaped as itself.
    if (cp < 0x80 && !/[0-9A-Za-z]/.test(c)) return { kind: 'char', cp };
    throw new GoRegexError(`invalid escape sequence: \\${c}`);
  };

  const emitChar = (cp: number): void => {
    const folds = foldHere() ? foldsOf(cp) : [cp];
    out += folds.length > 1 ? classOf(folds.map((f) => [f, f] as Range)) : lit(cp);
  };

  const readClass = (): void => {
    const start = pos;
    pos++; // [
    let negated = false;
    if (peek() === '^') {
      negated = true;
      pos++;
    }
    const items: Item[] = [];
    let first = true;
    const readSingle = (): number | Item => {
      if (peek() === '\\') {
        const e = readEscape(true);
        if (e.kind === 'char') return e.cp;
        if (e.kind === 'assert') throw new GoRegexError('internal: assertion in class');
        return e;
      }
      return cps[pos++]!.codePointAt(0)!;
    };
    for (;;) {
      const c = peek();
      if (c === undefined) throw new GoRegexError(`missing closing ]: ${cps.slice(start).join('')}`);
      if (c === ']' && !first) {
        pos++;
        break;
      }
      first = false;
      if (c === '[' && peek(1) === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(rest());
        if (m) {
          const ranges = POSIX[m[2]!];
          if (!ranges) throw new GoRegexError(`invalid character class range: ${m[0]}`);
          items.push({ kind: 'set', ranges, negated: m[1] === '^' });
          pos += m[0].length;
          continue;
        }
      }
      const lo = readSingle();
      if (typeof lo !== 'number') {
        items.push(lo);
        continue;
      }
      if (peek() === '-' && peek(1) !== undefined && peek(1) !== ']') {
        pos++;
        const hi = readSingle();
        if (typeof hi !== 'number' || hi < lo) throw new GoRegexError(`invalid character class range: ${cps.slice(start, pos).join('')}`);
        items.push({ kind: 'set', ranges: [[lo, hi]], negated: false });
      } else items.push({ kind: 'set', ranges: [[lo, lo]], negated: false });
    }
    const props = items.filter((it): it is Extract<Item, { kind: 'prop' }> => it.kind === 'prop');
    const sets = items.filter((it): it is Extract<Item, { kind: 'set' }> => it.kind === 'set');
    // Go folds each item, negates the negated ones, unites them, then negates the class.
    const ranges = normalize(
      sets.flatMap((s) => {
        const f = foldHere() ? fold(s.ranges) : s.ranges;
        return s.negated ? complement(f) : f;
      }),
    );
    if (props.length === 0) {
      out += classOf(negated ? complement(ranges) : ranges);
      return;
    }
    const inner = [...props.map((p) => setOf(p)), ...(ranges.length ? [classOf(ranges)] : [])].join('');
    out += negated ? `[^${inner}]` : `[${inner}]`;
  };

  const readRepeatSuffix = (): void => {
    let lazy = false;
    if (peek() === '?') {
      lazy = true;
      pos++;
    }
    if (lazy !== flags.U) out += '?';
  };

  while (pos < n) {
    const c = peek()!;
    if (c === '\\') {
      if (peek(1) === 'Q') {
        pos += 2;
        while (pos < n && !(peek() === '\\' && peek(1) === 'E')) emitChar(cps[pos++]!.codePointAt(0)!);
        if (pos < n) pos += 2;
        continue;
      }
      const e = readEscape(false);
      if (e.kind === 'char') emitChar(e.cp);
      else if (e.kind === 'assert') out += e.text;
      else out += setOf(e);
      continue;
    }
    if (c === '[') {
      readClass();
      continue;
    }
    if (c === '(') {
      if (peek(1) !== '?') {
        stack.push(flags);
        flags = { ...flags };
        out += '(';
        pos++;
        continue;
      }
      const here = rest();
      // (?<name>…) is Go 1.22's spelling of (?P<name>…).
      const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(here);
      if (named) {
        stack.push(flags);
        flags = { ...flags };
        out += `(?<${named[1]}>`;
        pos += Array.from(named[0]).length;
        continue;
      }
      const fm = /^\(\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(here);
      if (!fm || fm[2] === '') {
        throw new GoRegexError(`invalid or unsupported Perl syntax: ${here.slice(0, 4)}`);
      }
      const next = { ...flags };
      for (const f of fm[1]!) next[f as keyof Flags] = true;
      for (const f of fm[2] ?? '') next[f as keyof Flags] = false;
      pos += fm[0].length;
      if (fm[3] === ')') flags = next;
      else {
        stack.push(flags);
        flags = next;
        out += '(?:';
      }
      continue;
    }
    if (c === ')') {
      if (stack.length === 0) throw new GoRegexError(`unexpected ): ${src}`);
      flags = stack.pop()!;
      out += ')';
      pos++;
      continue;
    }
    if (c === '.') {
      out += flags.s ? '[\\s\\S]' : '[^\\n]';
      pos++;
      continue;
    }
    if (c === '^') {
      out += flags.m ? '(?<![^\\n])' : '^';
      pos++;
      continue;
    }
    if (c === '$') {
      out += flags.m ? '(?![^\\n])' : '$';
      pos++;
      continue;
    }
    if (c === '*' || c === '+' || c === '?') {
      out += c;
      pos++;
      readRepeatSuffix();
      continue;
    }
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(rest());
      if (m) {
        const min = Number(m[1]);
        const max = m[3] ? Number(m[3]) : min;
        if (min > 1000 || max > 1000 || (m[3] && max < min)) throw new GoRegexError(`invalid repeat count: ${m[0]}`);
        out += m[0];
        pos += m[0].length;
        readRepeatSuffix();
        continue;
      }
      // Go reads a { that starts no repeat as itself.
      out += '\\{';
      pos++;
      continue;
    }
    if (c === '|') {
      out += '|';
      pos++;
      continue;
    }
    emitChar(c.codePointAt(0)!);
    pos++;
  }
  if (stack.length > 0) throw new GoRegexError(`missing closing ): ${src}`);
  return { source: out, flags: globalI ? 'iv' : 'v' };
}
