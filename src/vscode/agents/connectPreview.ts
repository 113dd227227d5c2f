import { maskSecret } from '../../core/secrets';
import type { TargetPlan } from './agentConnections';
import type { AgentPresence } from '../../core/agents/agentCatalog';

/**
 * The preview document Connect Agents opens before it asks: every file or setting, and the exact lines it
 * adds or sets there. The local token is shown masked (the preview may be on a shared screen or in a
 * screenshot); the files get the token itself.
 */
export function connectPreviewMarkdown(plans: readonly TargetPlan[], token: string, others: readonly AgentPresence[]): string {
  const masked = maskSecret(token);
  const out = [
    '# KeyBridge: Connect Agents',
    '',
    'KeyBridge would write exactly these lines, and nothing else. **Disconnect** takes them out again and puts back what was there.',
    '',
  ];
  for (const [where, same] of byPlace(plans)) {
    out.push(`## ${where}`, '');
    for (const plan of same) {
      if (plan.refused) {
        out.push(`Not written: ${plan.refused}`, '');
        continue;
      }
      if (plan.warning) out.push(`**Warning:** ${plan.warning}`, '');
      out.push('```', ...plan.lines.map((l) => l.split(token).join(masked)), '```', '');
      for (const note of plan.notes ?? []) out.push(`- ${note}`);
      if (plan.notes?.length) out.push('');
    }
  }
  out.push(`The local token is shown as \`${masked}\`.`, '');
  const notes = others.filter((p) => p.agent.instead);
  if (notes.length) {
    out.push('## Other agents found', '');
    for (const p of notes) out.push(`- **${p.agent.title}** ${p.agent.instead}.`);
    out.push('');
  }
  return out.join('\n');
}

/** The modal's detail: one line per file or setting (Codex's config.toml takes two blocks), refusals each on their own. */
export function connectSummary(plans: readonly TargetPlan[]): string {
  const lines: string[] = [];
  for (const [where, same] of byPlace(plans)) {
    for (const refused of same.filter((p) => p.refused)) lines.push(`✗ ${refused.refused ?? ''}`);
    const written = same.filter((p) => !p.refused);
    if (!written.length) continue;
    const notes = written.flatMap((p) => p.notes ?? []);
    lines.push(`✓ ${where}: ${written.reduce((n, p) => n + p.lines.length, 0)} line(s)${notes.length ? ` (${notes.join('; ')})` : ''}`);
  }
  return lines.join('\n');
}

/**
 * Items grouped by the file or setting they are in, in first-seen order: several targets may share one
 * (Codex's provider block and its default-provider lines are both in config.toml), and the user sees one place.
 */
export function byPlace<T extends { where: string }>(items: readonly T[]): Map<string, T[]> {
  const places = new Map<string, T[]>();
  for (const item of items) places.set(item.where, [...(places.get(item.where) ?? []), item]);
  return places;
}
