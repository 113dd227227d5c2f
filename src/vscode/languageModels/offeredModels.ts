/**
 * Which KeyBridge models VS Code's model picker and `vscode.lm` see: the `keybridge.languageModels` setting,
 * or, while it is unset, one model per route that names a concrete model. A model is offered only when the
 * bridge would route it somewhere (a route or the protocol's default pool), so the picker never lists a
 * model whose every request would fail. No `vscode` import: unit-tested on plain Node.
 */
import { checkWith, type Protocol } from '../../core/config';
import { Router } from '../../core/routing/router';
import { buildBridgeConfig, type KeyBridgeSettings } from '../settings/bridgeConfig';
import { DEFAULT_MAX_INPUT_TOKENS, DEFAULT_MAX_OUTPUT_TOKENS, languageModelEntry, type LanguageModelEntry } from '../settings/lmModelSchema';

/** One model as the provider offers it. */
export interface OfferedModel {
  id: string;
  name: string;
  protocol: Protocol;
  model: string;
  maxInputTokens: number;
  maxOutputTokens: number;
  toolCalling: boolean;
  imageInput: boolean;
  /** Where the bridge sends it, for the picker's tooltip: `route claude-* → anthropic, backup`. */
  servedBy: string;
}

/**
 * The models to offer from the raw `keybridge.languageModels` value and the bridge settings. Entries that are
 * broken, repeat an id or have nowhere to go are left out and named in `problems`.
 */
export function offeredModels(raw: unknown, settings: KeyBridgeSettings): { models: OfferedModel[]; problems: string[] } {
  const problems: string[] = [];
  const { config } = buildBridgeConfig(settings, []);
  const router = new Router(config);
  let entries: { at: string; entry: LanguageModelEntry }[];
  if (raw === undefined || raw === null) {
    // A route for an exact model name is the user saying "requests for this model go here".
    entries = config.routes
      .filter((r) => !r.match.includes('*'))
      .map((r, i) => ({ at: `keybridge.routes[${i}]`, entry: { protocol: r.protocol, model: r.match } }));
  } else if (!Array.isArray(raw)) {
    return { models: [], problems: ['keybridge.languageModels must be an array'] };
  } else {
    entries = [];
    raw.forEach((value: unknown, index) => {
      const checked = checkWith(languageModelEntry, value);
      if (checked.ok) entries.push({ at: `keybridge.languageModels[${index}]`, entry: checked.value });
      else
        problems.push(`keybridge.languageModels[${index}]${checked.problems[0].field ? `.${checked.problems[0].field}` : ''} ${checked.problems[0].message}`);
    });
  }
  const models: OfferedModel[] = [];
  for (const { at, entry } of entries) {
    const id = entry.id ?? entry.model;
    if (models.some((m) => m.id === id)) {
      problems.push(`${at}: the id "${id}" is offered already; give it an "id" of its own`);
      continue;
    }
    const { targets } = router.route(entry.protocol, entry.model);
    // The router hands out the matching route's own target list: that names the route for the tooltip.
    const route = config.routes.find((r) => r.targets === targets);
    if (targets.length === 0) {
      problems.push(`${at}: no route or ${entry.protocol} pool serves "${entry.model}"`);
      continue;
    }
    const pools = targets.map((t) => (t.model ? `${t.pool} (${t.model})` : t.pool)).join(', ');
    models.push({
      id,
      name: entry.name ?? `${entry.model} (KeyBridge)`,
      protocol: entry.protocol,
      model: entry.model,
      maxInputTokens: entry.maxInputTokens ?? DEFAULT_MAX_INPUT_TOKENS,
      maxOutputTokens: entry.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
      toolCalling: entry.toolCalling ?? true,
      imageInput: entry.imageInput ?? false,
      servedBy: route ? `route ${route.match} → ${pools}` : `default ${entry.protocol} pool ${pools}`,
    });
  }
  return { models, problems };
}
