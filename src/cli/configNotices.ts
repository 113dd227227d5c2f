import { PROTOCOLS } from '../core/configSchema';
import { primaryFormat, protocolAdapter } from '../core/protocols/table';
import { NESTED_FIELDS } from './fileSchema';

/**
 * What a config file says that the bridge will not do as the user meant, though it is valid: fields the schema
 * drops inside pools, keys, routes, targets and `defaults` (a misspelt `model` on a fallback target would send
 * the client's model; a misspelt `strategy` would fall back to fill-first), and a base URL ending in the version its
 * protocol's paths start with (Anthropic's `/v1`), which sends every request to `…/v1/v1/messages` and gets the
 * provider's bare 404. They are notices, not errors: a file written for another version of KeyBridge still starts.
 */
export function configNotices(raw: unknown): string[] {
  const notices: string[] = [];
  const file = record(raw);
  if (!file) return notices;
  const unknown = (value: unknown, where: string, kind: keyof typeof NESTED_FIELDS): void => {
    const object = record(value);
    if (!object) return;
    const known = NESTED_FIELDS[kind];
    for (const name of Object.keys(object)) {
      // The name is the user's own text and may be anything: only its first characters, as JSON.
      if (!known.includes(name)) notices.push(`${where}.${JSON.stringify(name.slice(0, 40))}: not a field of a ${kind}, ignored; known: ${known.join(', ')}`);
    }
  };
  list(file.pools).forEach((pool, i) => {
    unknown(pool, `pools[${i}]`, 'pool');
    list(record(pool)?.keys).forEach((key, k) => unknown(key, `pools[${i}].keys[${k}]`, 'key'));
    const { protocol, baseUrl } = record(pool) ?? {};
    if (typeof baseUrl === 'string' && (PROTOCOLS as readonly unknown[]).includes(protocol)) {
      const known = protocol as (typeof PROTOCOLS)[number];
      const { path } = primaryFormat(known);
      const version = /^\/v\d\w*/.exec(path)?.[0];
      const base = baseUrl.replace(/\/$/, '');
      if (version && base.endsWith(version))
        notices.push(
          `pools[${i}].baseUrl: ends in ${version}, which ${protocolAdapter(known).label} paths start with: requests would go to ${base}${path}; give the server root`,
        );
    }
  });
  list(file.routes).forEach((route, r) => {
    unknown(route, `routes[${r}]`, 'route');
    list(record(route)?.targets).forEach((target, t) => unknown(target, `routes[${r}].targets[${t}]`, 'target'));
  });
  unknown(file.defaults, 'defaults', 'defaults');
  return notices;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}
