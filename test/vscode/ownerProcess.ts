// A bridge host in a process of its own, for the test where an owner window dies without shutting down.
// argv: port stateDir providerOpenaiBaseUrl; prints "owner" once it serves the port.
import { BridgeHost } from '../../src/vscode/host/bridgeHost';

const [port, stateDir, baseUrl] = process.argv.slice(2);
const host = new BridgeHost({
  port: Number(port),
  stateDir,
  logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m) => process.stderr.write(`${m}\n`) },
});
void host
  .configure({
    tokens: { token: 'kb-host-test-token', adminToken: 'kbadmin-host-test' },
    config: {
      pools: [
        {
          id: 'oa',
          protocol: 'openai',
          baseUrl,
          strategy: 'fill-first',
          keys: [
            { id: 'k1', secret: 'oa-key-1' },
            { id: 'k2', secret: 'oa-key-2' },
          ],
        },
      ],
      routes: [],
    },
  })
  .then(() => process.stdout.write(`${host.role}\n`));
// The parent kills this process; a watchdog ends it if the parent dies first.
setTimeout(() => process.exit(3), 30_000).unref();
setInterval(() => undefined, 1_000);
