/**
 * Options for the chat's collections that it reaches through the raw driver (saved replies, the
 * webhooks' outbox and log, file records), as `operationOptions` gives the Mongoose models': read
 * from the primary, written to a majority, and bounded in time on the server and, a little later,
 * in the driver, whatever the host's connection says.
 */
export function rawOperationOptions(timeoutMs: number) {
  const driverMs = timeoutMs + 1000;
  return {
    read: () => ({ readPreference: 'primary' as const, maxTimeMS: timeoutMs, signal: AbortSignal.timeout(driverMs) }),
    write: () => ({ writeConcern: { w: 'majority' as const, wtimeoutMS: timeoutMs }, maxTimeMS: timeoutMs, signal: AbortSignal.timeout(driverMs) }),
  };
}
