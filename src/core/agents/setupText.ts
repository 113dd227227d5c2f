/** What several agents' setup texts and files share: the token's variable, default models, shell quoting. */

/** The variable the setup texts put the local token in, for agents that read their key from one. */
export const TOKEN_ENV = 'KEYBRIDGE_TOKEN';

export const DEFAULT_OPENAI_MODEL = 'gpt-4.1';
export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-4-5';

export function shellExports(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([name, value]) => `export ${name}=${shellQuote(value)}`)
    .join('\n');
}

export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
