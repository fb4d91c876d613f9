/**
 * The body every receiver gets: `{ "id", "event", "created_at", "data" }`, serialized once at publish
 * time. The stored string is sent byte for byte on every attempt so signatures and receiver-side
 * deduplication see the same payload each time.
 */
export function serializeEnvelope(input: {
  id: string;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}): string {
  return JSON.stringify({ id: input.id, event: input.type, created_at: input.createdAt, data: input.data });
}
