/**
 * Units and numbers exactly as pprof prints them: its `measurement` package (unit sniffing, auto-scaling,
 * `%.2f` labels, percentages) and Go's own rounding of `%.2f` and `%5.2g` (correct, ties to even).
 */

interface Unit {
  name: string;
  aliases: string[];
  factor: number;
}
interface UnitType {
  units: Unit[];
  defaultUnit: Unit;
}

const UNIT_TYPES: UnitType[] = [
  {
    units: [
      { name: 'B', aliases: ['b', 'byte'], factor: 1 },
      { name: 'kB', aliases: ['kb', 'kbyte', 'kilobyte'], factor: 2 ** 10 },
      { name: 'MB', aliases: ['mb', 'mbyte', 'megabyte'], factor: 2 ** 20 },
      { name: 'GB', aliases: ['gb', 'gbyte', 'gigabyte'], factor: 2 ** 30 },
      { name: 'TB', aliases: ['tb', 'tbyte', 'terabyte'], factor: 2 ** 40 },
      { name: 'PB', aliases: ['pb', 'pbyte', 'petabyte'], factor: 2 ** 50 },
    ],
    defaultUnit: { name: 'B', aliases: ['b', 'byte'], factor: 1 },
  },
  {
    units: [
      { name: 'ns', aliases: ['ns', 'nanosecond'], factor: 1 },
      { name: 'us', aliases: ['μs', 'us', 'microsecond'], factor: 1e3 },
      { name: 'ms', aliases: ['ms', 'millisecond'], factor: 1e6 },
      { name: 's', aliases: ['s', 'sec', 'second'], factor: 1e9 },
      { name: 'hrs', aliases: ['hour', 'hr'], factor: 3600e9 },
    ],
    defaultUnit: { name: 's', aliases: [], factor: 1e9 },
  },
  {
    units: [
      { name: 'n*GCU', aliases: ['nanogcu'], factor: 1e-9 },
      { name: 'u*GCU', aliases: ['microgcu'], factor: 1e-6 },
      { name: 'm*GCU', aliases: ['milligcu'], factor: 1e-3 },
      { name: 'GCU', aliases: ['gcu'], factor: 1 },
      { name: 'k*GCU', aliases: ['kilogcu'], factor: 1e3 },
      { name: 'M*GCU', aliases: ['megagcu'], factor: 1e6 },
      { name: 'G*GCU', aliases: ['gigagcu'], factor: 1e9 },
      { name: 'T*GCU', aliases: ['teragcu'], factor: 1e12 },
      { name: 'P*GCU', aliases: ['petagcu'], factor: 1e15 },
    ],
    defaultUnit: { name: 'GCU', aliases: [], factor: 1 },
  },
];

function sniffUnit(ut: UnitType, unit: string): Unit | undefined {
  let u = unit.toLowerCase();
  if (u.length > 2 && u.endsWith('s')) u = u.slice(0, -1);
  return ut.units.find((x) => x.aliases.includes(u));
}

function autoScale(ut: UnitType, value: number): [number, string] | null {
  let f = 0;
  let name = '';
  for (const u of ut.units) {
    if (u.factor >= f && value / u.factor >= 1) {
      f = u.factor;
      name = u.name;
    }
  }
  return f === 0 ? null : [value / f, name];
}

/**
 * pprof's `measurement.Scale`: converts `value` in `fromUnit` to `toUnit` ("auto"/"minimum" pick the
 * largest unit the value reaches). Returns the scaled value and the unit to print ("" for counts).
 */
export function scaleValue(value: number, fromUnit: string, toUnit: string): [number, string] {
  if (value < 0) {
    const [v, u] = scaleValue(-value, fromUnit, toUnit);
    return [-v, u];
  }
  for (const ut of UNIT_TYPES) {
    const from = sniffUnit(ut, fromUnit);
    if (!from) continue;
    const v = value * from.factor;
    if (toUnit === 'minimum' || toUnit === 'auto') {
      const scaled = autoScale(ut, v);
      return scaled ?? [v / ut.defaultUnit.factor, ut.defaultUnit.name];
    }
    const to = sniffUnit(ut, toUnit);
    if (!to) return [v / ut.defaultUnit.factor, ut.defaultUnit.name];
    return [v / to.factor, to.name];
  }
  switch (toUnit) {
    case 'count':
    case 'sample':
    case 'unit':
    case 'minimum':
    case 'auto':
      return [value, ''];
    default:
      return [value, toUnit];
  }
}

