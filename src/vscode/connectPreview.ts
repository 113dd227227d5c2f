import { maskSecret } from '../core/secrets';
import type { TargetPlan } from './agentConnections';
import type { AgentPresence } from './agentCatalog';

/**
 * The preview document Connect Agents opens before it asks: every file or setting, and the exact lines it
 * adds or sets there. The local token is shown masked (the preview may be on a shared screen or in a
 * screenshot); the files get the token itself.
 */
export function connectPreviewMarkdown(plans: readonly TargetPlan[], token: string, others: readonly AgentPresence[]): string {
  const masked = maskSecret(token);
  const out = ['# KeyBridge: Connect Agents', '', 'KeyBridge would write exactly these lines, and nothing else. **Disconnect** takes them out again and puts back what was there.', ''];
  for (const plan of plans) {
    out.push(`## ${plan.where}`, '');
    if (plan.refused) {
      out.push(`Not written: ${plan.refused}`, '');
      continue;
    }
    if (plan.warning) out.push(`**Warning:** ${plan.warning}`, '');
    out.push('```', ...plan.lines.map((l) => l.split(token).join(masked)), '```', '');
    for (const note of plan.notes ?? []) out.push(`- ${note}`);
    if (plan.notes?.length) out.push('');
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

/** The modal's detail: one line per target. */
export function connectSummary(plans: readonly TargetPlan[]): string {
  return plans.map((p) => (p.refused ? `✗ ${p.refused}` : `✓ ${p.where}: ${p.lines.length} line(s)${p.notes?.length ? ` (${p.notes.join('; ')})` : ''}`)).join('\n');
}
