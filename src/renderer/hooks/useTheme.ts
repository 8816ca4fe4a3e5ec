/** Light or dark, following the system (prefers-color-scheme), with the chart colours of each. */
import { useEffect, useState } from 'react';

/** Colours charts need as values (SVG attributes); the rest of the UI uses the CSS variables in styles.css. */
export interface ChartPalette {
  dark: boolean;
  line: string;
  fill: string;
  second: string;
  grid: string;
  axis: string;
  warning: string;
  alert: string;
  capture: string;
  restart: string;
  zoom: string;
}

const LIGHT: ChartPalette = { dark: false, line: '#2563eb', fill: '#2563eb', second: '#0d9488', grid: '#e5e7eb', axis: '#6b7280', warning: '#d97706', alert: '#dc2626', capture: '#7c3aed', restart: '#ea580c', zoom: '#2563eb' };
const DARK: ChartPalette = { dark: true, line: '#60a5fa', fill: '#3b82f6', second: '#2dd4bf', grid: '#2b3340', axis: '#9ca3af', warning: '#fbbf24', alert: '#f87171', capture: '#a78bfa', restart: '#fb923c', zoom: '#60a5fa' };

/** The palette for the system's current scheme; re-renders when it changes. */
export function useChartPalette(): ChartPalette {
  const query = '(prefers-color-scheme: dark)';
  const [dark, setDark] = useState(() => matchMedia(query).matches);
  useEffect(() => {
    const m = matchMedia(query);
    const on = () => setDark(m.matches);
    m.addEventListener('change', on);
    return () => m.removeEventListener('change', on);
  }, []);
  return dark ? DARK : LIGHT;
}
