// The dashboard's streaming SSE parser: events split anywhere across chunks, CRLF, comments,
// multi-line data, and the id to resume from.

import { describe, expect, it } from 'vitest';
import { createSseParser, type SseMessage } from '../../web/src/api/sse-parser.js';

function parseInChunks(text: string, size: number): { messages: SseMessage[]; lastEventId: string | null } {
  const messages: SseMessage[] = [];
  const parser = createSseParser((m) => messages.push(m));
  for (let i = 0; i < text.length; i += size) parser.push(text.slice(i, i + size));
  return { messages, lastEventId: parser.lastEventId };
}

const STREAM =
  'retry: 2000\n\n' +
  'event: snapshot\ndata: {"id":"j","state":"running"}\n\n' +
  ': heartbeat\n\n' +
  'id: 7\nevent: epoch\ndata: {"epoch":1,\ndata: "loss":0.5}\n\n' +
  'id: 8\nevent: state\ndata: {"state":"succeeded"}\n\n';

describe('createSseParser', () => {
  it('yields the same events whatever the chunking, and remembers the last id', () => {
    for (const size of [1, 2, 3, 7, 64, STREAM.length]) {
      const { messages, lastEventId } = parseInChunks(STREAM, size);
      expect(messages, `chunks of ${size}`).toEqual([
        { event: 'snapshot', data: '{"id":"j","state":"running"}', id: null },
        { event: 'epoch', data: '{"epoch":1,\n"loss":0.5}', id: '7' },
        { event: 'state', data: '{"state":"succeeded"}', id: '8' },
      ]);
      expect(lastEventId).toBe('8');
    }
  });

  it('reads CRLF and CR line ends, a CRLF split between chunks included', () => {
    const crlf = STREAM.replace(/\n/g, '\r\n');
    for (const size of [1, 5, crlf.length]) expect(parseInChunks(crlf, size).messages.map((m) => m.event)).toEqual(['snapshot', 'epoch', 'state']);
    // A final CR may be the first half of a CRLF, so the event ends when the next character arrives.
    expect(parseInChunks('event: a\rdata: 1\r\r', 100).messages).toEqual([]);
    expect(parseInChunks('event: a\rdata: 1\r\rdata: 2', 100).messages).toEqual([{ event: 'a', data: '1', id: null }]);
  });

  it('an event without a type is a "message"; an unfinished event is not dispatched', () => {
    expect(parseInChunks('data: x\n\ndata: y\n', 100).messages).toEqual([{ event: 'message', data: 'x', id: null }]);
  });
});
