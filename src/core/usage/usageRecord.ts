import { AGENT_SPECS } from '../agents/agentList';
import type { Protocol } from '../config';
import type { RequestSummary } from '../status';

/**
 * One request as the usage store keeps it (docs/ARCHITECTURE.md §10): who asked (agent, protocol), where it went
 * (pool, key fingerprint, model asked and served), how it went, and the tokens the answer reported. Never a key,
 * a prompt or an answer.
 */
export interface UsageRecord {
  kind: 'request';
  /** When the request ended (epoch ms). */
  at: number;
  /** The pool of the last attempt; '' when none was tried. */
  pool: string;
  /** The fingerprint of the key of the last attempt (never the key); '' when none was tried. */
  key: string;
  /** The key masked as the status shows it (`sk-…abcd`). */
  keyMasked?: string;
  /** The model the client asked for; '' when it named none. */
  model: string;
  /** The model the answer named, when it named one. */
  servedModel?: string;
  /** The client's protocol. */
  protocol: Protocol;
  /** The client, from its User-Agent: `claude-code`, `codex`, `openai-sdk`, `anthropic-sdk`, … or `unknown`. */
  agent: string;
  status: number;
  outcome: RequestSummary['outcome'];
  stream: boolean;
  attempts: number;
  /** Targets of the route tried beyond the first. */
  failovers: number;
  latencyMs: number;
  /** To the commit point (the first real event or body byte); unset when nothing was served. */
  firstByteMs?: number;
  /** Tokens in disjoint categories (see TokenCounts in status.ts): they add up to all the provider counted. */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** The group a rollup sums: one per (pool, key, model, agent, protocol) and hour or day. */
export interface UsageGroup {
  pool: string;
  key: string;
  keyMasked?: string;
  /** The model served, else the model asked. */
  model: string;
  agent: string;
  protocol: Protocol;
}

export interface UsageSums {
  requests: number;
  /** Requests that did not end `ok`. */
  errors: number;
  failovers: number;
  /** Latency summed over the requests (the mean is latencyMs / requests). */
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** Requests of one group summed over one UTC hour or day; `at` is the bucket's start (epoch ms). */
export interface UsageRollup extends UsageGroup, UsageSums {
  kind: 'hour' | 'day';
  at: number;
}

/** One line of the usage file. */
export type UsageRow = UsageRecord | UsageRollup;

/** The record of a finished request; `at` is when the recorder saw it end. */
export function recordFromSummary(summary: RequestSummary, at: number): UsageRecord {
  const tokens = summary.tokens;
  return {
    kind: 'request',
    at,
    pool: summary.pool ?? '',
    key: summary.fingerprint ?? '',
    keyMasked: summary.key,
    model: summary.model ?? '',
    servedModel: summary.servedModel,
    protocol: summary.protocol,
    agent: agentOf(summary.userAgent),
    status: summary.status,
    outcome: summary.outcome,
    stream: summary.stream,
    attempts: summary.attempts,
    failovers: summary.failovers ?? 0,
    latencyMs: summary.ms,
    firstByteMs: summary.firstByteMs,
    inputTokens: tokens?.input ?? 0,
    outputTokens: tokens?.output ?? 0,
    cacheReadTokens: tokens?.cacheRead ?? 0,
    cacheWriteTokens: tokens?.cacheWrite ?? 0,
  };
}

/** The agents and SDKs known by their User-Agent (their specs, agents/specs/), first match wins. */
const AGENTS: [RegExp, string][] = AGENT_SPECS.flatMap((spec): [RegExp, string][] => (spec.userAgent ? [[spec.userAgent, spec.id]] : []));

/** The agent a User-Agent names: a known one, else its first product token (bounded), else `unknown`. */
export function agentOf(userAgent: string | undefined): string {
  if (!userAgent) return 'unknown';
  for (const [pattern, agent] of AGENTS) if (pattern.test(userAgent)) return agent;
  const product = /^[A-Za-z][A-Za-z0-9._-]{0,31}/.exec(userAgent)?.[0];
  return product ? product.toLowerCase() : 'unknown';
}
