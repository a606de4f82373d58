// Go (RE2) regular expressions for regex mapping rules, through re2js (a JavaScript port of
// RE2/J, itself a port of Go's regexp package).
//
// Why not JavaScript's RegExp: it backtracks, so a rule such as `^([a-z]+_?)+\.count$` takes
// time exponential in the name, and one datagram can stall the daemon (issue 10). RE2 runs
// in time linear in the name, as statsd_exporter does with Go's regexp. re2js parses with
// Go's syntax and Go's error texts ("error parsing regexp: missing argument to repetition
// operator: `*`"), and keeps Go's submatch rules (a repeated group keeps its last capture).
//
// Matching is done in two steps, as Go's regexp does internally: a DFA pass answers "does it
// match at all" (the common case, for a name tried against many rules, is no), and only a
// match pays for the submatch engine. Rules whose templates need no capture skip that step.
import { RE2JS } from 're2js';

export class GoRegexpError extends Error {
  constructor(
    readonly code: string,
    readonly expr: string,
  ) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
    this.name = 'GoRegexpError';
  }
}

/** A compiled Go regular expression: unanchored, leftmost-first, linear-time. */
export interface GoRegexp {
  /** The pattern as written. */
  readonly source: string;
  /** Group names by group number; index 0 (the whole match) and unnamed groups are null. */
  readonly groupNames: readonly (string | null)[];
  /** Whether the pattern matches anywhere in `text` (no submatches computed). */
  test(text: string): boolean;
  /**
   * The whole match and each group's text (undefined for a group that did not take part),
   * or null when there is no match; as Go's FindStringSubmatch.
   */
  exec(text: string): (string | undefined)[] | null;
}

type Re2 = ReturnType<RE2JS['re2']>;

const SYNTAX_PREFIX = 'error parsing regexp: ';

class Re2Regexp implements GoRegexp {
  constructor(
    readonly source: string,
    readonly groupNames: readonly (string | null)[],
    private readonly re: Re2,
  ) {}

  test(text: string): boolean {
    return this.re.match(text);
  }

  exec(text: string): (string | undefined)[] | null {
    const re = this.re;
    if (!re.match(text)) return null;
    const found = re.findSubmatch(text) as (string | null)[] | null;
    if (found === null) return null;
    const out: (string | undefined)[] = new Array(found.length);
    for (let i = 0; i < found.length; i++) out[i] = found[i] ?? undefined;
    return out;
  }
}

/** Compiles a Go regular expression; throws GoRegexpError with Go's message on bad syntax. */
export function compileGoRegexp(pattern: string): GoRegexp {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    if (message.startsWith(SYNTAX_PREFIX)) {
      // "error parsing regexp: <code>: `<expr>`", split back into its parts.
      const rest = message.slice(SYNTAX_PREFIX.length);
      const at = rest.indexOf(': `');
      if (at >= 0 && rest.endsWith('`')) throw new GoRegexpError(rest.slice(0, at), rest.slice(at + 3, -1));
      // Go prints an empty expression as "``" (e.g. a trailing backslash); re2js drops it.
      throw new GoRegexpError(rest, '');
    }
    throw new GoRegexpError('invalid or unsupported syntax', message);
  }
  const groupNames: (string | null)[] = new Array(compiled.groupCount() + 1).fill(null);
  for (const [name, index] of Object.entries(compiled.namedGroups())) groupNames[index] = name;
  return new Re2Regexp(pattern, groupNames, compiled.re2());
}
