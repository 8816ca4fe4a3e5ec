/** The renderer's root: the route decides between the popover and the inspector. */
import { useEffect } from 'react';
import { useRoute } from '../hooks/useRoute.js';
import { Inspector } from './Inspector.js';
import { Popover } from './Popover.js';

/** The app. */
export function App() {
  const [route, go] = useRoute();
  useEffect(() => {
    document.body.dataset.view = route.view === 'popover' ? 'popover' : 'inspector';
  }, [route.view]);
  if (route.view === 'popover') return <Popover route={route} go={go} />;
  return <Inspector route={route} go={go} />;
}
