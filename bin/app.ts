import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { WebhookStack, webhookPropsFromContext } from '../lib/webhook-stack';

// Environment-agnostic on purpose: no account/region and no context lookups, so `cdk synth` works offline.
const app = new App();
new WebhookStack(app, 'WebhookService', webhookPropsFromContext(app.node));
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
