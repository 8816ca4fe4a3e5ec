/** The current hash route, and a way to go elsewhere (push or replace). */
import { useCallback, useEffect, useState } from 'react';
import { formatRoute, parseRoute, type Route } from '../route.js';

/** Reads `location.hash` as a {@link Route} and re-renders on `hashchange`. */
export function useRoute(): [Route, (to: Route, options?: { replace?: boolean }) => void] {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  const go = useCallback((to: Route, options?: { replace?: boolean }) => {
    const hash = formatRoute(to);
    if (options?.replace) {
      history.replaceState(history.state, '', hash);
      setRoute(parseRoute(hash));
    } else location.hash = hash;
  }, []);
  return [route, go];
}
