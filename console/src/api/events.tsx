import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { LiveEvent } from './types.ts';

/**
 * One EventSource on /v1/events for the whole app. The browser reconnects by itself and sends
 * Last-Event-ID, so the API resumes where the stream broke; screens subscribe to the event types
 * they show.
 */
export const EVENT_TYPES = [
  'alert.opened',
  'alert.acknowledged',
  'alert.resolved',
  'run.started',
  'run.finished',
] as const;

type Handler = (event: LiveEvent) => void;

interface Live {
  connected: boolean;
  subscribe: (fn: Handler) => () => void;
}

const LiveContext = createContext<Live>({ connected: false, subscribe: () => () => {} });

export function LiveEventsProvider({ enabled, children }: { enabled: boolean; children: ComponentChildren }) {
  const handlers = useRef(new Set<Handler>());
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const source = new EventSource('/v1/events', { withCredentials: true });
    const dispatch = (e: MessageEvent<string>) => {
      let data: LiveEvent;
      try {
        data = JSON.parse(e.data) as LiveEvent;
      } catch {
        return; // a malformed event is ignored, the stream goes on
      }
      if (!data || typeof data !== 'object') return;
      const event = { ...data, type: typeof data.type === 'string' ? data.type : e.type };
      for (const fn of handlers.current) fn(event);
    };
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(source.readyState === EventSource.OPEN);
    source.onmessage = dispatch;
    for (const type of EVENT_TYPES) source.addEventListener(type, dispatch as EventListener);
    return () => {
      source.close();
      setConnected(false);
    };
  }, [enabled]);
  const subscribe = (fn: Handler) => {
    handlers.current.add(fn);
    return () => {
      handlers.current.delete(fn);
    };
  };
  return <LiveContext.Provider value={{ connected, subscribe }}>{children}</LiveContext.Provider>;
}

export function useLive(): { connected: boolean } {
  return { connected: useContext(LiveContext).connected };
}

/** Calls `fn` for each live event whose type starts with `prefix` ('alert.', 'run.'). */
export function useLiveEvents(prefix: string, fn: Handler): void {
  const { subscribe } = useContext(LiveContext);
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => subscribe((e) => e.type.startsWith(prefix) && latest.current(e)), [subscribe, prefix]);
}
