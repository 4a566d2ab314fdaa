/**
 * aws-local-stepfunctions 3 declares node >= 22 for Promise.withResolvers (ES2024); Node 20 lacks
 * it. Imported for its effect by everything that runs a state machine locally.
 */
type Resolvers = { promise: Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void };
const P = Promise as unknown as { withResolvers?: () => Resolvers };
P.withResolvers ??= () => {
  let resolve!: Resolvers['resolve'];
  let reject!: Resolvers['reject'];
  const promise = new Promise<unknown>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
