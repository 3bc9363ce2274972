/**
 * Typed errors with codes. Each package declares one registry (`defineErrors`), whose codes are listed in
 * docs/errors.md (a test keeps them in step). Match on `code`, never on message text.
 */

export interface ErrorDefinition {
  /** Message template; `%s` placeholders are filled from the arguments in order. */
  readonly message: string;
  /** HTTP status where the error crosses an HTTP boundary. */
  readonly status?: number;
  /** Whether trying the same operation again later may succeed. */
  readonly retriable: boolean;
}

export class VitalsError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly retriable: boolean;

  constructor(code: string, def: ErrorDefinition, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VitalsError';
    this.code = code;
    this.statusCode = def.status ?? 500;
    this.retriable = def.retriable;
  }
}

export type ErrorFactory = ((...args: Array<string | number>) => VitalsError) & {
  readonly code: string;
  readonly definition: ErrorDefinition;
  /** Same as calling it, with a cause attached. */
  withCause(cause: unknown, ...args: Array<string | number>): VitalsError;
};

function format(template: string, args: Array<string | number>): string {
  let i = 0;
  return template.replace(/%s/g, () => (i < args.length ? String(args[i++]) : '%s'));
}

/** Builds a registry of error factories, one per code. */
export function defineErrors<K extends string>(defs: Record<K, ErrorDefinition>): Readonly<Record<K, ErrorFactory>> {
  const out = {} as Record<K, ErrorFactory>;
  for (const code of Object.keys(defs) as K[]) {
    const def = defs[code];
    const make = (...args: Array<string | number>) => new VitalsError(code, def, format(def.message, args));
    const factory = Object.assign(make, {
      code,
      definition: def,
      withCause: (cause: unknown, ...args: Array<string | number>) =>
        new VitalsError(code, def, format(def.message, args), { cause }),
    });
    out[code] = factory;
  }
  return Object.freeze(out);
}

export function isVitalsError(err: unknown, code?: string): err is VitalsError {
  return err instanceof VitalsError && (code === undefined || err.code === code);
}
