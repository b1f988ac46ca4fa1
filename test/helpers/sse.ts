// Parses a text/event-stream body into events (comments kept apart), for the SSE tests.

export interface SseEvent {
  id?: string;
  event: string;
  data: unknown;
}

export function parseSse(body: string): { events: SseEvent[]; comments: string[] } {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  for (const block of body.split('\n\n')) {
    const lines = block.split('\n').filter((line) => line.length > 0);
    if (lines.length === 0) continue;
    const event: Partial<SseEvent> & { dataText?: string } = {};
    for (const line of lines) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line.startsWith('id: ')) event.id = line.slice(4);
      else if (line.startsWith('event: ')) event.event = line.slice(7);
      else if (line.startsWith('data: ')) event.dataText = line.slice(6);
    }
    if (event.event) events.push({ id: event.id, event: event.event, data: JSON.parse(event.dataText ?? 'null') });
  }
  return { events, comments };
}
