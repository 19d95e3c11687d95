// Starts the demo as a new user would (`npm run demo`), checks that it serves its pages, and stops
// it. CI runs it after `npm ci`, so "npm install, then npm run demo" keeps working.
import { spawn } from 'node:child_process';

const child = spawn('npm', ['run', 'demo'], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1' }, detached: true });
let output = '';
const stop = () => {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGTERM'); // npm, and the node it started
  } catch {
    // Gone already.
  }
};
const fail = (/** @type {string} */ why) => {
  console.error(`demo smoke test: ${why}\n${output}`);
  stop();
  process.exit(1);
};
const timer = setTimeout(() => fail('no "Team inbox" line within 120 s'), 120_000);
child.on('exit', (code) => fail(`npm run demo exited with ${code}`));
for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => (output += chunk));
child.stdout.on('data', async () => {
  const shop = /Shop \(visitors talk to the team\): (http:\/\/\S+)\//.exec(output);
  const team = output.match(/Team inbox: \S+ — sign in as \S+ \/ \S+/g);
  if (!shop || !team || team.length < 2) return;
  clearTimeout(timer);
  child.removeAllListeners('exit');
  child.stdout.removeAllListeners('data');
  const base = /** @type {string} */ (shop[1]);
  /** @type {Array<[string, string]>} */
  const pages = [
    ['/', '<chat-widget inbox="support"'],
    ['/community', '<chat-widget room="lobby"'],
    ['/team', 'Sign in'],
    ['/chat/health', '{"ok":true}'],
  ];
  for (const [path, expected] of pages) {
    const body = await (await fetch(`${base}${path}`)).text();
    if (!body.includes(expected)) fail(`${path} does not contain ${expected}`);
  }
  console.log(output.trim());
  console.log('demo smoke test: the demo started and served its pages');
  stop();
  process.exit(0);
});
