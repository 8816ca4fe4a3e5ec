// Test data comes in through the bundler (`?raw`), so the analysis layer's tests need no Node file APIs.
declare module '*.jsonl?raw' {
  const text: string;
  export default text;
}
