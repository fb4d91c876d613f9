import { Duration, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PORTAL_BUNDLED_FILES, PORTAL_KEY_ENV } from '../../lambdas/settings/resources';
import { buildPortalAssets } from '../portal-assets';
import { ServiceFunction } from './service-function';

export interface PortalProps {
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The tenant portal's AWS side: the KMS HMAC key its token key is derived from (`GenerateMac` of a fixed
 * label; the key material never leaves KMS), and the Lambda authorizer that checks `Authorization: Bearer`
 * on every `/portal/v1/...` route before the api function runs. The api function is given the key id,
 * `kms:GenerateMac` on it and the page's script and stylesheet (built by esbuild at synth) through
 * `apiEnvironment`, `apiBundledFiles` and `grantTokens`.
 */
export class Portal extends Construct {
  public readonly key: kms.Key;
  public readonly authorizerFunction: NodejsFunction;

  constructor(scope: Construct, id: string, props: PortalProps = {}) {
    super(scope, id);
    this.key = new kms.Key(this, 'TokenKey', {
      description: 'Signs and verifies tenant portal tokens (HMAC; never leaves KMS)',
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
    });
    Validations.of(this.key).acknowledge({
      id: 'AwsSolutions-KMS5',
      reason:
        'KMS does not rotate HMAC keys automatically; docs/operations.md says how to rotate it (replace ' +
        'the key: every portal token signs out, links are minted again).',
    });
    const authorizer = new ServiceFunction(this, 'Authorizer', {
      handler: 'portal-authorizer',
      description: 'Checks the portal token (Authorization: Bearer) on /portal/v1/* routes',
      environment: { [PORTAL_KEY_ENV]: this.key.keyId },
      timeout: Duration.seconds(5),
      memorySize: 256,
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    this.authorizerFunction = authorizer.function;
    this.grantTokens(this.authorizerFunction);
  }

  /** What the api function needs in its environment to mint and check tokens. */
  get apiEnvironment(): Readonly<Record<string, string>> {
    return { [PORTAL_KEY_ENV]: this.key.keyId };
  }

  /** The page's script and stylesheet, copied into the api function's bundle. */
  static apiBundledFiles(): Readonly<Record<string, string>> {
    const assets = buildPortalAssets();
    return { [PORTAL_BUNDLED_FILES.script]: assets.script, [PORTAL_BUNDLED_FILES.styles]: assets.styles };
  }

  /** `kms:GenerateMac` on the token key: whoever holds it can derive the token key. */
  grantTokens(grantee: iam.IGrantable): iam.Grant {
    return this.key.grant(grantee, 'kms:GenerateMac');
  }
}
