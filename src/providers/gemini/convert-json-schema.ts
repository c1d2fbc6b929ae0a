/**
 * JSON Schema (what Responses tools declare) → the OpenAPI 3.0 subset Gemini's `FunctionDeclaration.parameters`
 * takes (`Schema`: type, format, title, description, nullable, enum, properties, required, items, anyOf,
 * min/max…, default, example).
 *
 * Why `parameters` and not the newer `parametersJsonSchema`: the Schema form is accepted by every Gemini model
 * and API version, and its output is built from a whitelist here, so an unusual client schema can never make
 * the upstream reject the whole request for an unknown keyword.
 *
 * | JSON Schema                               | Gemini Schema                                                  |
 * |-------------------------------------------|----------------------------------------------------------------|
 * | `type: "string"` …                        | `type: "STRING"` … (upper case enum names)                     |
 * | `type: [T, "null"]`, `anyOf: [S, null]`   | T / S with `nullable: true`                                    |
 * | `type: [T, U]`                            | `anyOf: [{type:T}, {type:U}]`                                  |
 * | `oneOf`                                   | `anyOf`                                                        |
 * | `allOf`                                   | merged into one schema (properties and required united)        |
 * | `$ref` to `#/$defs/…`, `#/definitions/…`  | inlined (a recursive reference stops at its second visit with  |
 * | or any local JSON pointer                 | its type only, described as recursive)                         |
 * | `const` (string)                          | `enum: [value]`                                                |
 * | `enum` / `const` of non-strings           | kept type; allowed values added to `description` (Gemini enums |
 * |                                           | are string-only)                                               |
 * | `format` other than date-time / enum /    | dropped; noted in `description`                                |
 * | int32 / int64 / float / double            |                                                                |
 * | `exclusiveMinimum` / `exclusiveMaximum`   | `minimum` / `maximum` (numeric draft-2019 form)                |
 * | `examples`                                | `example` (the first)                                          |
 * | `$schema`, `$id`, `additionalProperties`, | dropped: no Schema equivalent (the model still sees every      |
 * | `patternProperties`, `not`, `if`/`then`,  | declared property; the client's own validation still applies)  |
 * | `unevaluated*`, `dependent*`, …           |                                                                |
 *
 * An object schema without properties at the root becomes "no parameters" (Gemini rejects an OBJECT with an
 * empty `properties` map).
 */

type Json = Record<string, unknown>;

const TYPE_NAMES: Record<string, string> = {
  string: 'STRING', number: 'NUMBER', integer: 'INTEGER', boolean: 'BOOLEAN', array: 'ARRAY', object: 'OBJECT',
};

const FORMATS: Record<string, ReadonlySet<string>> = {
  string: new Set(['date-time', 'enum']),
  integer: new Set(['int32', 'int64']),
  number: new Set(['float', 'double']),
};

/** Schema keywords come from clients: `type: "constructor"` must not find Object.prototype's. */
function own<V>(table: Record<string, V>, key: string): V | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

const MAX_DEPTH = 32;

/** The `parameters` of a function declaration, or undefined when the function takes none. */
export function convertToolParameters(schema: Json | null | undefined): Json | undefined {
  if (!schema || typeof schema !== 'object') return undefined;
  const converted = convertJsonSchema(schema);
  if (converted.type === 'OBJECT' && !converted.properties) return undefined;
  return converted;
}

/** Converts a whole JSON Schema document (its `$defs` / `definitions` are the targets of local `$ref`s). */
export function convertJsonSchema(schema: Json): Json {
  return new Converter(schema).convert(schema, [], 0);
}

class Converter {
  constructor(private readonly root: Json) {}

