import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('parley-chat/widget on the server', () => {
  it('imports in plain Node (server-side rendering) and registers idempotently', () => {
    const script = `
      const widget = await import('parley-chat/widget');
      widget.defineChatWidget();
      widget.defineChatWidget();
      console.log(JSON.stringify({ exports: Object.keys(widget).sort(), hasWindow: typeof window !== 'undefined' }));
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ exports: ['ChatWidget', 'defineChatWidget'], hasWindow: false });
  });
});
