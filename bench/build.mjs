// Bundles the benchmark (runner, process launchers, profile summary) into out/bench-bin/.
// The bridge itself is not bundled here: bench/bridgeProcess.ts loads dist/cli.js, the shipped build.
import { build } from 'esbuild';

await build({
  entryPoints: [
    'bench/runBench.ts',
    'bench/fakeProviderProcess.ts',
    'bench/bridgeProcess.ts',
    'bench/referenceProxyProcess.ts',
    'bench/profileSummary.ts',
    'bench/uploadMemory.ts',
    'bench/answerMemory.ts',
    'bench/dashboardLoad.ts',
  ],
  outdir: 'out/bench-bin',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
});
