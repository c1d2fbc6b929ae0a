/**
 * The fields the `openai` package's types require of each item, tool, annotation, tool_choice and stream event
 * type, read from node_modules/openai/resources/responses/responses.d.ts: the oracle's rule for types the Open
 * Responses specification does not define. Read with the TypeScript parser (no type checker) the first time an
 * extension type is met, so a suite that never meets one never loads `typescript`; the table is cached in the
 * temp directory, keyed by the file's size and mtime, so each test process does not parse it again (~0.6 s).
 *
 * For each member of the unions below: its `type` literal(s) → its non-optional properties, each with the JSON
 * kinds its declared type allows when that is plain (`string`, `number`, `boolean`, arrays, literals, `| null`),
 * and no kind check when it is anything richer (objects, unions of interfaces: shapes the package describes
 * but the oracle does not chase).
 */
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

export type ShapeKind = 'item' | 'tool' | 'annotation' | 'event' | 'tool_choice';

export interface FieldRule { name: string; kinds: string[] | null }
export interface OpenAIShape { interfaceName: string; fields: FieldRule[] }

const require = createRequire(import.meta.url);
type TS = typeof import('typescript');

let cached: Record<ShapeKind, Map<string, OpenAIShape>> | null = null;

/** The shape the `openai` package gives a type of that kind, or undefined when it defines none. */
export function openaiShape(kind: ShapeKind, type: string): OpenAIShape | undefined {
  cached ??= loadShapes();
  return cached[kind].get(type);
}

type Table = Record<ShapeKind, Map<string, OpenAIShape>>;

function loadShapes(): Table {
  const path = join(dirname(require.resolve('openai')), 'resources/responses/responses.d.ts');
  const { size, mtimeMs } = statSync(path);
  const cacheFile = join(tmpdir(), `switchboard-openai-shapes-${size}-${Math.floor(mtimeMs)}.json`);
  try {
    const stored = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<ShapeKind, [string, OpenAIShape][]>;
    return Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, new Map(v)])) as Table;
  } catch { /* not cached yet */ }
  const table = readShapes(path);
  const tmp = `${cacheFile}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify(Object.fromEntries(Object.entries(table).map(([k, v]) => [k, [...v]]))));
  renameSync(tmp, cacheFile);
  return table;
}

function readShapes(path: string): Table {
  const ts = require('typescript') as TS;
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, false);

  const interfaces = new Map<string, import('typescript').InterfaceDeclaration>();
  const aliases = new Map<string, import('typescript').TypeNode>();
  const walk = (nodes: readonly import('typescript').Node[], prefix: string) => {
    for (const n of nodes) {
      if (ts.isInterfaceDeclaration(n)) interfaces.set(prefix + n.name.text, n);
      else if (ts.isTypeAliasDeclaration(n)) aliases.set(prefix + n.name.text, n.type);
      else if (ts.isModuleDeclaration(n) && n.body && ts.isModuleBlock(n.body)) walk(n.body.statements, `${prefix}${n.name.text}.`);
    }
  };
  walk(file.statements, '');

  const refName = (t: import('typescript').TypeNode): string | null =>
    ts.isTypeReferenceNode(t) ? t.typeName.getText(file) : null;

  // Members of a union, through Array<…>, parentheses and aliases of unions.
  const members = (t: import('typescript').TypeNode): string[] => {
    if (ts.isUnionTypeNode(t)) return t.types.flatMap(members);
    if (ts.isParenthesizedTypeNode(t)) return members(t.type);
    if (ts.isArrayTypeNode(t)) return members(t.elementType);
    const name = refName(t);
    if (!name) return [];
    if (name === 'Array' && ts.isTypeReferenceNode(t) && t.typeArguments?.length) return members(t.typeArguments[0]);
    const alias = aliases.get(name);
    return alias ? members(alias) : [name];
  };

  const propertyType = (iface: string, prop: string): import('typescript').TypeNode => {
    const decl = interfaces.get(iface);
    const p = decl?.members.find((m) => ts.isPropertySignature(m) && m.name.getText(file) === prop) as import('typescript').PropertySignature | undefined;
    if (!p?.type) throw new Error(`openai-shapes: ${iface}.${prop} not found in ${path}`);
    return p.type;
  };

  const kindsOf = (t: import('typescript').TypeNode): string[] | null => {
    if (ts.isParenthesizedTypeNode(t)) return kindsOf(t.type);
    if (ts.isUnionTypeNode(t)) {
      const all = t.types.map(kindsOf);
      return all.some((k) => k === null) ? null : [...new Set(all.flat() as string[])];
    }
    if (ts.isArrayTypeNode(t)) return ['array'];
    if (ts.isTypeReferenceNode(t) && t.typeName.getText(file) === 'Array') return ['array'];
    if (ts.isLiteralTypeNode(t)) {
      if (t.literal.kind === ts.SyntaxKind.NullKeyword) return ['null'];
      if (ts.isStringLiteral(t.literal)) return ['string'];
      if (ts.isNumericLiteral(t.literal)) return ['number'];
      if (t.literal.kind === ts.SyntaxKind.TrueKeyword || t.literal.kind === ts.SyntaxKind.FalseKeyword) return ['boolean'];
      return null;
    }
    switch (t.kind) {
      case ts.SyntaxKind.StringKeyword: return ['string'];
      case ts.SyntaxKind.NumberKeyword: return ['number'];
      case ts.SyntaxKind.BooleanKeyword: return ['boolean'];
      case ts.SyntaxKind.NullKeyword: return ['null'];
      default: return null;
    }
  };

  const literalTypes = (decl: import('typescript').InterfaceDeclaration): string[] => {
    const p = decl.members.find((m) => ts.isPropertySignature(m) && m.name.getText(file) === 'type') as import('typescript').PropertySignature | undefined;
    const lits: string[] = [];
    const collect = (t: import('typescript').TypeNode | undefined) => {
      if (!t) return;
      if (ts.isUnionTypeNode(t)) t.types.forEach(collect);
      else if (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)) lits.push(t.literal.text);
    };
    collect(p?.type);
    return lits;
  };

  const requiredFields = (decl: import('typescript').InterfaceDeclaration): FieldRule[] => {
    const own = decl.members.flatMap((m) =>
      ts.isPropertySignature(m) && !m.questionToken && m.type ? [{ name: m.name.getText(file), kinds: kindsOf(m.type) }] : []);
    const inherited = (decl.heritageClauses ?? []).flatMap((h) => h.types.flatMap((e) => {
      const base = interfaces.get(e.expression.getText(file));
      return base ? requiredFields(base) : [];
    }));
    return [...inherited, ...own];
  };

  const table = (roots: import('typescript').TypeNode[]): Map<string, OpenAIShape> => {
    const out = new Map<string, OpenAIShape>();
    for (const name of roots.flatMap(members)) {
      const decl = interfaces.get(name);
      if (!decl) continue;
      for (const lit of literalTypes(decl)) if (!out.has(lit)) out.set(lit, { interfaceName: name, fields: requiredFields(decl) });
    }
    return out;
  };

  const alias = (name: string) => {
    const t = aliases.get(name);
    if (!t) throw new Error(`openai-shapes: type ${name} not found in ${path}`);
    return t;
  };
  return {
    item: table([alias('ResponseOutputItem')]),
    tool: table([alias('Tool')]),
    annotation: table([propertyType('ResponseOutputText', 'annotations')]),
    event: table([alias('ResponseStreamEvent')]),
    tool_choice: table([propertyType('Response', 'tool_choice')]),
  };
}
