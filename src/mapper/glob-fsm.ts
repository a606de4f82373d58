// Glob rule matching with a finite-state machine, as statsd_exporter's pkg/mapper/fsm.
//
// All glob rules are compiled into one trie per metric type, one level per dot-separated
// segment; `*` is a wildcard transition that matches exactly one (possibly empty) segment.
// A lookup walks the trie segment by segment, so its cost depends on the metric name's
// length, not on the number of rules.
//
// Ordering (upstream fsm.go GetMapping):
// - ordering on (default): every path is searched (literal and `*` alternatives) and the
//   matching rule with the lowest index wins. Branches whose best reachable rule index cannot
//   beat the current best are pruned.
// - ordering off (`glob_disable_ordering: true`): a literal transition is tried before `*`
//   at each level and the first rule found wins.
//
// Deliberate differences from upstream, all in cases where upstream loses matches:
// - a rule whose pattern ends on a state created by an earlier, longer rule (e.g. `a.b`
//   after `a.b.c`) matches; upstream never records a result there.
// - identical patterns: the first rule wins with ordering on, as the ordering promises;
//   upstream ranks the state by the *last* duplicate's index.
// - a metric segment that is literally "*" is captured by the wildcard like any other text.
// - with ordering off, alternatives are always explored (upstream skips backtracking when its
//   heuristic, reproduced in analyzeGlobRules for its warnings, says it is not needed; the
//   heuristic misses cases such as `a.b.c` + `a.*.d` + `*.*.d` for `a.b.d`). Whenever
//   upstream finds a rule, this finds the same one.
import type { EventType } from '../line/events';

const EVENT_TYPES: readonly EventType[] = ['counter', 'gauge', 'observer'];

interface FsmState<R> {
  literal: Map<string, FsmState<R>> | null;
  wildcard: FsmState<R> | null;
  /** Fewest / most segments left after this one, over the rules that pass through here. */
  minRemaining: number;
  maxRemaining: number;
  /** The lowest-index rule ending exactly at this state. */
  result: R | null;
  /** The lowest rule index anywhere in this state's subtree (this state included). */
  best: number;
}

export interface GlobRuleRef {
  /** The rule's position among all rules: lower wins when ordering is on. */
  readonly rank: number;
}

export interface GlobMatch<R> {
  rule: R;
  /** The text matched by each `*`, in order. */
  captures: string[];
}

function newState<R>(): FsmState<R> {
  return {
    literal: null,
    wildcard: null,
    minRemaining: Infinity,
    maxRemaining: -1,
    result: null,
    best: Infinity,
  };
}

interface SearchContext<R> {
  fields: string[];
  captures: string[];
  bestRule: R | null;
  bestIndex: number;
  bestCaptures: string[];
}

export class GlobFsm<R extends GlobRuleRef> {
  private readonly roots: Record<EventType, FsmState<R>> = {
    counter: newState<R>(),
    gauge: newState<R>(),
    observer: newState<R>(),
  };
  private ruleCount = 0;

  constructor(readonly orderingDisabled: boolean) {}

  get size(): number {
    return this.ruleCount;
  }

  /**
   * Adds a validated glob pattern. `matchMetricType` '' adds it for every type. Returns the
   * number of `*` segments (the capture count).
   */
  add(pattern: string, matchMetricType: EventType | '', rule: R): number {
    const fields = pattern.split('.');
    const n = fields.length;
    let captureCount = 0;
    for (const f of fields) if (f === '*') captureCount++;
    const types = matchMetricType === '' ? EVENT_TYPES : [matchMetricType];
    for (const type of types) {
      let state = this.roots[type];
      if (rule.rank < state.best) state.best = rule.rank;
      for (let i = 0; i < n; i++) {
        const field = fields[i];
        let next: FsmState<R> | undefined;
        if (field === '*') {
          next = state.wildcard ?? undefined;
          if (!next) state.wildcard = next = newState<R>();
        } else {
          if (!state.literal) state.literal = new Map();
          next = state.literal.get(field);
          if (!next) {
            next = newState<R>();
            state.literal.set(field, next);
          }
        }
        const remaining = n - i - 1;
        if (remaining < next.minRemaining) next.minRemaining = remaining;
        if (remaining > next.maxRemaining) next.maxRemaining = remaining;
        if (rule.rank < next.best) next.best = rule.rank;
        state = next;
      }
      if (state.result === null || rule.rank < state.result.rank) state.result = rule;
    }
    this.ruleCount++;
    return captureCount;
  }

