// Generates protocol/pulsar/generated/pulsar.{js,d.ts} from protocol/pulsar/pulsar.proto (protobufjs static code),
// and places the same pair under dist/ where the compiled protocol code requires it.
const fs = require('fs');
const path = require('path');
const { pbjs, pbts } = require('protobufjs-cli');

const root = path.join(__dirname, '..');
const proto = path.join(root, 'protocol', 'pulsar', 'pulsar.proto');
const outDir = path.join(root, 'protocol', 'pulsar', 'generated');
const distDir = path.join(root, 'dist', 'protocol', 'pulsar', 'generated');
const js = path.join(outDir, 'pulsar.js');
const dts = path.join(outDir, 'pulsar.d.ts');

function run(tool, args) {
  return new Promise((resolve, reject) => tool.main(args, (err) => (err ? reject(err) : resolve())));
}

function mtime(f) {
  try {
    return fs.statSync(f).mtimeMs;
  } catch {
    return 0;
  }
}

async function main() {
  const inputs = Math.max(mtime(proto), mtime(__filename), mtime(path.join(__dirname, 'pbjs-wrapper.js')));
  if (Math.min(mtime(js), mtime(dts)) < inputs) {
    fs.mkdirSync(outDir, { recursive: true });
    const common = [
      '-t',
      'static-module',
      '-w',
      path.join(__dirname, 'pbjs-wrapper.js'),
      '--dependency',
      'protobufjs/minimal',
      '--force-number',
      '--no-create',
      '--no-verify',
      '--no-convert',
      '--no-delimited',
      '--no-typeurl',
      '--no-service',
    ];
    // pbts reads the JSDoc of a commented build; the runtime module carries no comments (smaller, faster to load)
    const commented = path.join(outDir, 'pulsar.commented.js');
    await run(pbjs, [...common, '-o', commented, proto]);
    await run(pbts, ['--no-comments', '-o', dts, commented]);
    fs.unlinkSync(commented);
    await run(pbjs, [...common, '--no-comments', '-o', js, proto]);
    // 64-bit reads go through the wrapper's helpers, and defaults are plain numbers whatever protobufjs's Long setting
    const code = fs
      .readFileSync(js, 'utf8')
      .replace(/message\.ackSet\.push\(reader\.int64\(\)\)/g, 'message.ackSet.push($i64exact(reader))')
      .replace(/reader\.uint64\(\)/g, '$u64(reader)')
      .replace(/reader\.int64\(\)/g, '$i64(reader)')
      .replace(/\$util\.Long \? \$util\.Long\.fromBits\((-?\d+),-?\d+,(true|false)\) : (-?\d+);/g, '$3;');
    if (/reader\.u?int64\(\)|\$util\.Long/.test(code)) throw new Error('generated code still reads 64-bit fields through protobufjs Long');
    fs.writeFileSync(js, code);
    // --force-number leaves the Long import unused; dropping it spares users a types dependency
    const types = fs
      .readFileSync(dts, 'utf8')
      .replace(/^import Long = require\("long"\);\n/m, '')
      // ack set words are exact: BigInts as read, numbers or {low, high} halves as written
      .replace(/ackSet\?: \(number\[\]\|null\);/g, 'ackSet?: ((number|bigint)[]|null);')
      .replace(/public ackSet: number\[\];/g, 'public ackSet: (number|bigint)[];');
    if (/\bLong\b/.test(types)) throw new Error('generated types still mention Long');
    fs.writeFileSync(dts, types);
  }
  fs.mkdirSync(distDir, { recursive: true });
  for (const f of [js, dts]) fs.copyFileSync(f, path.join(distDir, path.basename(f)));
}

main().catch((err) => {
  console.error(`protocol code generation failed: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
