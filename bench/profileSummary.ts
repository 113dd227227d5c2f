// Prints where a V8 CPU profile (from `npm run bench -- --cpu-prof DIR`) spent its time:
// self time per function, and inclusive time per function, heaviest first; then, for a bundle with its source map
// beside it (dist/cli.js.map), self time per original source file: src/ files, node_modules packages, Node's own
// modules and native work apart, which is how a cost spread over many small functions shows.
//   node out/bench-bin/profileSummary.js FILE.cpuprofile [TOP]
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/(node_modules\/|dist\/|lib\/)/, '$1');
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

/** The original file a frame's code came from: `src/…`, `node_modules/<package>`, `node:<module>`, or native work by name. */
function sourceFileOf(node: ProfileNode, maps: Map<string, SourceMap | undefined>): string {
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  if (!url) return `(native) ${functionName}`;
  if (url.startsWith('node:')) return url;
  if (!url.startsWith('file:')) return url.replace(/:.*$/, '');
  let map = maps.get(url);
  if (!maps.has(url)) {
    const mapFile = `${fileURLToPath(url)}.map`;
    map = existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]) : undefined;
    maps.set(url, map);
  }
  const entry = map?.findEntry(lineNumber, columnNumber);
  const source = entry && 'originalSource' in entry ? entry.originalSource : url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  if (pkg) return `node_modules/${pkg[1]}`;
  return source.replace(/^.*?\/(src|bench|test)\//, '$1/');
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: profileSummary FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
  const top = Number(topArg || 40);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  let total = 0;
  const maps = new Map<string, SourceMap | undefined>();
  const byFile = new Map<string, number>();
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    total += us;
    const node = byId.get(id) as ProfileNode;
    self.set(label(node), (self.get(label(node)) ?? 0) + us);
    if (node.callFrame.functionName !== '(idle)') byFile.set(sourceFileOf(node, maps), (byFile.get(sourceFileOf(node, maps)) ?? 0) + us);
    // Each function once per stack, so recursion is not double counted.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = label(byId.get(at) as ProfileNode);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + us);
    }
  }
  const idle = self.get('(idle)') ?? 0;
  const busy = total - idle;
  const print = (title: string, map: Map<string, number>): void => {
    process.stdout.write(`\n${title} (of ${(busy / 1000).toFixed(0)} ms busy, ${(idle / 1000).toFixed(0)} ms idle)\n`);
    const rows = [...map]
      .filter(([name]) => name !== '(idle)' && name !== '(root)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top);
    for (const [name, us] of rows) process.stdout.write(`${((100 * us) / busy).toFixed(1).padStart(6)}%  ${(us / 1000).toFixed(1).padStart(8)} ms  ${name}\n`);
  };
  print('self time', self);
  print('inclusive time', inclusive);
  print('self time by source file', byFile);
  const own = [...byFile].filter(([name]) => name.startsWith('src/')).reduce((sum, [, us]) => sum + us, 0);
  process.stdout.write(`\nsrc/ in all: ${((100 * own) / busy).toFixed(1)}% of busy time\n`);
}

main();
