// Reading a YAML document the way Go's gopkg.in/yaml.v2 (as used by statsd_exporter) decodes
// it into typed struct fields: plain scalars are resolved with yaml.v2's YAML 1.1-ish rules
// (yes/no/on/off booleans, 0x/0o/0b/leading-0 integers, underscores in numbers, `1e-6`
// floats), a string field takes the scalar's text whatever it resolves to, null leaves a
// field at its zero value, and mismatches produce yaml.v2's type-error text
// ("line 5: cannot unmarshal !!str `abc` into float64").
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type Scalar } from 'yaml';

export type GoTag = '!!str' | '!!int' | '!!float' | '!!bool' | '!!null' | '!!timestamp' | '!!merge' | '!!seq' | '!!map';

export interface GoScalar {
  tag: GoTag;
  /** number for !!int / !!float, boolean for !!bool, null for !!null, the text otherwise. */
  value: string | number | boolean | null;
  /** The scalar's text (what yaml.v2 stores into a string field). */
  text: string;
}

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUES = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSES = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const SPECIAL_FLOATS: ReadonlyMap<string, number> = new Map([
  ['.inf', Infinity], ['.Inf', Infinity], ['.INF', Infinity],
  ['+.inf', Infinity], ['+.Inf', Infinity], ['+.INF', Infinity],
  ['-.inf', -Infinity], ['-.Inf', -Infinity], ['-.INF', -Infinity],
  ['.nan', NaN], ['.NaN', NaN], ['.NAN', NaN],
]);
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const DOT_FLOAT = /^\.[0-9]+([eE][-+]?[0-9]+)?$/;
const TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ]|$)/;

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

/** Go's strconv.ParseInt / ParseUint with base 0 (prefixes 0x, 0o, 0b, leading 0 = octal). */
function parseGoIntBase0(s: string): number | null {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return null;
  const body = m[2];
  let v: bigint;
  if (/^0[oO]/.test(body)) v = BigInt('0o' + body.slice(2));
  else if (/^0[0-7]+$/.test(body)) v = BigInt('0o' + body.slice(1));
  else v = BigInt(body.toLowerCase().replace(/^0x/, '0x').replace(/^0b/, '0b'));
  if (m[1] === '-') v = -v;
  if (v < INT64_MIN || v > UINT64_MAX) return null;
  if (v > INT64_MAX && m[1] === '-') return null;
  return Number(v);
}

/** yaml.v2's resolve() for a plain (unquoted, untagged) scalar. */
export function resolvePlain(text: string): GoScalar {
  if (NULLS.has(text)) return { tag: '!!null', value: null, text };
  if (TRUES.has(text)) return { tag: '!!bool', value: true, text };
  if (FALSES.has(text)) return { tag: '!!bool', value: false, text };
  const special = SPECIAL_FLOATS.get(text);
  if (special !== undefined) return { tag: '!!float', value: special, text };
  if (text === '<<') return { tag: '!!merge', value: text, text };
  const c = text[0];
  if (c === '.') {
    if (DOT_FLOAT.test(text)) return { tag: '!!float', value: Number(text), text };
  } else if (c === '+' || c === '-' || (c >= '0' && c <= '9')) {
    if (TIMESTAMP.test(text)) return { tag: '!!timestamp', value: text, text };
    const plain = text.replace(/_/g, '');
    const i = parseGoIntBase0(plain);
    if (i !== null) return { tag: '!!int', value: i, text };
    if (YAML_STYLE_FLOAT.test(plain)) {
      const f = Number(plain);
      if (Number.isFinite(f)) return { tag: '!!float', value: f, text };
    }
  }
  return { tag: '!!str', value: text, text };
}

/** How yaml.v2 sees a scalar node. */
export function goScalar(node: Scalar): GoScalar {
  const text =
    typeof node.value === 'string' ? node.value : node.source !== undefined ? String(node.source) : String(node.value);
  if (node.tag === '!!str' || node.tag === 'tag:yaml.org,2002:str') return { tag: '!!str', value: text, text };
  if (node.type !== undefined && node.type !== 'PLAIN') return { tag: '!!str', value: text, text };
  return resolvePlain(text);
}

/** A decoding context: the document (for aliases) and line numbers. */
export class YamlReader {
  constructor(
    readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Follows aliases; null for a missing node. */
  deref(node: unknown): Node | null {
    let n = node;
    for (let i = 0; i < 100 && isAlias(n); i++) n = n.resolve(this.doc);
    if (n === undefined || n === null) return null;
    return n as Node;
  }

  /** 1-based line of a node (or of a pair's key). */
  line(node: unknown): number {
    const n = node as { range?: [number, number, number] | null } | null;
    const offset = n && n.range ? n.range[0] : 0;
    return this.lines.linePos(offset).line;
  }

  /** yaml.v2's tag for a node, as used in type errors. */
  tagOf(node: Node | null): GoTag {
    if (node === null) return '!!null';
    if (isMap(node)) return '!!map';
    if (isSeq(node)) return '!!seq';
    if (isScalar(node)) return goScalar(node).tag;
    return '!!str';
  }

  isNull(node: Node | null): boolean {
    return node === null || (isScalar(node) && goScalar(node).tag === '!!null');
  }

  /** yaml.v2's type error text: "line 3: cannot unmarshal !!str `abc` into float64". */
  typeError(node: Node | null, goType: string): string {
    const tag = this.tagOf(node);
    let value = '';
    if (tag !== '!!seq' && tag !== '!!map' && node !== null && isScalar(node)) {
      const text = goScalar(node).text;
      value = text.length > 10 ? ' `' + text.slice(0, 7) + '...`' : ' `' + text + '`';
    }
    return `line ${this.line(node)}: cannot unmarshal ${tag}${value} into ${goType}`;
  }

  /**
   * The key/value pairs of a mapping node in order, with `<<` merge keys expanded in place
   * (yaml.v2: merged maps are applied where the `<<` key appears; for a list of maps, the
   * last one first).
   */
  pairs(map: Node): { key: string; keyNode: Node | null; value: Node | null }[] {
    const out: { key: string; keyNode: Node | null; value: Node | null }[] = [];
    const visit = (m: Node, depth: number): void => {
      if (!isMap(m) || depth > 20) return;
      for (const p of m.items as Pair<unknown, unknown>[]) {
        const keyNode = this.deref(p.key);
        const value = this.deref(p.value);
        const key = keyNode !== null && isScalar(keyNode) ? goScalar(keyNode).text : keyNode === null ? '' : String(keyNode);
        if (keyNode !== null && isScalar(keyNode) && goScalar(keyNode).tag === '!!merge') {
          if (value !== null && isSeq(value)) {
            const items = value.items.map((i) => this.deref(i));
            for (let k = items.length - 1; k >= 0; k--) {
              const item = items[k];
              if (item !== null) visit(item, depth + 1);
            }
          } else if (value !== null) visit(value, depth + 1);
          continue;
        }
        out.push({ key, keyNode, value });
      }
    };
    visit(map, 0);
    return out;
  }
}
