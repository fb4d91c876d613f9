import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { withTables } from '../../lambdas/settings/docs';
import { settingsUsedBy } from '../../lambdas/settings/resolve';
import {
  SERVICE_FUNCTIONS,
  SETTINGS,
  type ServiceFunctionName,
  type SettingKey,
  settingEntries,
} from '../../lambdas/settings/schema';
import { WebhookStack, type WebhookStackProps, webhookPropsFromContext } from '../../lib/webhook-stack';

// Each synth takes about a second alone, many more on a busy machine: room for several per test.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

function build(props: WebhookStackProps = {}) {
  const stack = new WebhookStack(new App({ context: SKIP_BUNDLING }), 'WebhookService', props);
  return { stack, template: Template.fromStack(stack) };
}

/** Each service function's environment variables. */
function environments(
  stack: WebhookStack,
  template: Template,
): Record<ServiceFunctionName, Record<string, string>> {
  const all = template.toJSON().Resources;
  const fns = {
    ingest: stack.ingestApi.ingestFunction,
    api: stack.ingestApi.apiFunction,
    delivery: stack.pipeline.deliveryFunction,
    retry: stack.pipeline.retryFunction,
    sweeper: stack.pipeline.sweeperFunction,
  };
  return Object.fromEntries(
    Object.entries(fns).map(([fn, f]) => [fn, all[logicalId(f)].Properties.Environment.Variables]),
  ) as Record<ServiceFunctionName, Record<string, string>>;
}

/** A context value as `cdk -c key=value` passes it: always a string. */
function asContextString(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const contextSettings = settingEntries().filter(([, s]) => s.scope === 'context');

describe('the settings contract: every setting of the schema reaches the stack', () => {
  let stack: WebhookStack;
  let template: Template;
  let env: Record<ServiceFunctionName, Record<string, string>>;
  beforeAll(() => {
    // Every context key at its example value, as strings the way `-c` gives them.
    const context = Object.fromEntries(contextSettings.map(([key, s]) => [key, asContextString(s.example)]));
    const app = new App({ context: { ...SKIP_BUNDLING, ...context } });
    stack = new WebhookStack(app, 'WebhookService', webhookPropsFromContext(app.node));
    template = Template.fromStack(stack);
    env = environments(stack, template);
  });

  /**
   * What each stack-only setting (no environment variable) changes in the template, at its example value.
   * A new stack-only setting without an entry here fails the test below.
   */
  const STACK_EFFECTS: Record<string, () => void> = {
    apiType: () => expect(Object.keys(template.findResources('AWS::ApiGateway::RestApi'))).toHaveLength(1),
    apiRateLimit: () =>
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 50 })]),
      }),
    apiBurstLimit: () =>
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingBurstLimit: 100 })]),
      }),
    deliveryConcurrency: () =>
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        ScalingConfig: { MaximumConcurrency: 50 },
      }),
    deliveryFailureThreshold: () =>
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'DeliveryFailed',
        Threshold: 5,
      }),
    alarmEmail: () =>
      template.hasResourceProperties('AWS::SNS::Subscription', { Endpoint: 'oncall@example.com' }),
    portal: () => {
      // No token key, no authorizer, and the api function cannot mint (its token route answers 404).
      expect(template.findResources('AWS::KMS::Key', { Properties: { KeySpec: 'HMAC_256' } })).toEqual({});
      expect(template.findResources('AWS::ApiGateway::Authorizer')).toEqual({});
      expect(env.api.PORTAL_KEY_ID).toBeUndefined();
    },
    examplePublisher: () =>
      expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toHaveLength(5),
    logRetentionDays: () => {
      const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
      expect(groups.length).toBeGreaterThan(5);
      for (const g of groups) expect(g.Properties.RetentionInDays).toBe(90);
    },
  };

  it('has an example unlike the default for every context key, so the check below can fail', () => {
    for (const [key, s] of contextSettings) {
      const parsed = s.kind.parse(s.example);
      expect([key, JSON.stringify(parsed)]).not.toEqual([key, JSON.stringify(s.default)]);
    }
  });

  it.each(contextSettings.map(([key]) => [key]))('%s reaches the stack', (key) => {
    const s = SETTINGS[key as SettingKey] as unknown as {
      env?: string;
      usedBy: readonly ServiceFunctionName[];
      kind: { parse(v: unknown): unknown; format(v: unknown): string };
      example: unknown;
    };
    const expected = s.kind.parse(s.example);
    // The stack resolved the context value...
    expect(JSON.stringify(stack.settings[key as SettingKey])).toBe(JSON.stringify(expected));
    if (!s.env) {
      // ... and, for a setting only the stack reads, changed what it should.
      expect([key, typeof STACK_EFFECTS[key]]).toEqual([key, 'function']);
      STACK_EFFECTS[key]!();
      return;
    }
    // ... and every function that reads it has it in its environment, and no other does.
    expect(s.usedBy.length).toBeGreaterThan(0);
    for (const fn of SERVICE_FUNCTIONS) {
      const value = env[fn][s.env];
      if (!s.usedBy.includes(fn)) expect([fn, value]).toEqual([fn, undefined]);
      else if (key === 'eventCatalog') expect([fn, value]).toEqual([fn, '/var/task/event-catalog.json']);
      else expect([fn, value]).toEqual([fn, s.kind.format(expected)]);
    }
  });

  it('gives each function no setting variable beyond those it uses, and keeps each under 4 KB', () => {
    const settingVars = new Set(settingEntries().flatMap(([, s]) => (s.env ? [s.env] : [])));
    for (const fn of SERVICE_FUNCTIONS) {
      const got = Object.keys(env[fn]).filter((name) => settingVars.has(name));
      const wanted = settingsUsedBy(fn).map((key) => (SETTINGS[key] as { env?: string }).env);
      expect([fn, got.sort()]).toEqual([fn, wanted.sort()]);
      const size = Object.entries(env[fn]).reduce((n, [k, v]) => n + k.length + JSON.stringify(v).length, 0);
      expect(size).toBeLessThan(4096);
    }
  });

  it('refuses allowInsecureTargets from context, and sets it false where it is read', () => {
    expect(() =>
      webhookPropsFromContext(new App({ context: { allowInsecureTargets: 'true' } }).node),
    ).toThrow(/^allowInsecureTargets: not available on AWS/);
    const { stack, template } = build();
    const defaults = environments(stack, template);
    for (const fn of SETTINGS.allowInsecureTargets.usedBy)
      expect(defaults[fn].ALLOW_INSECURE_TARGETS).toBe('false');
  });
});

