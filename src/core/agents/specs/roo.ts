import { defineAgent } from '../agentSpec';
import { LM_API_INSTEAD } from './cline';

/** Roo Code: detected and named on its own; its setup text is Cline's (cline.ts), whose settings page it shares. */
export const roo = defineAgent({
  id: 'roo',
  title: 'Roo Code',
  extensions: ['rooveterinaryinc.roo-cline'],
  files: [],
  settings: [],
  choices: [],
  instead: LM_API_INSTEAD,
});