  /** Finds the rule for a metric name and type, with the `*` captures. */
  lookup(name: string, type: EventType): GlobMatch<R> | null {
    const root = this.roots[type];
    if (root.best === Infinity) return null;
    const fields = name.split('.');
    const ctx: SearchContext<R> = {
      fields,
      captures: new Array<string>(fields.length),
      bestRule: null,
      bestIndex: Infinity,
      bestCaptures: [],
    };
    if (this.orderingDisabled) {
      if (!this.first(ctx, root, 0, 0)) return null;
    } else {
      this.search(ctx, root, 0, 0);
    }
    return ctx.bestRule === null ? null : { rule: ctx.bestRule, captures: ctx.bestCaptures };
  }

  /**
   * The FSM in Graphviz dot format, like upstream's --debug.dump-fsm (fsm/dump.go): state 0
   * is the start, its children the metric types, green nodes the states without transitions.
   */
  dumpDot(): string {
    const lines = ['digraph g {', 'rankdir=LR', 'node [ label="",style=filled,fillcolor=white,shape=circle ]'];
    const queue: FsmState<R>[] = [];
    const children = (st: FsmState<R>): [string, FsmState<R>][] => {
      const out: [string, FsmState<R>][] = st.literal ? [...st.literal] : [];
      if (st.wildcard) out.push(['*', st.wildcard]);
      return out;
    };
    let next = 1;
    for (const type of EVENT_TYPES) {
      const id = next++;
      lines.push(`0 -> ${id}  [label = "${type}"];`, `${id} [color="#D6B656",fillcolor="#FFF2CC"];`);
      queue.push(this.roots[type]);
    }
    for (let idx = 1; idx - 1 < queue.length; idx++) {
      for (const [field, child] of children(queue[idx - 1])) {
        const id = next++;
        queue.push(child);
        lines.push(`${idx} -> ${id}  [label = "${field}"];`);
        if (child.literal === null && child.wildcard === null) lines.push(`${id} [color="#82B366",fillcolor="#D5E8D4"];`);
      }
    }
    lines.push('0 [color="#a94442",fillcolor="#f2dede"];');
    return lines.join('\n') + '\n}';
  }

  /** Ordering on: exhaustive search for the lowest rule index, with pruning. */
  private search(ctx: SearchContext<R>, state: FsmState<R>, i: number, ncap: number): void {
    const fields = ctx.fields;
    const field = fields[i];
    const left = fields.length - i - 1;
    let lit = state.literal !== null ? state.literal.get(field) : undefined;
    if (lit !== undefined && (left < lit.minRemaining || left > lit.maxRemaining)) lit = undefined;
    let wild = state.wildcard;
    if (wild !== null && (left < wild.minRemaining || left > wild.maxRemaining)) wild = null;
    // Visit the more promising branch first so the other is more likely to be pruned.
    if (lit !== undefined && wild !== null && wild.best < lit.best) {
      this.visitWildcard(ctx, wild, i, ncap, field);
      if (lit.best < ctx.bestIndex) this.visit(ctx, lit, i, ncap);
      return;
    }
    if (lit !== undefined && lit.best < ctx.bestIndex) this.visit(ctx, lit, i, ncap);
    if (wild !== null && wild.best < ctx.bestIndex) this.visitWildcard(ctx, wild, i, ncap, field);
  }

  private visitWildcard(ctx: SearchContext<R>, wild: FsmState<R>, i: number, ncap: number, field: string): void {
    ctx.captures[ncap] = field;
    this.visit(ctx, wild, i, ncap + 1);
  }

  private visit(ctx: SearchContext<R>, state: FsmState<R>, i: number, ncap: number): void {
    if (i === ctx.fields.length - 1) {
      const r = state.result;
      if (r !== null && r.rank < ctx.bestIndex) {
        ctx.bestRule = r;
        ctx.bestIndex = r.rank;
        ctx.bestCaptures = ctx.captures.slice(0, ncap);
      }
      return;
    }
    this.search(ctx, state, i + 1, ncap);
  }

