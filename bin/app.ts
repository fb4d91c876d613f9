import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../lambdas/domain/errors';
import { WebhookStack, webhookPropsFromContext } from '../lib/webhook-stack';

// Environment-agnostic on purpose: no account/region and no context lookups, so `cdk synth` works offline.
const app = new App();
try {
  new WebhookStack(app, 'WebhookService', webhookPropsFromContext(app.node));
} catch (error) {
  // A bad setting is the deployer's to fix: one line naming the key and the rule, no stack trace.
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
