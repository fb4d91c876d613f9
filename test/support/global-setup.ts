import type { TestProject } from 'vitest/node';
import { type DynamoHandle, startDynamo } from '../../local/emulators';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

let dynamo: DynamoHandle | undefined;

/** One DynamoDB Local (one JVM, about 2.5 s to start) for the whole run; each test file uses its own table prefix. */
export async function setup(project: TestProject) {
  dynamo = await startDynamo();
  project.provide('dynamoEndpoint', dynamo.endpoint);
}

export async function teardown() {
  await dynamo?.stop();
}
