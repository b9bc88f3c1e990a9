import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

export interface GzipReportOptions {
  /**
   * Markdown file whose `<!-- initial-js:start -->…<!-- initial-js:end -->` block is rewritten
   * (only `npm run size` passes one: a plain build must not touch tracked files).
   */
  docFile?: string;
}

interface ChunkSize {
  file: string;
  bytes: number;
  gzip: number;
}

const START = '<!-- initial-js:start -->';
const END = '<!-- initial-js:end -->';

const kB = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;

/**
 * Logs the gzip size of the JavaScript a first visit downloads before the app
 * can run — the entry chunk(s) plus every chunk they import statically (lazy
 * `import()` chunks are not counted) — and records it in `docFile` when given.
 */
export function gzipReport(options: GzipReportOptions = {}): Plugin {
  let chunks: ChunkSize[] = [];
  return {
    name: 'pigeon:gzip-report',
    apply: 'build',
    generateBundle(_output, bundle) {
      const initial = new Set<string>();
      const visit = (file: string): void => {
        const item = bundle[file];
        if (!item || item.type !== 'chunk' || initial.has(file)) return;
        initial.add(file);
        item.imports.forEach(visit);
      };
      for (const item of Object.values(bundle)) {
        if (item.type === 'chunk' && item.isEntry) visit(item.fileName);
      }
      chunks = [...initial].map((file) => {
        const item = bundle[file];
        const code = item && item.type === 'chunk' ? item.code : '';
        return { file, bytes: Buffer.byteLength(code), gzip: gzipSync(code, { level: 9 }).length };
      });
    },
    closeBundle() {
      if (chunks.length === 0) return;
      const total = chunks.reduce((sum, c) => sum + c.gzip, 0);
      const raw = chunks.reduce((sum, c) => sum + c.bytes, 0);
      const lines = chunks.map((c) => `  ${c.file}  ${kB(c.bytes)} → gzip ${kB(c.gzip)}`);
      console.log(`\nInitial JS (entry + static imports): ${kB(raw)} → gzip ${kB(total)}\n${lines.join('\n')}`);
      if (options.docFile) writeDoc(options.docFile, total, raw, chunks);
    },
  };
}

/** Rewrites the marked block only when the numbers changed, so an unchanged build leaves git clean. */
function writeDoc(docFile: string, total: number, raw: number, chunks: ChunkSize[]): void {
  if (!existsSync(docFile)) return;
  const doc = readFileSync(docFile, 'utf8');
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) return;
  const rows = chunks.map((c) => `| \`${c.file.replace(/-[\w-]{8}\.js$/, '-[hash].js')}\` | ${kB(c.bytes)} | ${kB(c.gzip)} |`);
  const block = [
    START,
    `Initial JS (entry chunk + its static imports): **${kB(total)} gzip** (${kB(raw)} minified).`,
    '',
    '| chunk | minified | gzip |',
    '| --- | --- | --- |',
    ...rows,
    END,
  ].join('\n');
  const next = doc.slice(0, from) + block + doc.slice(to + END.length);
  if (next !== doc) writeFileSync(docFile, next);
}
