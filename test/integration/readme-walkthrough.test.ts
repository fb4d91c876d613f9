/**
 * Runs the README's own walkthrough and publishing snippets, extracted from its code blocks, so they
 * cannot drift: `sh walkthrough` blocks run in one bash session (variables carry over, as in a terminal),
 * `sh walkthrough background <name>` blocks start a long-running command (a later block of the same name
 * replaces it, as Ctrl-C and a new command would), and the `ts publish-local` / `ts publish-lambda` blocks
 * run as written against the local runtime. Ports 3000 and 4000 are swapped for free ones.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/emulators';
import { isRunning, type NpmScript, startNpmScript } from '../support/processes';
import { apiClient, startTestRuntime } from '../support/runtime';

interface Block {
  readonly info: string;
  readonly code: string;
}

const README = readFileSync(join(process.cwd(), 'README.md'), 'utf8');

function blocks(): Block[] {
  return [...README.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    info: m[1]!.trim(),
    code: m[2]!,
  }));
}

/** One bash process fed block after block, like a terminal kept open. */
function shell(env: Record<string, string>) {
  const bash: ChildProcessWithoutNullStreams = spawn('bash', ['--norc', '--noprofile'], {
    env: { ...process.env, ...env },
  });
  let out = '';
  bash.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  bash.stderr.on('data', (c: Buffer) => {
    out += c.toString();
  });
  let n = 0;
  return {
    /** Runs `code`; resolves with what it printed and its exit status. */
    run(code: string, timeoutMs: number): Promise<{ output: string; status: number }> {
      const marker = `__block_${++n}_done__`;
      const start = out.length;
      bash.stdin.write(`${code}\necho "${marker} $?"\n`);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          clearInterval(poll);
          reject(
            new Error(`block did not finish in ${timeoutMs} ms:\n${code}\n--- output:\n${out.slice(start)}`),
          );
        }, timeoutMs);
        const poll = setInterval(() => {
          const at = out.indexOf(marker, start);
          if (at < 0) return;
          clearTimeout(timer);
          clearInterval(poll);
          const status = Number(/^(\d+)/.exec(out.slice(at + marker.length + 1))?.[1] ?? 1);
          resolve({ output: out.slice(start, at), status });
        }, 50);
      });
    },
    close: () => bash.kill('SIGKILL'),
  };
}

/** Starts a background block as `npm run ...` does in a terminal: `VAR=value npm start|run <script>`. */
function startBackground(code: string, env: Record<string, string>): NpmScript {
  const match = /^((?:\w+=\S+\s+)*)npm (?:start|run (\S+))\s*$/.exec(code.trim());
  if (!match) throw new Error(`a background block must be "VARS npm start" or "VARS npm run X": ${code}`);
  const vars = Object.fromEntries(
    [...(match[1] ?? '').matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!] as [string, string]),
  );
  return startNpmScript(match[2] ?? 'start', { ...env, ...vars });
}

const READY = /ready at http|Receiver listening on/;