describe('settings validated at synth time', () => {
  it('rejects a retention shorter than the retry schedule needs', () => {
    // Default schedule: 14 h 36 min, twice that plus 12 h is 1.7 days, so 2.
    expect(() => build({ retentionDays: 1 })).toThrow(
      /^retentionDays: must be at least 2 days with retrySchedule 1m,5m,30m,2h,12h .*got 1$/,
    );
    expect(build({ retentionDays: 2 }).stack.settings.retentionDays).toBe(2);
    expect(() => build({ retrySchedule: '12h,12h,12h', retentionDays: 3 })).toThrow(
      /^retentionDays: .*at least 4/,
    );
  });

  it("derives the sweeper's grace from the delivery queue's visibility, and rejects a shorter one", () => {
    const slow = build({ deliveryTimeout: '30s' }).template;
    const visibility = Object.values(slow.findResources('AWS::SQS::Queue')).find(
      (q) => q.Properties.FifoQueue && q.Properties.RedrivePolicy,
    )!.Properties.VisibilityTimeout as number;
    expect(visibility).toBe(6 * (30 * 10 + 15));
    const sweeperEnv = Object.values(slow.findResources('AWS::Lambda::Function'))
      .map((f) => f.Properties.Environment.Variables)
      .filter((v) => v.SWEEP_GRACE !== undefined);
    expect(sweeperEnv.length).toBe(4);
    // 1890 s of visibility plus a minute.
    for (const v of sweeperEnv) expect(v.SWEEP_GRACE).toBe('1950s');
    expect(() => build({ deliveryTimeout: '30s', sweepGrace: '30m' })).toThrow(
      /^sweepGrace: must be at least 1950s with deliveryTimeout 30s .*got "30m"$/,
    );
    expect(() => build({ sweepGrace: '12m' })).toThrow(
      /^sweepGrace: must be at least 13m with deliveryTimeout 10s/,
    );
    expect(build({ sweepGrace: '13m' }).stack.settings.sweepGrace).toBe(13 * 60_000);
  });

  it('reads the event catalog inline or from a file, and names the key when it is wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
    const file = join(dir, 'catalog.json');
    writeFileSync(file, JSON.stringify([{ type: 'a.b', description: 'From a file.' }]));
    const fromFile = webhookPropsFromContext(new App({ context: { eventCatalog: file } }).node);
    expect(fromFile.eventCatalog).toEqual([{ type: 'a.b', description: 'From a file.' }]);
    expect(build({ eventCatalog: file }).stack.settings.eventCatalog).toEqual([
      { type: 'a.b', description: 'From a file.' },
    ]);
    expect(() => build({ eventCatalog: join(dir, 'missing.json') })).toThrow(
      /^eventCatalog: must be JSON or the path of a readable JSON file, got ".*missing\.json" \(ENOENT\)$/,
    );
    expect(() => build({ eventCatalog: '[{"type":"Order Created","description":"x"}]' })).toThrow(
      /^eventCatalog: must be .*; \[0\]\.type: lower-case words separated by dots/,
    );
    expect(() => build({ eventCatalog: '[]' })).toThrow(/^eventCatalog: .*at least one event type/);
  });

  it('stops `cdk synth` (bin/app.ts) with one line naming the key and the rule, and no stack trace', {
    timeout: 120_000,
  }, () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ deliveryTimeout: '2m' }),
        CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'synth-')),
      },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'deliveryTimeout: must be a duration from 100ms to 1m (e.g. 10s, 5m), got "2m"\n',
    );
  });
});

describe('README settings tables', () => {
  it('are the tables generated from the schema (run `npx tsx bin/settings-table.ts` after a change)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(withTables(readme)).toBe(readme);
    for (const [key, s] of settingEntries()) {
      if (s.scope === 'context') expect(readme).toContain(`| \`${key}\` |`);
      if (s.env) expect(readme).toContain(`| \`${s.env}\` |`);
    }
  });
});
