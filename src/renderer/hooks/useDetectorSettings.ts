/** The detector settings in force, read through the API once per view, so tiles and charts draw the lines the alerts use. */
import { useEffect, useState } from 'react';
import { DEFAULT_DETECTOR_SETTINGS, type DetectorSettings } from '../../shared/alerts.js';
import { useApi } from '../api/context.js';

/** The engine's detector settings; the defaults until they arrive (or if they cannot be read). */
export function useDetectorSettings(): DetectorSettings {
  const api = useApi();
  const [settings, setSettings] = useState<DetectorSettings>(DEFAULT_DETECTOR_SETTINGS);
  useEffect(() => {
    let live = true;
    api.getSettings({}).then(
      (s) => live && setSettings(s.detectors),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [api]);
  return settings;
}
