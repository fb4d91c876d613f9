import { fileURLToPath } from 'node:url';
import { type Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The handlers under `lambdas/<name>/handler.ts`: the five of the service, and the example publisher. */
export type HandlerName = 'ingest' | 'api' | 'delivery' | 'retry' | 'sweeper' | 'example-publisher';

const LAMBDAS_DIR = fileURLToPath(new URL('../../lambdas/', import.meta.url));

export interface ServiceFunctionProps {
  /** Which handler to bundle: `lambdas/<handler>/handler.ts`, export `handler`. */
  readonly handler: HandlerName;
  /** What the function does, shown in the Lambda console. */
  readonly description: string;
  /** Variables the handler reads (`lambdas/config.ts` for the service's). `NODE_OPTIONS` is added here. */
  readonly environment: Readonly<Record<string, string>>;
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
