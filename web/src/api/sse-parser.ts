// A streaming text/event-stream parser (the WHATWG rules the service's streams use: `event:`, `data:`,
// `id:`, comments, CRLF or LF), fed chunk by chunk from fetch: EventSource cannot send the API key.

export interface SseMessage {
  event: string;
  data: string;
  id: string | null;
}

export interface SseParser {
  push(chunk: string): void;
  /** The id of the last dispatched event that had one: the `Last-Event-ID` to resume from. */
  readonly lastEventId: string | null;
}

export function createSseParser(onMessage: (message: SseMessage) => void): SseParser {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | null = null;
  let lastEventId: string | null = null;

  const dispatch = () => {
    if (id !== null) lastEventId = id;
    if (data.length > 0) onMessage({ event: event || 'message', data: data.join('\n'), id });
    [event, data, id] = ['', [], null];
  };

  const line = (text: string) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return; // comment (heartbeat)
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  };

  return {
    push(chunk) {
      buffer += chunk;
      // A CR at the very end may be half of a CRLF: wait for the next chunk.
      let match: RegExpExecArray | null;
      const eol = /\r\n|\n|\r(?=[^\n])/g;
      let start = 0;
      while ((match = eol.exec(buffer)) !== null) {
        line(buffer.slice(start, match.index));
        start = match.index + match[0].length;
      }
      buffer = buffer.slice(start);
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}