/** pprof's `measurement.ScaledLabel`: "512.02kB", "10ms", "1.50MB", "0". */
export function scaledLabel(value: number, fromUnit: string, toUnit: string): string {
  const [v, u] = scaleValue(value, fromUnit, toUnit);
  let sv = goFixed(v, 2);
  if (sv.endsWith('.00')) sv = sv.slice(0, -3);
  if (sv === '0' || sv === '-0') return '0';
  return sv + u;
}

/** pprof's `measurement.Percentage`: at least two digits, padded to 5 ("59.99%", "    0%", "0.0012%"). */
export function percentage(value: number, total: number): string {
  const ratio = total !== 0 ? Math.abs(value / total) * 100 : 0;
  if (ratio >= 99.95 && ratio <= 100.05) return '  100%';
  if (ratio >= 1) return `${goFixed(ratio, 2).padStart(5)}%`;
  return `${goG2(ratio).padStart(5)}%`;
}

/** The unit pprof's `-unit=minimum` (its default) prints a report in, from its smallest and largest values. */
export function selectOutputUnit(minValue: number, maxValue: number, sampleUnit: string): string {
  if (minValue === 0) minValue = maxValue;
  const [, minUnit] = scaleValue(minValue, sampleUnit, 'minimum');
  const [, maxUnit] = scaleValue(maxValue, sampleUnit, 'minimum');
  let unit = minUnit;
  if (minUnit !== maxUnit && minValue * 100 < maxValue) {
    // pprof: scale the minimum by 100 to use larger units, letting it print as low as 0.01.
    [, unit] = scaleValue(100 * minValue, sampleUnit, 'minimum');
  }
  return unit !== '' ? unit : sampleUnit;
}

/** Go's `strconv.FormatFloat(x, 'f', digits, 64)`: correctly rounded, exact ties to even. */
export function goFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : x < 0 ? '-Inf' : 'NaN';
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let s = a.toFixed(digits);
  if (a < 1e21) {
    // toFixed rounds ties up; Go rounds exact ties to even. Look far enough past the last digit to see a tie.
    const wide = a.toFixed(Math.min(100, digits + 30));
    const cut = wide.length - 30;
    if (/^50*$/.test(wide.slice(cut))) {
      const truncated = wide.slice(0, cut).replace(/\.$/, '');
      const last = truncated.charCodeAt(truncated.length - 1) - 48;
      if (last % 2 === 0) s = truncated;
    }
  }
  return (neg ? '-' : '') + s;
}

/** Go's `%.2g` for a non-negative number (what pprof's percentages below 1% use). */
export function goG2(x: number): string {
  if (x === 0) return '0';
  // Two significant digits, correctly rounded with exact ties to even.
  let e = x.toExponential(1);
  const wide = x.toExponential(31);
  const [wm] = wide.split('e') as [string];
  const tail = wm.replace('.', '').slice(2);
  if (/^50*$/.test(tail)) {
    const d2 = wm.charCodeAt(2) - 48;
    if (d2 % 2 === 0) e = `${wm.slice(0, 3)}e${wide.split('e')[1]}`;
  }
  const [mant, expStr] = e.split('e') as [string, string];
  const exp = Number(expStr);
  const digits = mant.replace('.', '');
  if (exp < -4 || exp >= 2) {
    let m = `${digits[0]}.${digits[1]}`;
    m = m.replace(/\.?0+$/, '');
    const ae = Math.abs(exp);
    return `${m}e${exp < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
  }
  // Fixed notation with 2 significant digits, trailing zeros removed (Go's %g does not keep them).
  const decimals = Math.max(0, 1 - exp);
  const v = Number(digits) * 10 ** (exp - 1);
  let s = v.toFixed(decimals);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}