  /** Ordering off: literal before `*` at each level, the first rule found wins. */
  private first(ctx: SearchContext<R>, state: FsmState<R>, i: number, ncap: number): boolean {
    const fields = ctx.fields;
    const field = fields[i];
    const left = fields.length - i - 1;
    const last = left === 0;
    const lit = state.literal !== null ? state.literal.get(field) : undefined;
    if (lit !== undefined && left >= lit.minRemaining && left <= lit.maxRemaining) {
      if (last) {
        if (lit.result !== null) return this.found(ctx, lit.result, ncap);
      } else if (this.first(ctx, lit, i + 1, ncap)) return true;
    }
    const wild = state.wildcard;
    if (wild !== null && left >= wild.minRemaining && left <= wild.maxRemaining) {
      ctx.captures[ncap] = field;
      if (last) {
        if (wild.result !== null) return this.found(ctx, wild.result, ncap + 1);
      } else if (this.first(ctx, wild, i + 1, ncap + 1)) return true;
    }
    return false;
  }

  private found(ctx: SearchContext<R>, rule: R, ncap: number): boolean {
    ctx.bestRule = rule;
    ctx.bestIndex = rule.rank;
    ctx.bestCaptures = ctx.captures.slice(0, ncap);
    return true;
  }
}

export interface GlobAnalysisWarning {
  kind: 'superset' | 'backtracking';
  /** For 'superset': the broader, earlier rule; for 'backtracking': the rule. */
  match: string;
  /** For 'superset': the later rule that can never be reached through `match`. */
  secondMatch?: string;
}

/** Does glob `pattern` (segments, `*` = any one segment) match the text `target` (segments)? */
function globCovers(pattern: string[], target: string[]): boolean {
  if (pattern.length !== target.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== '*' && pattern[i] !== target[i]) return false;
  }
  return true;
}

/**
 * Upstream's TestIfNeedBacktracking, kept for its load-time warnings: a rule that is a
 * superset of a later rule (with ordering on, the later one is then unreachable for those
 * names), and rules that force backtracking. Rules are compared within groups of the same
 * segment count; groups larger than `maxGroup` are skipped (the check is quadratic).
 */
export function analyzeGlobRules(
  patterns: readonly string[],
  orderingDisabled: boolean,
  maxGroup = 2000,
): GlobAnalysisWarning[] {
  const warnings: GlobAnalysisWarning[] = [];
  const steps = analyzeGlobRulesSteps(patterns, orderingDisabled, maxGroup, warnings);
  while (!steps.next().done);
  return warnings;
}

/** analyzeGlobRules as a generator that yields after each rule (for a sliced reload). */
export function* analyzeGlobRulesSteps(
  patterns: readonly string[],
  orderingDisabled: boolean,
  maxGroup: number,
  warnings: GlobAnalysisWarning[],
): Generator<void, void, void> {
  const byLength = new Map<number, { text: string; fields: string[] }[]>();
  for (const p of patterns) {
    yield;
    const fields = p.split('.');
    let group = byLength.get(fields.length);
    if (!group) byLength.set(fields.length, (group = []));
    group.push({ text: p, fields });
  }
  for (const rules of byLength.values()) {
    if (rules.length === 1 || rules.length > maxGroup) continue;
    for (let i1 = 0; i1 < rules.length; i1++) {
      yield;
      const r1 = rules[i1];
      if (!r1.text.includes('*')) continue;
      let needBacktrack = false;
      // If r1 is A.B.C.*.E.*, is there a rule that starts with A.B.C. or A.B.C.*.E. ?
      for (let index = 0; index < r1.text.length && !needBacktrack; index++) {
        if (r1.text[index] !== '*') continue;
        const prefix = r1.text.slice(0, index);
        for (let i2 = 0; i2 < rules.length; i2++) {
          if (i2 !== i1 && rules[i2].text.startsWith(prefix)) {
            needBacktrack = true;
            break;
          }
        }
      }
      for (let i2 = 0; i2 < rules.length; i2++) {
        if (i2 !== i1 && globCovers(r1.fields, rules[i2].fields)) {
          if (!orderingDisabled && i1 < i2) {
            warnings.push({ kind: 'superset', match: r1.text, secondMatch: rules[i2].text });
          }
          needBacktrack = false;
        }
      }
      if (needBacktrack) {
        for (let i2 = 0; i2 < rules.length; i2++) {
          // r1 is a subset of another rule: no backtracking needed for it.
          if (i2 !== i1 && globCovers(rules[i2].fields, r1.fields)) {
            needBacktrack = false;
            break;
          }
        }
      }
      if (needBacktrack) warnings.push({ kind: 'backtracking', match: r1.text });
    }
  }
}