  convert(node: unknown, refStack: string[], depth: number): Json {
    if (!isObject(node) || depth > MAX_DEPTH) return {};
    let s: Json = node;

    if (typeof s.$ref === 'string') {
      const ref = s.$ref;
      const { $ref: _ref, ...siblings } = s;
      const target = resolvePointer(this.root, ref);
      if (refStack.includes(ref)) {
        // The Schema subset has no references: a recursive structure is cut here, keeping its type.
        const type = typeof target?.type === 'string' ? own(TYPE_NAMES, target.type) : undefined;
        return withAnnotations({ ...(type ? { type } : {}), description: `Recursive structure (same schema as ${ref}).` }, siblings);
      }
      if (!target) return withAnnotations({ description: `Unresolvable schema reference ${ref}.` }, siblings);
      return this.convert({ ...target, ...siblings }, [...refStack, ref], depth + 1);
    }

    if (Array.isArray(s.allOf)) s = this.mergeAllOf(s, refStack);

    const variants = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : null;
    if (variants) return this.convertVariants(s, variants, refStack, depth);

    let types = typeof s.type === 'string' ? [s.type] : Array.isArray(s.type) ? s.type.filter((t): t is string => typeof t === 'string') : [];
    let nullable = types.includes('null') || (Array.isArray(s.enum) && s.enum.includes(null)) || s.nullable === true;
    types = types.filter((t) => t !== 'null');
    if (!types.length) types = inferTypes(s);
    if (types.length > 1) {
      const { type: _t, ...rest } = s;
      const out: Json = { anyOf: types.map((t) => this.convert({ ...stripAnnotations(rest), type: t }, refStack, depth + 1)) };
      copyAnnotations(out, s);
      if (nullable) out.nullable = true;
      return out;
    }

    const type = types[0];
    const out: Json = {};
    const typeName = type ? own(TYPE_NAMES, type) : undefined;
    if (typeName) out.type = typeName;
    copyAnnotations(out, s);
    if (nullable) out.nullable = true;

    if (typeof s.format === 'string') {
      if (type && own(FORMATS, type)?.has(s.format)) out.format = s.format;
      else note(out, `Format: ${s.format}.`);
    }

    const values = Array.isArray(s.enum) ? s.enum.filter((v) => v !== null) : 'const' in s ? [s.const] : null;
    if (values) {
      if (values.every((v) => typeof v === 'string') && (type === 'string' || type === undefined)) {
        out.type = 'STRING';
        out.enum = values;
      } else {
        note(out, `Allowed values: ${values.map((v) => JSON.stringify(v)).join(', ')}.`);
      }
    }

    switch (type) {
      case 'string':
        copyNumbers(out, s, ['minLength', 'maxLength']);
        if (typeof s.pattern === 'string') out.pattern = s.pattern;
        break;
      case 'number':
      case 'integer':
        copyNumbers(out, s, ['minimum', 'maximum']);
        if (typeof s.exclusiveMinimum === 'number' && out.minimum === undefined) out.minimum = s.exclusiveMinimum;
        if (typeof s.exclusiveMaximum === 'number' && out.maximum === undefined) out.maximum = s.exclusiveMaximum;
        break;
      case 'array': {
        const items = Array.isArray(s.prefixItems) ? s.prefixItems : s.items;
        if (Array.isArray(items)) {
          out.items = items.length === 1 ? this.convert(items[0], refStack, depth + 1) : { anyOf: items.map((i) => this.convert(i, refStack, depth + 1)) };
        } else if (isObject(items)) {
          out.items = this.convert(items, refStack, depth + 1);
        }
        copyNumbers(out, s, ['minItems', 'maxItems']);
        break;
      }
      case 'object': {
        if (isObject(s.properties) && Object.keys(s.properties).length) {
          const props: Json = {};
          for (const [name, sub] of Object.entries(s.properties)) props[name] = this.convert(sub, refStack, depth + 1);
          out.properties = props;
          if (Array.isArray(s.required)) {
            const required = s.required.filter((r): r is string => typeof r === 'string' && r in props);
            if (required.length) out.required = required;
          }
        }
        copyNumbers(out, s, ['minProperties', 'maxProperties']);
        break;
      }
    }
    return out;
  }

  private convertVariants(s: Json, variants: unknown[], refStack: string[], depth: number): Json {
    const nonNull = variants.filter((v) => !isNullSchema(v));
    const nullable = nonNull.length < variants.length || s.nullable === true;
    const { anyOf: _a, oneOf: _o, ...outer } = s;
    let out: Json;
    if (nonNull.length === 1) {
      // `{description, anyOf: [X, null]}`: X with the outer annotations (and any outer constraints) on top.
      out = this.convert({ ...stripAnnotations(outer), ...(nonNull[0] as Json) }, refStack, depth + 1);
      for (const k of ANNOTATIONS) if (outer[k] !== undefined) out[k] = outer[k];
    } else {
      out = { anyOf: nonNull.map((v) => this.convert(v, refStack, depth + 1)) };
      copyAnnotations(out, outer);
    }
    if (nullable) out.nullable = true;
    return out;
  }

