import type { TestProject } from 'vitest/node';
import { type DynamoHandle, startDynamo } from '../../local/emulators';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

// The SDK warns that Node 20 support ends in 2027; Lambda runs Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let dynamo: DynamoHandle | undefined;

/** One DynamoDB Local (one JVM, about 2.5 s to start) for the whole run; each test file uses its own table prefix. */
export async function setup(project: TestProject) {
  dynamo = await startDynamo();
  project.provide('dynamoEndpoint', dynamo.endpoint);
}

export async function teardown() {
  await dynamo?.stop();
}
