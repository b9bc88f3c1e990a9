import { describe, expect, it } from 'vitest';
import type { OutputAsset, OutputBundle, OutputChunk } from 'rollup';
import { ALL_FUNCTIONS_HINT, compileHints } from './compile-hints.ts';

const chunk = (name: string, code: string) => ({ type: 'chunk', name, code, fileName: `assets/${name}-x.js` }) as OutputChunk;

function generate(names: readonly string[], bundle: OutputBundle): void {
  const hook = compileHints(names).generateBundle as { handler: (this: unknown, options: unknown, bundle: OutputBundle, isWrite: boolean) => void };
  hook.handler.call({}, {}, bundle, true);
}

describe('compile hints', () => {
  it("puts V8's whole-script hint first in the named chunks only, once", () => {
    const bundle: OutputBundle = {
      a: chunk('MessengerPage', 'export const a=1;'),
      b: chunk('index', 'export const b=2;'),
      c: { type: 'asset', name: 'MessengerPage', fileName: 'assets/MessengerPage.css', source: 'a{}' } as unknown as OutputAsset,
    };
    generate(['MessengerPage'], bundle);
    generate(['MessengerPage'], bundle);
    expect((bundle.a as OutputChunk).code).toBe(`${ALL_FUNCTIONS_HINT}export const a=1;`);
    expect((bundle.b as OutputChunk).code).toBe('export const b=2;');
    expect((bundle.c as OutputAsset).source).toBe('a{}');
    // The form V8 looks for: a line comment of its own, first in the script.
    expect(ALL_FUNCTIONS_HINT).toBe('//# allFunctionsCalledOnLoad\n');
  });
});
