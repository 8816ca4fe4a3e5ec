// Sample dumps come in through the bundler (`?raw`), so the analysis layer's tests need no Node file APIs.
declare module '*.txt?raw' {
  const text: string;
  export default text;
}
