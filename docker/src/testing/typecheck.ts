/**
 * Type errors of a TypeScript project of its own (the pages' browser code uses the DOM library, which must stay
 * out of the root typecheck of the Node code), so a unit test catches them under `npm test`.
 */
import ts from 'typescript';

export function typeErrors(tsconfig: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    tsconfig,
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  if (!parsed) return [`cannot read ${tsconfig}`];
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  return ts.getPreEmitDiagnostics(program).map((d) =>
    ts.formatDiagnostic(d, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => process.cwd(),
      getNewLine: () => '\n',
    }),
  );
}
