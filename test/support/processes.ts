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
  { ready, env = {}, timeoutMs = 15_000 }: { ready: RegExp; env?: Record<string, string>; timeoutMs?: number },
): Promise<RunningProcess> {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onCleanup(() => stopProcess(child));
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} ${args.join(' ')} not ready in time:\n${output}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = ready.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} ${args.join(' ')} exited (${code ?? signal}):\n${output}`));
    });
  });
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
