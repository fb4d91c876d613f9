import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Telemetry } from './observability';
import type { Service } from './service';

/**
 * Flushes the invocation's metrics once at its end, also when it throws. Not Powertools' `logMetrics`:
 * that one publishes (and, with nothing recorded, logs a warning) on every invocation, and most retry and
 * sweeper invocations record nothing; `Telemetry.flush` publishes only what was recorded.
 */
export function flushMetrics(telemetry: Telemetry): MiddlewareObj {
  const flush = async () => telemetry.flush();
  return { after: flush, onError: flush };
}

/**
 * A function's Lambda entry point: builds its service and handler at the first invocation (so importing the
 * module has no side effects), then runs every invocation through Powertools' `injectLambdaContext` (every
 * log line carries the request id, function name and cold start) and `flushMetrics`. The local runtime and
 * the tests call the handlers directly, without this.
 */
export function lambdaEntry<E, R>(
  make: () => Promise<{ service: Service; handler: (event: E, context: Context) => Promise<R> }>,
): (event: E, context: Context) => Promise<R> {
  let built: Promise<(event: E, context: Context) => Promise<R>> | undefined;
  return async (event, context) => {
    built ??= make().then(({ service, handler }) => {
      const wrapped = middy<E, R>(handler);
      if (service.log.powertools) wrapped.use(injectLambdaContext(service.log.powertools));
      return wrapped.use(flushMetrics(service.telemetry));
    });
    return (await built)(event, context);
  };
}
