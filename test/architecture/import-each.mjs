// Imports each file given on the command line in its own module namespace
// (tsx's tsImport), so every file is evaluated as if it were the first one
// imported; prints the failures as JSON. Used by imports.test.ts.
import { tsImport } from 'tsx/esm/api';

const failures = [];
for (const file of process.argv.slice(2)) {
  try {
    await tsImport(`./${file}`, { parentURL: `file://${process.cwd()}/`, namespace: `import-each:${file}` });
  } catch (error) {
    failures.push(`${file}: ${String(error).split('\n')[0]}`);
  }
}
process.stdout.write(JSON.stringify(failures));
