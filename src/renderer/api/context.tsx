/** The API as React context: views ask `useApi()` for the contract and `useStream()` for the live stream's health. */
import { createContext, useContext, type ReactNode } from 'react';
import type { LeakbarApi } from '../../shared/api.js';
import type { StreamState } from './http-client.js';

/** What the context holds. */
export interface ApiContextValue {
  api: LeakbarApi;
  door: 'desktop' | 'http';
  /** The live stream's state (always `open` on the desktop bridge). */
  stream: StreamState;
  /** Counts up whenever the stream came back after a gap it could not replay: views refetch on a change. */
  epoch: number;
}

const ApiContext = createContext<ApiContextValue | null>(null);

/** Provides the API to every view below. */
export function ApiProvider({ value, children }: { value: ApiContextValue; children: ReactNode }) {
  return <ApiContext.Provider value={value}>{children}</ApiContext.Provider>;
}

/** The API context; throws outside an {@link ApiProvider} (a programming error). */
export function useApiContext(): ApiContextValue {
  const v = useContext(ApiContext);
  if (!v) throw new Error('useApiContext outside ApiProvider');
  return v;
}

/** The API contract. */
export function useApi(): LeakbarApi {
  return useApiContext().api;
}
