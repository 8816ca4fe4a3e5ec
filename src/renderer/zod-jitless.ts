/**
 * zod would probe once whether it may compile validators (`Function('')`), which the page's CSP (no 'unsafe-eval')
 * refuses and reports as a violation: it is told to validate without compiling. Imported first by main.tsx, so it
 * runs before any module that builds a schema.
 */
import { z } from 'zod';

z.config({ jitless: true });
