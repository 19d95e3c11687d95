/**
 * A deep copy of the store's plain data (objects, arrays, Dates), so that what a caller changes
 * never reaches the store. Several times faster than `structuredClone` on records this small,
 * which the chat copies a few times per message.
 */
export function copied<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map(copied) as T;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) copy[key] = copied(field);
  return copy as T;
}
