// `npm run lint`, in two lanes on the two cores the machines here have, each check's output printed whole when it
// ends and the exit code the first failure's. ESLint's type-aware rules are most of the time and one ESLint process
// is single-threaded: the tests, bench and scripts (typed by tsconfig.test.json) are one lane; src/ (typed by its
// own project) is the other, followed by knip (unused files, exports and dependencies, and import cycles: knip.json)
// and Prettier's layout check.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const modules = fileURLToPath(new URL('../node_modules/', import.meta.url));
/** What Prettier checks here (`npm run format` writes the same files). */
const LAYOUT = ['src/**/*.ts', 'test/**/*.{ts,mjs}', 'bench/**/*.{ts,mjs}', 'scripts/**/*.{ts,mjs}', '*.mjs'];

/** A package's command as a script Node runs (no shell, no `.bin` shims, the same on every platform). */
function bin(name) {
  const { bin: entry } = JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8'));
  return join(modules, name, typeof entry === 'string' ? entry : entry[name]);
}

/** Runs one check to its end and prints what it wrote; resolves with its exit code. */
function check([label, command, args]) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin(command), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('error', (error) => output.push(Buffer.from(`${error.message}\n`)));
    child.on('close', (code) => {
      const text = Buffer.concat(output).toString('utf8').trimEnd();
      process.stdout.write(`${code === 0 ? 'ok' : 'FAILED'}  ${label} (${((Date.now() - started) / 1000).toFixed(0)} s)\n${text ? `${text}\n` : ''}`);
      resolve(code ?? 1);
    });
  });
}

/** Runs a lane's checks one after another, every one of them, so a run reports every problem. */
async function lane(checks) {
  const codes = [];
  for (const c of checks) codes.push(await check(c));
  return codes;
}

const lanes = await Promise.all([
  lane([['eslint: tests, bench, scripts', 'eslint', ['.', '--ignore-pattern', 'src/**']]]),
  lane([
    ['eslint: src', 'eslint', ['src']],
    ['knip: unused files, exports, dependencies and import cycles', 'knip', ['--no-progress']],
    ['prettier: layout', 'prettier', ['--check', ...LAYOUT]],
  ]),
]);
process.exitCode = lanes.flat().find((code) => code !== 0) ?? 0;
