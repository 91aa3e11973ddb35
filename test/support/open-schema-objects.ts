/**
 * The JSON pointers of every object type in a JSON Schema that does not set
 * `additionalProperties: false`: empty for a closed schema.
 */
export function openSchemaObjects(schema: unknown): string[] {
  const open: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (typeof node !== 'object' || node === null) return;
    const n = node as Record<string, unknown>;
    if (n['type'] === 'object' && n['additionalProperties'] !== false) open.push(path);
    for (const [k, v] of Object.entries(n)) walk(v, `${path}/${k}`);
  };
  walk(schema, '#');
  return open;
}
