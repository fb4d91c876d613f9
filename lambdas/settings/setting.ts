/** How one setting is declared (the table is `schema.ts`). */
import type { Kind } from './kinds';

/** The service's own functions (the example publisher reads none of these settings). */
export const SERVICE_FUNCTIONS = ['ingest', 'api', 'delivery', 'retry', 'sweeper'] as const;
export type ServiceFunctionName = (typeof SERVICE_FUNCTIONS)[number];

export interface Setting<T, Input = T> {
  readonly kind: Kind<T, Input>;
  /**
   * `context`: a CDK context key and stack prop (`-c key=value`). `refused`: has a context key only to
   * refuse it with a reason. `local`: read by the local runtime only.
   */
  readonly scope: 'context' | 'refused' | 'local';
  /** Environment variable the functions (and the local runtime) read it from; none for stack-only settings. */
  readonly env?: string;
  readonly default: T | undefined;
  /** How the README states the default when it is not simply the formatted value. */
  readonly defaultText?: string;
  /** Default of the local runtime (`npm start`) where it differs. */
  readonly localDefault?: T;
  /** Functions whose environment carries it. Empty: the stack uses it while building resources. */
  readonly usedBy: readonly ServiceFunctionName[];
  /** One line for the README table. */
  readonly help: string;
  /** A valid value other than the default (tests deploy with it; the README may quote it). */
  readonly example: Input;
  /** Why the context key is refused (scope `refused`). */
  readonly refusal?: string;
}

/**
 * Types come from the kind alone (`NoInfer`), so a default cannot widen an enum to `string`; the scope
 * and whether there is a default are kept as literal types, for `ContextKey` and `Settings`.
 */
export function setting<T, Input, const Scope extends Setting<T, Input>['scope'], D extends T | undefined>(
  spec: Omit<Setting<T, Input>, 'scope' | 'default' | 'localDefault' | 'example'> & {
    readonly scope: Scope;
    readonly default: D & NoInfer<T | undefined>;
    readonly localDefault?: NoInfer<T>;
    readonly example: NoInfer<Input>;
  },
): Setting<T, Input> & { readonly scope: Scope; readonly default: D } {
  return spec;
}
