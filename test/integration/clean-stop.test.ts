/**
 * The long-running npm scripts stop completely when only the npm process is signalled, as an IDE's stop
 * button, `kill <pid>` or a process supervisor does: nothing of the tree is left (Java included) and the
 * port is free, within a few seconds. SIGKILL (npm killed outright) is caught by the parent watch.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../local/emulators';
import {
  commandLine,
  descendants,
  isRunning,
  type NpmScript,
  portInUse,
  startNpmScript,
  waitUntilGone,
} from '../support/processes';

/** What "a few seconds" means here: a clean stop takes well under a second; Java's exit is the slow part. */
const STOP_WITHIN_MS = 5_000;

const scripts = [
  {
    script: 'start',
    portVariable: 'PORT',
    ready: /ready at http:\/\/127\.0\.0\.1:(\d+)/,
    expectJava: true,
  },
  {
    script: 'receiver',
    portVariable: 'RECEIVER_PORT',
    ready: /Receiver listening on http:\/\/127\.0\.0\.1:(\d+)/,
    expectJava: false,
  },
] as const;

describe.each(scripts)('npm run $script', ({ script, portVariable, ready, expectJava }) => {
  let running: NpmScript | undefined;
  let tree: number[] = [];

  afterEach(() => {
    running?.killGroup();
    for (const pid of tree) {
      if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    }
    running = undefined;
    tree = [];
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGKILL'] as const)(
    'stops completely when only the npm process gets %s',
    async (signal) => {
      const port = await freePort();
      running = startNpmScript(script, { [portVariable]: String(port) });
      const match = await running.waitFor(ready, 90_000);
      expect(Number(match[1])).toBe(port);
      expect(await portInUse(port)).toBe(true);

      tree = descendants(running.pid);
      const java = tree.filter((pid) => commandLine(pid).includes('DynamoDBLocal'));
      expect(java.length).toBe(expectJava ? 1 : 0);
      expect(tree.some((pid) => /node/.test(commandLine(pid)))).toBe(true);

      process.kill(running.pid, signal);

      const left = await waitUntilGone([running.pid, ...tree], STOP_WITHIN_MS);
      expect(left.map((pid) => `${pid} ${commandLine(pid)}`)).toEqual([]);
      expect(await portInUse(port)).toBe(false);
    },
    120_000,
  );
});
