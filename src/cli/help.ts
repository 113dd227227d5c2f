import { knobRange, TUNING_KNOB_NAMES, TUNING_KNOBS } from '../core/configSchema';

/** Wraps `text` at about 100 columns, every line indented by `indent`. */
function wrap(text: string, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent.length + line.length + 1 + word.length > 100) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, indent + line].join('\n');
}

/** Every tuning knob with its default, its meaning and what it accepts, as the schema defines them. */
function tuningKnobs(): string {
  return TUNING_KNOB_NAMES.map(
    (name) => `  "${name}": ${TUNING_KNOBS[name].default}   (${knobRange(name)})\n${wrap(TUNING_KNOBS[name].meaning, '      ')}`,
  ).join('\n');
}

/** The text of `keybridge --help`; it documents every option and the config format. */
export const HELP = `keybridge — key pools, rotation and failover for coding agents, on a loopback proxy

Usage:
  keybridge serve --config FILE [--port N] [--state FILE] [--quiet]
  keybridge check --config FILE     validate a config (and that its key variables are set), then exit
  keybridge demo [--port N] [--duration S] [--no-traffic]
                                    the bridge over a built-in simulated provider: no key needed
  keybridge start [--config FILE]   serve FILE (or $KEYBRIDGE_CONFIG); with neither, run the demo
  keybridge usage --config FILE [--since 7d] [--by key|model|pool|agent|protocol|day] [--series hour|day] [--json]
                                    tokens and requests from the usage file that serve writes
  keybridge --help | --version

Options:
  --config FILE   JSON config (format below). Required.
  --port N        Listen on 127.0.0.1:N; overrides the config's "port". 0 = any free port.
  --state FILE    Where key health (never secrets) is kept across restarts; overrides "stateFile".
  --quiet         Leave out the lines per request and per key change; the startup lines and errors stay.
  --duration S    demo: end after S seconds (default: at Ctrl-C).
  --since T       usage: how far back: 30m, 24h, 7d (default), 2w.
  --by D          usage: one breakdown (key, model, pool, agent, protocol or day); default all.
  --series G      usage: also the series over time, one point per hour or day (in the JSON: series.{at,
                  total, by.{model, key, pool, agent}}).
  --json          usage: the report as JSON: totals.{requests, inputTokens, outputTokens,
                  cacheReadTokens, cacheWriteTokens, costUsd, unpricedTokens} and
                  breakdowns.{key, model, …}; costUsd is an estimate (null: no price known).
  --no-traffic    demo: send no requests of its own; only your agents' show.
                  The demo listens on 17381, or on any free port when that is taken.
  -h, --help      This text.
  -v, --version   The version.

The bridge listens on 127.0.0.1 only. At start it prints the listening URL alone on
one line, then the base URL for each protocol:
  OpenAI-compatible clients:   http://127.0.0.1:PORT/openai/v1
  Anthropic clients:           http://127.0.0.1:PORT/anthropic
Clients send the local access token as their API key (Authorization: Bearer or x-api-key).

Environment:
  KEYBRIDGE_TOKEN        The local access token (or the variable "tokenEnv" names).
                         When unset, a token is generated for this run and printed once.
  KEYBRIDGE_ADMIN_TOKEN  Token of the status API (/_keybridge/status, /events, /usage, /test,
                         /retire, /restore), or the variable "adminTokenEnv" names.
                         When unset, the status API is closed.
  Both tokens need at least 16 characters and must differ (exit code 2 otherwise).

Config format (JSON):
  {
    "port": 17381,                        // optional, default 0 (any free port)
    "tokenEnv": "KEYBRIDGE_TOKEN",        // optional
    "adminTokenEnv": "KEYBRIDGE_ADMIN_TOKEN", // optional
    "stateFile": "~/.keybridge/state.json",   // optional
    "usageFile": "~/.keybridge/usage.jsonl",  // optional; default: beside stateFile (state.usage.jsonl)
    "usageRetentionDays": 90,             // optional: days of usage history (raw 48 h, then hourly and daily)
    "pools": [{
      "id": "openai-main",                // letters, digits, . _ -
      "preset": "openai",                 // optional: a known provider fills the fields below it leaves out
      "protocol": "openai",               // "openai", "anthropic" or "gemini"
      "baseUrl": "https://api.openai.com/v1",  // OpenAI-style: with /v1; Anthropic: server root
      "strategy": "fill-first",           // "fill-first" (sticky), "round-robin" or "weighted"
      "headers": { "HTTP-Referer": "…" }, // optional extra upstream headers (no secrets)
      "testPath": "/key",                 // optional: GET used to test a key (default: the model list)
      "sharedLimits": false,              // optional: true when the keys share one account's rate limits
      "deadlines": { "firstEventTimeoutMs": 180000 }, // optional: this pool's deadlines (ms)
      "prefill": "none",                  // optional: how the provider continues an answer ("assistant", "prefix", "none")
      "dialect": "openai",                // optional: how an OpenAI-compatible provider differs (deepseek, gemini, …)
      "prices": { "gpt-4.1-*": { "input": 0.4, "output": 1.6 } }, // optional: USD per million tokens, over the bundled prices
      "caps": [{ "per": "key", "period": "day", "requests": 200 }], // optional: a capped key rests until the UTC day/month turns
      "keys": [{ "id": "work", "env": "OPENAI_KEY_WORK", "weight": 1 }]
    }],
    "routes": [{                          // optional; first match wins
      "protocol": "anthropic", "match": "claude-*",
      "targets": [{ "pool": "anthropic-main" }, { "pool": "anthropic-backup", "model": "claude-sonnet-4-5" }],
      "deadlines": { "firstEventTimeoutMs": 30000 }, // optional: this route's deadlines (ms)
      "continueOnCut": false              // optional: continue a cut text-only stream on the next target
    }],
    "defaults": { "openai": "openai-main" },  // optional; else the first pool of each protocol
    "tuning": { "waitThresholdMs": 3000 }   // optional; every knob is listed below
  }
Deadlines (pool, route and tuning): headersTimeoutMs, firstEventTimeoutMs, firstByteTimeoutMs,
idleTimeoutMs, nonStreamTimeoutMs; the route's win over the pool's, the pool's over the tuning's.
Keys are never written in the file: each key names the environment variable that holds it.
Editors complete and check the file when it starts with "$schema": the path or URL of
keybridge.schema.json (at the root of the repository).

Tuning knobs ("tuning"; each optional), with their defaults and what they accept:
${tuningKnobs()}

Exit codes: 0 clean shutdown (SIGINT/SIGTERM), 1 runtime failure (e.g. port in use), 2 bad usage or config.
`;
