/**
 * In-memory stand-ins for the ports in `lambdas/domain/ports.ts`, plus builders for settings and records.
 * The fakes honour the conditions of the DynamoDB and SQS adapters (the store's are checked against the
 * real adapter by `test/contract/store.contract.ts`). They hold copies of what they are given and hand out
 * copies; each can be told to fail (`fail(method, error, times)`) and records what it was asked to do.
 */
export { FakeClock, T0 } from './fake-base';
export {
  type DeadLetter,
  type DelayedMessage,
  FakeQueues,
  type HeldMessage,
  type QueueMethod,
  SQS_MAX_MESSAGE_BYTES,
  SQS_MAX_TIMER_SECONDS,
  SQS_MAX_VISIBILITY_SECONDS,
} from './fake-queues';
export {
  FakeHttp,
  type FakeService,
  fakeService,
  type HttpCall,
  type HttpScript,
  httpError,
  httpStatus,
  type LogEntry,
  type MetricEntry,
  RecordingLog,
  RecordingTelemetry,
  TEST_SECRETS_KEY,
  testSecrets,
  testSettings,
} from './fake-service';
export { FakeStore, type StoreCall, type StoreMethod } from './fake-store';
export {
  deliveryFixture,
  deliveryIdFor,
  endpointFixture,
  eventFixture,
  fifoRecord,
  messageFor,
} from './fixtures';
