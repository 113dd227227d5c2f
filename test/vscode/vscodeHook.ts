/**
 * Makes `require('vscode')` load the fake module. Import this first in every
 * glue test, before any module under src/vscode.
 */
import Module from 'node:module';

const fakePath = require.resolve('./fakeVscode');
type Resolve = (request: string, ...rest: unknown[]) => string;
const loader = Module as unknown as { _resolveFilename: Resolve };
const original = loader._resolveFilename;
if (!(original as Resolve & { keybridgeFake?: boolean }).keybridgeFake) {
  const patched: Resolve & { keybridgeFake?: boolean } = function (this: unknown, request: string, ...rest: unknown[]) {
    return request === 'vscode' ? fakePath : original.call(this, request, ...rest);
  };
  patched.keybridgeFake = true;
  loader._resolveFilename = patched;
}
