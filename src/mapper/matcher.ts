// The lookup side of a compiled config: glob rules through the FSM, then regex rules in file
// order (upstream mapper.go GetMapping), with templates rendered from precompiled parts.
import type { EventType, Labels } from '../line/events';
import { GlobFsm } from './glob-fsm';
import type { GoRegexp } from './go-regexp';
import { formatTemplate, type Template } from './template';
import type { MappingExplanation, MappingMatcher, MappingResult, MetricMapping } from './types';

export interface CompiledRule {
  /** Position among all loaded rules (lower wins under glob ordering). */
  readonly rank: number;
  readonly mapping: MetricMapping;
  readonly name: Template;
  readonly labelKeys: readonly string[];
  readonly labelValues: readonly Template[];
  /** The shared result when the name and every label value are constant. */
  readonly fixed: MappingResult | null;
  /** Regex rules only. */
  readonly regexp: GoRegexp | null;
  /** Regex rules only: the templates use no capture, so a match test is enough. */
  readonly testOnly: boolean;
  /** Regex rules only: the name of each group (index 0, the whole match, is null). */
  readonly groupNames: readonly (string | null)[];
}

function setLabel(labels: Labels, key: string, value: string): void {
  if (key === '__proto__') Object.defineProperty(labels, key, { value, enumerable: true, writable: true, configurable: true });
  else labels[key] = value;
}

/** Builds the precompiled rule; `fixed` is filled in when nothing depends on the match. */
export function makeRule(
  rank: number,
  mapping: MetricMapping,
  name: Template,
  labelKeys: string[],
  labelValues: Template[],
  regexp: GoRegexp | null,
  groupNames: readonly (string | null)[] = [],
): CompiledRule {
  let fixed: MappingResult | null = null;
  if (name.constant !== null && labelValues.every((t) => t.constant !== null)) {
    const labels: Labels = {};
    for (let i = 0; i < labelKeys.length; i++) setLabel(labels, labelKeys[i], labelValues[i].constant as string);
    fixed = { mapping, name: name.constant, labels };
  }
  return { rank, mapping, name, labelKeys, labelValues, fixed, regexp, testOnly: fixed !== null, groupNames };
}

function render(rule: CompiledRule, captures: ArrayLike<string | undefined>, whole: string): MappingResult {
  if (rule.fixed !== null) return rule.fixed;
  const labels: Labels = {};
  const keys = rule.labelKeys;
  const values = rule.labelValues;
  for (let i = 0; i < keys.length; i++) setLabel(labels, keys[i], formatTemplate(values[i], captures, whole));
  return { mapping: rule.mapping, name: formatTemplate(rule.name, captures, whole), labels };
}

export class RuleMatcher implements MappingMatcher {
  constructor(
    private readonly fsm: GlobFsm<CompiledRule> | null,
    private readonly regexRules: readonly CompiledRule[],
  ) {}

  /** The glob FSM in Graphviz dot format; null when there are no glob rules. */
  dumpFsm(): string | null {
    return this.fsm === null ? null : this.fsm.dumpDot();
  }

  /**
   * match(), plus what the workbench reports: the captures the templates were filled from.
   * Same lookup, same result; not used on the hot path.
   */
  explain(statsdName: string, type: EventType): MappingExplanation | null {
    if (this.fsm !== null) {
      const m = this.fsm.lookup(statsdName, type);
      if (m !== null) {
        const captures = m.captures.map((value, i) => ({ name: `$${i + 1}`, value: value ?? '' }));
        return { result: render(m.rule, m.captures, statsdName), captures };
      }
    }
    for (const rule of this.regexRules) {
      const found = (rule.regexp as GoRegexp).exec(statsdName);
      if (found === null) continue;
      const mt = rule.mapping.matchMetricType;
      if (mt !== '' && mt !== type) continue;
      const captures: MappingExplanation['captures'] = [];
      for (let i = 0; i < found.length; i++) {
        const group = rule.groupNames[i];
        captures.push(group ? { name: `$${i}`, group, value: found[i] ?? '' } : { name: `$${i}`, value: found[i] ?? '' });
      }
      return { result: render(rule, found, statsdName), captures };
    }
    return null;
  }

  match(statsdName: string, type: EventType): MappingResult | null {
    if (this.fsm !== null) {
      const m = this.fsm.lookup(statsdName, type);
      if (m !== null) return render(m.rule, m.captures, statsdName);
    }
    const rules = this.regexRules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      // The type check first: it is cheaper than a match and gives the same answer.
      const mt = rule.mapping.matchMetricType;
      if (mt !== '' && mt !== type) continue;
      if (rule.testOnly) {
        if ((rule.regexp as GoRegexp).test(statsdName)) return rule.fixed;
        continue;
      }
      const found = (rule.regexp as GoRegexp).exec(statsdName);
      if (found !== null) return render(rule, found, statsdName);
    }
    return null;
  }
}