describe('the README', () => {
  const running = new Map<string, NpmScript>();
  const cleanups: (() => void)[] = [];
  afterAll(async () => {
    for (const script of running.values()) {
      if (isRunning(script.pid)) process.kill(script.pid, 'SIGTERM');
    }
    await new Promise((r) => setTimeout(r, 1500));
    for (const script of running.values()) if (isRunning(script.pid)) script.killGroup();
    for (const cleanup of cleanups) cleanup();
  });

  it('"A failing receiver, retries and recovery in 10 seconds" works as written', async () => {
    const [apiPort, receiverPort] = [await freePort(), await freePort()];
    const ports = (code: string) =>
      code
        .replaceAll('127.0.0.1:3000', `127.0.0.1:${apiPort}`)
        .replaceAll('127.0.0.1:4000', `127.0.0.1:${receiverPort}`);
    const env = { PORT: String(apiPort), RECEIVER_PORT: String(receiverPort) };
    const walkthrough = blocks().filter((b) => /^sh walkthrough\b/.test(b.info));
    expect(walkthrough.length).toBeGreaterThanOrEqual(4);
    const bash = shell(env);
    cleanups.push(bash.close);
    const outputs: string[] = [];
    for (const block of walkthrough) {
      const background = /^sh walkthrough background (\S+)/.exec(block.info);
      if (background) {
        const name = background[1]!;
        const previous = running.get(name);
        if (previous) {
          process.kill(previous.pid, 'SIGINT');
          await new Promise<void>((resolve) => {
            if (previous.process.exitCode !== null) resolve();
            else previous.process.once('exit', () => resolve());
          });
        }
        const script = startBackground(ports(block.code), env);
        running.set(name, script);
        await script.waitFor(READY, 90_000);
        continue;
      }
      const began = Date.now();
      const { output, status } = await bash.run(ports(block.code), 60_000);
      process.stdout.write(`README walkthrough block ${outputs.length + 1}: ${Date.now() - began} ms\n`);
      expect(status, `${block.code}\n${output}`).toBe(0);
      outputs.push(output);
    }
    const lastJson = (output: string) => JSON.parse(output.trim().split('\n').at(-1)!);
    // After the first client block: the delivery failed after 4 attempts, the last answered 500.
    const failed = lastJson(outputs[0]!).items;
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      status: 'failed',
      attemptCount: 4,
      lastAttempt: { responseStatus: 500, errorClass: 'http_status' },
    });
    // After recovery: the same delivery (same id) succeeded, on its fifth attempt.
    const recovered = lastJson(outputs[1]!).items;
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({ id: failed[0].id, status: 'succeeded', attemptCount: 5 });
    expect(outputs[1]).toContain('{"requeued":1}');
    // The receiver printed every attempt: four 500s before, one 200 after.
    const receiverOutput = running.get('receiver')!.output();
    expect(receiverOutput).toMatch(/answering 200/);
    expect(receiverOutput).toMatch(/POST \/hooks/);
  }, 180_000);

  it('publishes from Node (the publish-local snippet) and from a Lambda (the publish-lambda snippet)', async () => {
    const runtime = await startTestRuntime();
    cleanups.push(() => void runtime.stop());
    const apiUrl = runtime.url;
    const endpoint = await apiClient(apiUrl).createEndpoint({
      tenantId: 'demo',
      url: 'http://127.0.0.1:9/never-reached',
      events: ['order.created'],
    });
    expect(endpoint.status).toBe(201);
    const source = (info: string) => blocks().find((b) => b.info === info)?.code;
    const local = source('ts publish-local');
    const lambda = source('ts publish-lambda');
    expect(local).toBeDefined();
    expect(lambda).toBeDefined();
    const tag = randomBytes(4).toString('hex');
    const localFile = `.readme-publish-local-${tag}.ts`;
    const lambdaFile = `.readme-publish-lambda-${tag}.ts`;
    const runnerFile = `.readme-publish-lambda-run-${tag}.ts`;
    cleanups.push(() => {
      for (const file of [localFile, lambdaFile, runnerFile]) rmSync(file, { force: true });
    });
    writeFileSync(localFile, local!.replaceAll('http://127.0.0.1:3000', apiUrl));
    writeFileSync(lambdaFile, lambda!);
    writeFileSync(
      runnerFile,
      `import { handler } from './${lambdaFile.replace(/\.ts$/, '')}';\nconsole.log(JSON.stringify(await handler({ id: 'o-9', tenant: 'demo', total: 5 })));\n`,
    );
    const node = (file: string, env: Record<string, string>) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', file], {
          env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
        });
        let output = '';
        child.stdout.on('data', (c: Buffer) => {
          output += c.toString();
        });
        child.stderr.on('data', (c: Buffer) => {
          output += c.toString();
        });
        child.once('exit', (code) => resolve({ code, output }));
      });
    // No AWS credentials in the environment: the local snippet's dummy ones must be what makes it work.
    const noAws = {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: '',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    };
    const first = await node(localFile, noAws);
    expect(first, first.output).toMatchObject({ code: 0 });
    expect(first.output.trim().split('\n')).toEqual(['202 order-o-1-created 0', '[ 202, 202 ]']);
    const again = await node(localFile, noAws);
    // The single event's id was seen before; the batch's events had none, so they are new again.
    expect(again.output.trim().split('\n')).toEqual(['200 order-o-1-created 0', '[ 202, 202 ]']);
    // Without the snippet's credentials line the same call fails: the line is what makes it work locally.
    writeFileSync(
      localFile,
      local!.replaceAll('http://127.0.0.1:3000', apiUrl).replace(/^\s*credentials:.*$/m, ''),
    );
    const bare = await node(localFile, noAws);
    expect(bare.code).not.toBe(0);
    expect(bare.output).toMatch(/Credential|credentials/);
    // The Lambda snippet, with what Lambda puts in a function's environment (the role's credentials).
    const fromLambda = await node(runnerFile, {
      WEBHOOK_API_URL: apiUrl,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'example-secret',
      AWS_SESSION_TOKEN: 'example-token',
    });
    expect(fromLambda, fromLambda.output).toMatchObject({ code: 0 });
    expect(JSON.parse(fromLambda.output.trim().split('\n').at(-1)!)).toEqual({ status: 202, deliveries: 1 });
  }, 60_000);
});
