// Protocols are a set (docs/ARCHITECTURE.md §7): what differs between wire formats lives in src/core/protocols/,
// and the rest of the code asks the table there. This scan fails when code outside that folder branches on a
// protocol's, an endpoint's or a format's name again — a comparison, a switch case, or a set lookup.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';
import { KEY_ENDPOINTS, PROTOCOL_ADAPTERS } from '../../src/core/protocols/table';

const root = join(__dirname, '..', '..', '..');

/** Every name the table knows: protocols, the endpoints of their paths, the formats' ids. */
const PROTOCOL_NAMES = new Set<string>(PROTOCOL_ADAPTERS.map((a) => a.protocol));
const NAMES = new Set<string>([...PROTOCOL_NAMES, ...KEY_ENDPOINTS, ...PROTOCOL_ADAPTERS.flatMap((a) => a.formats.map((f) => f.id))]);
/** An endpoint name is common English ("messages", "models"): it counts when what it is compared with is a protocol, endpoint or format. */
const ABOUT_PROTOCOLS = /protocol|endpoint|format|upstream|client/i;

interface Finding {
  file: string;
  line: number;
  text: string;
}

function literal(node: ts.Node): string | undefined {
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) ? node.text : undefined;
}

function isNameBranch(name: string | undefined, other: ts.Node, source: ts.SourceFile): boolean {
  if (name === undefined || !NAMES.has(name)) return false;
  return PROTOCOL_NAMES.has(name) || ABOUT_PROTOCOLS.test(other.getText(source));
}

const EQUALITY = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
]);

/** The branches on a protocol's, endpoint's or format's name in one source text. */
export function nameBranches(file: string, text: string): Finding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Finding[] = [];
  const report = (node: ts.Node): void => {
    found.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, text: node.getText(source).slice(0, 120) });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && EQUALITY.has(node.operatorToken.kind)) {
      if (isNameBranch(literal(node.right), node.left, source) || isNameBranch(literal(node.left), node.right, source)) report(node);
    } else if (ts.isCaseClause(node) && ts.isSwitchStatement(node.parent.parent)) {
      if (isNameBranch(literal(node.expression), node.parent.parent.expression, source)) report(node.expression);
    } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ['has', 'includes'].includes(node.expression.name.text)) {
      const name = node.arguments.length === 1 ? literal(node.arguments[0]) : undefined;
      if (name !== undefined && PROTOCOL_NAMES.has(name)) report(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('protocol names outside src/core/protocols/', () => {
  it('finds a branch on a protocol, endpoint or format name (the scan can fail)', () => {
    const code = [
      "if (request.protocol === 'anthropic') send();",
      "const url = endpoint !== 'responses' ? a : b;",
      "switch (position.endpoint) { case 'messages': break; }",
      "if (served.has('openai')) show();",
      "if (format.id === 'openaiChat') write();",
      "if (clientProtocol !== 'gemini') strip();",
      "if (upstreamEndpoint === 'generate') wrap();",
      "const native = format.id === 'geminiGenerate';",
      // Not branches on a protocol: an ordinary word, a value, a path.
      "if (part.type === 'text' || role === 'messages') go();",
      "const pool = { protocol: 'openai' as const };",
      "if (path.startsWith('/anthropic/')) go();",
    ].join('\n');
    assert.deepEqual(
      nameBranches('sample.ts', code).map((f) => f.line),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
  });

  it('finds none in src/ outside the protocols folder', () => {
    const findings = sourceFiles(join(root, 'src'))
      .map((path) => relative(root, path).split('\\').join('/'))
      .filter((file) => !file.startsWith('src/core/protocols/'))
      .flatMap((file) => nameBranches(file, readFileSync(join(root, file), 'utf8')));
    assert.deepEqual(
      findings.map((f) => `${f.file}:${f.line}: ${f.text}`),
      [],
      'ask the protocol table (src/core/protocols/table.ts) instead of comparing names',
    );
  });
});