  /** allOf members (refs resolved) merged into one schema: first value wins, properties and required united. */
  private mergeAllOf(s: Json, refStack: string[]): Json {
    const { allOf, ...base } = s;
    const merged: Json = { ...base };
    const props: Json = isObject(base.properties) ? { ...base.properties } : {};
    const required = new Set<string>(Array.isArray(base.required) ? (base.required as string[]) : []);
    for (const member of allOf as unknown[]) {
      let m = member;
      const seen = [...refStack];
      while (isObject(m) && typeof m.$ref === 'string' && !seen.includes(m.$ref)) {
        seen.push(m.$ref);
        const { $ref, ...siblings } = m;
        const target = resolvePointer(this.root, $ref);
        m = target ? { ...target, ...siblings } : siblings;
      }
      if (!isObject(m)) continue;
      const inner = Array.isArray(m.allOf) ? this.mergeAllOf(m, seen) : m;
      for (const [k, v] of Object.entries(inner)) {
        if (k === 'properties' && isObject(v)) Object.assign(props, v);
        else if (k === 'required' && Array.isArray(v)) v.forEach((r) => typeof r === 'string' && required.add(r));
        else if (!(k in merged)) merged[k] = v;
      }
    }
    if (Object.keys(props).length) merged.properties = props;
    if (required.size) merged.required = [...required];
    return merged;
  }
}

function isObject(v: unknown): v is Json {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function isNullSchema(v: unknown): boolean {
  return isObject(v) && (v.type === 'null' || (Array.isArray(v.enum) && v.enum.length === 1 && v.enum[0] === null));
}

function inferTypes(s: Json): string[] {
  if (isObject(s.properties)) return ['object'];
  if (s.items !== undefined || s.prefixItems !== undefined) return ['array'];
  const values = Array.isArray(s.enum) ? s.enum.filter((v) => v !== null) : 'const' in s ? [s.const] : null;
  if (values && values.length) {
    const kinds = new Set(values.map((v) => (typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v)));
    if (kinds.size === 1) {
      const k = [...kinds][0];
      if (k in TYPE_NAMES) return [k];
    }
  }
  return [];
}

const ANNOTATIONS = ['title', 'description', 'default'] as const;

function copyAnnotations(out: Json, s: Json) {
  for (const k of ANNOTATIONS) if (s[k] !== undefined && out[k] === undefined) out[k] = s[k];
  if (out.example === undefined) {
    if (s.example !== undefined) out.example = s.example;
    else if (Array.isArray(s.examples) && s.examples.length) out.example = s.examples[0];
  }
}

function stripAnnotations(s: Json): Json {
  const { title: _t, description: _d, default: _f, example: _e, examples: _x, ...rest } = s;
  return rest;
}

function withAnnotations(out: Json, s: Json): Json {
  copyAnnotations(out, s);
  return out;
}

function copyNumbers(out: Json, s: Json, keys: string[]) {
  for (const k of keys) if (typeof s[k] === 'number') out[k] = s[k];
}

function note(out: Json, text: string) {
  out.description = typeof out.description === 'string' && out.description ? `${out.description} ${text}` : text;
}

/** A local JSON pointer (`#`, `#/$defs/Name`, `#/definitions/a~1b`…) into the root document. */
function resolvePointer(root: Json, ref: string): Json | null {
  if (!ref.startsWith('#')) return null;
  const path = ref.slice(1);
  if (path === '' || path === '/') return root;
  let node: unknown = root;
  for (const raw of path.replace(/^\//, '').split('/')) {
    let key: string;
    try {
      key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return null; // malformed percent-encoding: a reference to nothing
    }
    // Own keys only: `#/constructor` or `#/__proto__` names nothing in the client's schema.
    if ((!isObject(node) && !Array.isArray(node)) || !Object.hasOwn(node, key)) return null;
    node = (node as Record<string, unknown>)[key];
  }
  return isObject(node) ? node : null;
}
