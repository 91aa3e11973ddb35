// The privacy guard. A payload is declared once, as a table of fields that
// are numbers, booleans, enums or short identifiers; the same declaration
// builds the payload (copying only declared fields, each checked) and its
// JSON Schema. There is no field type that can carry free text, so prompt or
// reply text cannot reach a payload even by mistake.

/** Common to every field declaration. */
interface FieldBase {
  /** What the field means, with its unit; becomes the schema's `description`. */
  description: string;
  /** True when the field may be absent. Default false. */
  optional?: boolean;
}

/**
 * One declared payload field. Strings exist only as `enum` (a closed list)
 * or `id` (a short slug such as a board id: lowercase letters, digits and
 * `._:-`, at most 64 characters), never as free text.
 */
export type FieldSpec =
  | (FieldBase & { type: 'number'; minimum?: number; maximum?: number; digits?: number })
  | (FieldBase & { type: 'integer'; minimum?: number; maximum?: number })
  | (FieldBase & { type: 'boolean' })
  | (FieldBase & { type: 'const'; value: number })
  | (FieldBase & { type: 'enum'; values: readonly string[] })
  | (FieldBase & { type: 'id' })
  | (FieldBase & { type: 'numbers'; digits?: number; minimum?: number; maxItems: number })
  | (FieldBase & { type: 'object'; fields: PayloadSpec });

/** A payload declaration: field name to {@link FieldSpec}, in output order. */
export type PayloadSpec = Readonly<Record<string, FieldSpec>>;

/** Slugs allowed in `id` fields. */
export const ID_PATTERN = '^[a-z0-9][a-z0-9._:-]{0,63}$';
const ID_RE = new RegExp(ID_PATTERN);

/**
 * Build a payload from `source` by copying only the fields `spec` declares,
 * checking each: finite numbers (rounded to `digits` when given) within
 * bounds, integers, booleans, enum members and slugs. Anything else in
 * `source` (text above all) is ignored. An optional number that is NaN or
 * infinite is left out, as JSON cannot hold it.
 *
 * @param spec - the payload declaration
 * @param source - any object; only declared fields are read
 * @param path - field path prefix for error messages
 * @returns a new plain object holding only declared, checked fields
 * @throws TypeError when a required field is missing or any present field has the wrong type or range
 */
export function pickFields(spec: PayloadSpec, source: unknown, path = ''): Record<string, unknown> {
  if (typeof source !== 'object' || source === null) throw new TypeError(`${path || 'payload'} must be an object, found ${source === null ? 'null' : typeof source}`);
  const from = source as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(spec)) {
    const where = path === '' ? name : `${path}.${name}`;
    const value = field.type === 'const' ? field.value : from[name];
    // NaN and infinities have no JSON form: an optional number that is not finite is left out.
    const absent = value === undefined || value === null || (field.optional === true && typeof value === 'number' && !Number.isFinite(value));
    if (absent) {
      if (field.optional === true) continue;
      throw new TypeError(`${where} is required (${field.description})`);
    }
    out[name] = checkField(field, value, where);
  }
  return out;
}

function checkField(field: FieldSpec, value: unknown, where: string): unknown {
  switch (field.type) {
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${where} must be a finite number, found ${describe(value)}`);
      if (field.type === 'integer' && !Number.isInteger(value)) throw new TypeError(`${where} must be an integer, found ${value}`);
      inRange(value, field.minimum, field.maximum, where);
      return field.type === 'number' ? round(value, field.digits) : value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw new TypeError(`${where} must be a boolean, found ${describe(value)}`);
      return value;
    case 'const':
      return field.value;
    case 'enum':
      if (typeof value !== 'string' || !field.values.includes(value)) {
        throw new TypeError(`${where} must be one of ${field.values.join(', ')}, found ${describe(value)}`);
      }
      return value;
    case 'id':
      if (typeof value !== 'string' || !ID_RE.test(value)) throw new TypeError(`${where} must be a slug matching ${ID_PATTERN}, found ${describe(value)}`);
      return value;
    case 'numbers': {
      if (!Array.isArray(value)) throw new TypeError(`${where} must be an array of numbers, found ${describe(value)}`);
      if (value.length > field.maxItems) throw new RangeError(`${where} holds at most ${field.maxItems} numbers, found ${value.length}`);
      return value.map((v: unknown, i) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${where}[${i}] must be a finite number, found ${describe(v)}`);
        inRange(v, field.minimum, undefined, `${where}[${i}]`);
        return round(v, field.digits);
      });
    }
    case 'object':
      return pickFields(field.fields, value, where);
  }
}

function inRange(value: number, minimum: number | undefined, maximum: number | undefined, where: string): void {
  if (minimum !== undefined && value < minimum) throw new RangeError(`${where} must be at least ${minimum}, found ${value}`);
  if (maximum !== undefined && value > maximum) throw new RangeError(`${where} must be at most ${maximum}, found ${value}`);
}

function round(value: number, digits: number | undefined): number {
  if (digits === undefined) return value;
  const scale = 10 ** digits;
  const rounded = Math.round(value * scale) / scale;
  return Object.is(rounded, -0) ? 0 : rounded;
}

/** Type and a short preview for error messages; never the whole value (it might be text we must not echo at length). */
function describe(value: unknown): string {
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value === 'number' ? String(value) : typeof value;
}

/**
 * The JSON Schema (draft-07) of a payload declaration: every declared field
 * with its type, bounds and description, required fields listed, and
 * `additionalProperties: false` at every level.
 *
 * @param spec - the payload declaration
 * @param meta - `$id`, `title` and `description` of the root schema
 * @returns a JSON Schema object
 */
export function payloadSchema(spec: PayloadSpec, meta: { $id: string; title: string; description: string }): Record<string, unknown> {
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...meta, ...objectSchema(spec) };
}

function objectSchema(spec: PayloadSpec): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, field] of Object.entries(spec)) {
    properties[name] = fieldSchema(field);
    if (field.optional !== true) required.push(name);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

function fieldSchema(field: FieldSpec): Record<string, unknown> {
  const description = field.description;
  const bounds = (f: { minimum?: number; maximum?: number }): Record<string, number> => ({
    ...(f.minimum === undefined ? {} : { minimum: f.minimum }),
    ...(f.maximum === undefined ? {} : { maximum: f.maximum }),
  });
  switch (field.type) {
    case 'number':
      return { type: 'number', description, ...bounds(field) };
    case 'integer':
      return { type: 'integer', description, ...bounds(field) };
    case 'boolean':
      return { type: 'boolean', description };
    case 'const':
      return { const: field.value, description };
    case 'enum':
      return { type: 'string', enum: [...field.values], description };
    case 'id':
      return { type: 'string', pattern: ID_PATTERN, description };
    case 'numbers':
      return { type: 'array', items: { type: 'number', ...bounds(field) }, maxItems: field.maxItems, description };
    case 'object':
      return { description, ...objectSchema(field.fields) };
  }
}
