import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ServiceFunctionName } from '../../lambdas/settings/schema';

/** The handlers under `lambdas/<name>/handler.ts`: the five of the service, the portal authorizer, the example publisher. */
export type HandlerName =
  | 'ingest'
  | 'api'
  | 'delivery'
  | 'retry'
  | 'sweeper'
  | 'portal-authorizer'
  | 'example-publisher';

const LAMBDAS_DIR = fileURLToPath(new URL('../../lambdas/', import.meta.url));

/** What each service function is given besides its code: environment variables and bundled files. */
export interface FunctionSetup {
  of(fn: ServiceFunctionName): {
    readonly environment: Readonly<Record<string, string>>;
    readonly bundledFiles?: Readonly<Record<string, string>>;
  };
}

/**
 * Writes a file's content where the bundling step can copy it from: the system temp directory, named by
 * the content's hash so repeated synths reuse one file.
 */
function stageFile(content: string): string {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 32);
  const file = join(tmpdir(), `webhook-bundled-${hash}`);
  writeFileSync(file, content);
  return file;
}

function quoted(path: string): string {
  return process.platform === 'win32' ? `"${path}"` : `'${path.replace(/'/g, `'\\''`)}'`;
}

export interface ServiceFunctionProps {
  /** Which handler to bundle: `lambdas/<handler>/handler.ts`, export `handler`. */
  readonly handler: HandlerName;
  /** What the function does, shown in the Lambda console. */
  readonly description: string;
  /** Variables the handler reads (`lambdas/config.ts` for the service's). `NODE_OPTIONS` is added here. */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Files copied next to `index.js` in the bundle (name to content), read at cold start from
   * `/var/task/<name>`. For configuration too large for the 4 KB of environment variables (the event
   * catalog). They are part of the asset, so changing one redeploys the function.
   * @default none
   */
  readonly bundledFiles?: Readonly<Record<string, string>>;
  readonly timeout: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Async invocation retries (EventBridge-triggered functions).
   * @default 2 (the Lambda default)
   */
  readonly retryAttempts?: number;
}

/**
 * One service Lambda, built the same way for every handler: Node 22 on arm64, X-Ray, a bundle with the
 * AWS SDK inside (so the SDK version is the one in package-lock.json, not the runtime's), its own log
 * group with retention, and its own role that starts with write access to that log group only. Each
 * caller adds exactly the grants its handler needs.
 */
export class ServiceFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:* on every log group): stream writes to this group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.handler} function`,
    });
    this.logGroup.grantWrite(this.role);

    const copies = Object.entries(props.bundledFiles ?? {}).map(([name, content]) => {
      if (!/^[\w.-]+$/.test(name))
        throw new Error(`bundled file name ${JSON.stringify(name)} is not a plain name`);
      return { source: stageFile(content), name };
    });
    const copy = process.platform === 'win32' ? 'copy /Y' : 'cp';

    this.function = new NodejsFunction(this, 'Function', {
      entry: `${LAMBDAS_DIR}${props.handler}/handler.ts`,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      ...(props.retryAttempts === undefined ? {} : { retryAttempts: props.retryAttempts }),
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        minify: true,
        sourceMap: true,
        // Maps without embedded sources: stack traces still resolve to file:line, the asset stays small.
        sourcesContent: false,
        // The handlers are ESM TypeScript with extensionless imports; esbuild resolves them for either
        // format. CommonJS keeps the bundled CommonJS dependencies' require() calls working; ESM output
        // routes them through esbuild's throwing `__require` shim unless a createRequire banner is added.
        format: OutputFormat.CJS,
        target: 'node22',
        // The AWS SDK v3 ships with the Node.js 22 runtime: leaving it out takes each bundle from about
        // 850 KB to under 300 KB and the cold import under 150 ms (docs/performance.md). The price is that
        // the SDK version is the runtime's, not the lock file's (docs/decisions.md).
        externalModules: ['@aws-sdk/*'],
        // zod, Powertools and the rest ship ES modules; preferring them lets esbuild drop what is unused.
        mainFields: ['module', 'main'],
        forceDockerBundling: false,
        logLevel: LogLevel.WARNING,
        ...(copies.length
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (_input: string, outputDir: string) =>
                  copies.map((c) => `${copy} ${quoted(c.source)} ${quoted(join(outputDir, c.name))}`),
              },
            }
          : {}),
      },
    });

    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords (added by tracing: ACTIVE) support no resource-level ' +
          'permissions; test/cdk asserts no other statement uses Resource "*".',
      },
      {
        id: 'AwsSolutions-L1',
        reason:
          'Pinned to nodejs22.x on purpose: the code is developed and tested on Node 20 and 22, not yet ' +
          'on 24; move to a newer runtime together with the local toolchain.',
      },
    );
  }
}
