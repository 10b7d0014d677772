// `npm run build`: one self-contained executable, dist/dvara.
import { $ } from 'bun';

await $`rm -rf dist && mkdir -p dist`;
await $`bun build --compile --minify --sourcemap src/cli/main.ts --outfile dist/dvara`;
console.log('built dist/dvara');
