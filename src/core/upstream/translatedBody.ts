import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { redactSecrets } from '../secrets';
import { MAX_WIRE_DEPTH, nestedTooDeep, parseWire, type Wire } from '../translation/wire';
import type { BodyGateResult } from './bodyRelay';
import type { RelayResult } from './relayPump';
import { ANY_USAGE, emptyUsage, type UsageReader } from '../protocols/tokenUsage';

/** Far beyond any real answer; a provider sending more is not sending one we can translate. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

const TOO_DEEP = { kind: 'transient', reason: `an answer nested deeper than ${MAX_WIRE_DEPTH} levels` } as const;

/**
 * A non-streamed answer from a pool of another protocol. It must be read whole to be translated, so the gate
 * is the whole body: a body that breaks, stalls or is not JSON fails the attempt before the client saw
 * anything, and the route can still fail over.
 */
export class TranslatedBody {
  private out = Buffer.alloc(0);
  private readonly usage = emptyUsage();
  private model: string | undefined;

  constructor(
    private readonly body: Readable,
    /** Undefined for an answer the provider stopped unfinished (DeepSeek's `insufficient_system_resource`). */
    private readonly translate: (answer: Wire) => Wire | Wire[] | undefined,
    /** The attempt's key: any quote of it in the answer is masked. */
    private readonly secret: string,
    /** How the upstream's answer names its token counts. */
    private readonly usageReader: UsageReader = ANY_USAGE,
  ) {}

  /** `idleMs`: the longest silence in the body, as the byte relay allows (a slow answer that keeps coming is read whole). */
  async gate(idleMs: number): Promise<BodyGateResult> {
    let text: string;
    try {
      const read = await readWhole(this.body, idleMs);
      if (read === undefined) return { kind: 'fail', verdict: { kind: 'transient', reason: 'an answer over 64 MiB' } };
      text = read;
    } catch {
      return { kind: 'fail', verdict: { kind: 'timeout', reason: 'the answer body broke or did not arrive in time' } };
    }
    const answer = parseWire(text);
    if (!answer) return { kind: 'fail', verdict: { kind: 'transient', reason: 'an answer that is not a JSON object' } };
    // Translation serialises what it carries (tool inputs as arguments text, arguments text parsed as inputs):
    // an answer nested too deep for that is this target's fault, and the route moves on.
    if (nestedTooDeep(answer)) return { kind: 'fail', verdict: TOO_DEEP };
    const translated = this.translate(answer);
    // The provider's own failure, said in a 200: the route can still fail over, as for a broken body.
    if (!translated) return { kind: 'fail', verdict: { kind: 'transient', reason: 'the provider stopped its answer before it was complete' } };
    if (nestedTooDeep(translated)) return { kind: 'fail', verdict: TOO_DEEP };
    this.usageReader.scan(text, this.usage);
    // Gemini names the model that answered `modelVersion`.
    const model = answer.model ?? answer.modelVersion;
    if (typeof model === 'string') this.model = model;
    // As a relayed body is scrubbed (docs/security.md): a provider may quote the key it was sent.
    this.out = Buffer.from(redactSecrets(JSON.stringify(translated), [this.secret]));
    return { kind: 'commit' };
  }

  pipeTo(res: ServerResponse, status: number, headers: OutgoingHttpHeaders): RelayResult {
    res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': this.out.length });
    res.end(this.out);
    return { end: { kind: 'complete' }, usage: this.usage, model: this.model };
  }
}

/** The body as text, or undefined past MAX_ANSWER_BYTES; rejects when it breaks or falls silent for `idleMs`. */
async function readWhole(body: Readable, idleMs: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  const idle = setTimeout(() => body.destroy(new Error('the answer body fell silent')), idleMs);
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      idle.refresh();
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) return undefined; // leaving the loop destroys the body
      chunks.push(chunk);
    }
  } finally {
    clearTimeout(idle);
  }
  return Buffer.concat(chunks).toString('utf8');
}
