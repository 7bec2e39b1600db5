/** The bug zoo's counterexamples (web/counterexamples/*.jsonl), bundled by web/build.js: mutant name -> trace file text. */
declare module 'virtual:counterexamples' {
  export const COUNTEREXAMPLES: Readonly<Record<string, string>>;
}
