import { spawn, type ChildProcess } from 'node:child_process';
import { onCleanup } from './harness.js';

export interface RunningProcess {
  child: ChildProcess;
  /** The first match of `ready` in the process's stdout. */
  ready: RegExpExecArray;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  alive(): boolean;
}

/**
 * Starts `node script ...args` and resolves once its stdout matches `ready`; rejects with what it
 * printed if it exits or stays silent first. Killed at the end of the test file.
 */
export async function startNodeProcess(
  script: string,
  args: string[],
  { ready, env = {}, timeoutMs = 15_000 }: { ready?: RegExp; env?: Record<string, string>; timeoutMs?: number },
): Promise<RunningProcess> {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onCleanup(() => stopProcess(child));
  let output = '';
  const listeners = new Set<() => void>();
  // Both pipes are always drained, so a chatty process never blocks on a full pipe.
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const what = `${script} ${args.join(' ')}`;
  // Without `ready`, there is nothing to wait for: the caller checks the process another way.
  const match = ready
    ? await new Promise<RegExpExecArray>((resolve, reject) => {
        const check = () => {
          const found = ready.exec(output);
          if (!found) return;
          done();
          resolve(found);
        };
        const exited = (code: number | null, signal: NodeJS.Signals | null) => {
          done();
          reject(new Error(`${what} exited (${code ?? signal}):\n${output}`));
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${what} not ready in time:\n${output}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', exited);
        };
        listeners.add(check);
        child.once('exit', exited);
        check();
      })
    : (Object.assign([''], { index: 0, input: '' }) as RegExpExecArray);
  return {
    child,
    ready: match,
    output: () => output,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
}

/** Kills the process (SIGTERM, then SIGKILL after 2 s) and resolves once it exited. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

