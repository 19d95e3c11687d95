import { createHmac } from 'node:crypto';

/**
 * The headers of a Standard Webhooks delivery: the event's id (the same on every attempt, so a
 * receiver can tell a retry from a new event), the time of this attempt in seconds, and the
 * signature `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`.
 */
export function signedHeaders(key: Buffer, id: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = Math.floor(now / 1000).toString();
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}
