// tsc copies no .proto files; the runtime loads the schema next to the compiled protocol code.
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..');
fs.mkdirSync(path.join(root, 'dist/protocol'), { recursive: true });
for (const f of fs.readdirSync(path.join(root, 'protocol'))) {
  if (f.endsWith('.proto')) fs.copyFileSync(path.join(root, 'protocol', f), path.join(root, 'dist/protocol', f));
}
