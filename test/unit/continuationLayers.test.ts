// Guards the continuation modules' independence: they are pure building blocks the attempt loop calls, so they
// must not import the attempt loop, the engine or VS Code (which would also make them untestable on plain Node).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isContinuableEndpoint } from '../../src/core/continuation/streamTranscript';
import { must } from '../helpers/must';

const DIR = join(__dirname, '..', '..', '..', 'src', 'core', 'continuation');

describe('continuation: module boundaries', () => {
  it('imports nothing from failover/, engine, the server or vscode', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length >= 5, `found the sources in ${DIR}`);
    for (const file of files) {
      const imports = [...readFileSync(join(DIR, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => must(m[1]));
      for (const source of imports) {
        assert.ok(!/failover|engine|server|^vscode$/.test(source), `${file} imports ${source}`);
      }
    }
  });

  it('continues only the three streamed answer endpoints', () => {
    assert.deepEqual((['chat', 'responses', 'messages', 'embeddings', 'models', 'count_tokens', 'other'] as const).filter(isContinuableEndpoint), [
      'chat',
      'responses',
      'messages',
    ]);
  });
});
