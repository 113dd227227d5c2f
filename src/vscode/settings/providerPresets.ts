import { PROVIDER_PRESETS as CORE_PRESETS, type PresetId, type ProviderPreset as CorePreset } from '../../core/providers/presets';
import { keyStarts, PROVIDER_KEY_ISSUERS, type KeyIssuer } from '../../core/keys/keyIssuers';

/** A preset as the Add Pool picker offers it: the core's (core/providers/presets.ts) with what only the UI needs. */
export interface ProviderPreset extends Omit<CorePreset, 'id'> {
  id: PresetId | 'custom';
  /**
   * How the provider's keys are recognised (variable names, prefixes); none for a custom base URL. A paste that
   * lacks the prefix gets a warning, not a refusal; bulk import offers only what these facts fit.
   */
  keys?: KeyIssuer;
  /** Where the user creates keys. */
  keysPage?: string;
  /** A model name in the provider's own spelling, for the Add Fallback prompt. */
  exampleModel?: string;
}

const UI: Record<PresetId, Pick<ProviderPreset, 'keys' | 'keysPage' | 'exampleModel'>> = {
  openai: { keys: PROVIDER_KEY_ISSUERS.openai, keysPage: 'https://platform.openai.com/api-keys', exampleModel: 'gpt-4.1' },
  anthropic: { keys: PROVIDER_KEY_ISSUERS.anthropic, keysPage: 'https://console.anthropic.com/settings/keys', exampleModel: 'claude-sonnet-4-5' },
  openrouter: { keys: PROVIDER_KEY_ISSUERS.openrouter, keysPage: 'https://openrouter.ai/keys', exampleModel: 'openai/gpt-4.1' },
  groq: { keys: PROVIDER_KEY_ISSUERS.groq, keysPage: 'https://console.groq.com/keys', exampleModel: 'llama-3.3-70b-versatile' },
  deepseek: { keys: PROVIDER_KEY_ISSUERS.deepseek, keysPage: 'https://platform.deepseek.com/api_keys', exampleModel: 'deepseek-chat' },
  mistral: { keys: PROVIDER_KEY_ISSUERS.mistral, keysPage: 'https://console.mistral.ai/api-keys', exampleModel: 'mistral-large-latest' },
  xai: { keys: PROVIDER_KEY_ISSUERS.xai, keysPage: 'https://console.x.ai', exampleModel: 'grok-4' },
  together: {
    keys: PROVIDER_KEY_ISSUERS.together,
    keysPage: 'https://api.together.ai/settings/api-keys',
    exampleModel: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
  },
  gemini: { keys: PROVIDER_KEY_ISSUERS.gemini, keysPage: 'https://aistudio.google.com/apikey', exampleModel: 'gemini-2.5-pro' },
  'gemini-native': { keys: PROVIDER_KEY_ISSUERS.gemini, keysPage: 'https://aistudio.google.com/apikey', exampleModel: 'gemini-2.5-pro' },
};

export const PROVIDER_PRESETS: readonly ProviderPreset[] = [
  ...CORE_PRESETS.map((preset) => ({ ...preset, ...UI[preset.id] })),
  { id: 'custom', label: 'Custom base URL', protocol: 'openai', baseUrl: '' },
];

export function presetById(id: string | undefined): ProviderPreset | undefined {
  return PROVIDER_PRESETS.find((p) => p.id === id);
}

/** Splits a paste into candidate keys: whitespace, commas and semicolons separate; `NAME=` and quotes are dropped. */
export function splitPastedKeys(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((part) => part.replace(/^[A-Za-z_][A-Za-z0-9_]*=/, '').replace(/^["'`]+|["'`]+$/g, ''))
    .filter((part) => part.length > 0 && part !== 'export');
}

export interface KeyShapeCheck {
  /** Blocking problems: the text cannot be a key. */
  errors: string[];
  /** Non-blocking doubts: a prefix the provider does not use. */
  warnings: string[];
}

const KEY_CHARS = /^[A-Za-z0-9._\-+/=:]+$/;

/**
 * Key heads distinctive enough not to occur inside a key by chance. VS Code's
 * input box is an HTML <input>, which deletes line breaks from a paste: keys
 * pasted one per line arrive glued together, with a second head inside.
 */
const DISTINCT_HEADS = ['sk-ant-', 'sk-or-', 'sk-proj-', 'sk-svcacct-', 'sk-admin-', 'gsk_', 'xai-', 'AIza'];
const MIN_KEY_LENGTH = 16;
const MAX_KEY_LENGTH = 512;

/** Checks that each pasted part looks like a provider key, without ever echoing a key back. */
export function checkKeyShapes(keys: string[], preset: ProviderPreset | undefined): KeyShapeCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  keys.forEach((key, i) => {
    const which = keys.length > 1 ? `Key ${i + 1}` : 'The key';
    if (key.length < MIN_KEY_LENGTH) errors.push(`${which} is too short to be an API key (${key.length} characters).`);
    else if (key.length > MAX_KEY_LENGTH) errors.push(`${which} is too long to be an API key (${key.length} characters).`);
    else if (!KEY_CHARS.test(key)) errors.push(`${which} contains characters API keys do not use.`);
    else if (/^kb(admin)?-/.test(key)) errors.push(`${which} is a KeyBridge token, not a provider key.`);
    else if (DISTINCT_HEADS.some((head) => key.indexOf(head, 1) > 0))
      errors.push(
        `${which} looks like two keys run together (the input box drops line breaks): separate keys with spaces or commas, or copy the list and run Add Keys from Clipboard.`,
      );
    else if (preset?.keys?.keyPrefixes.length && !preset.keys.keyPrefixes.some((p) => key.startsWith(p))) {
      warnings.push(`${which} does not start with ${keyStarts(preset.keys).join(' or ')}, as ${preset.label} keys do.`);
    }
  });
  return { errors, warnings };
}
