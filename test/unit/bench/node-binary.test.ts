import { expect } from 'chai';
import { atLeast, benchNode, nodeArg, probeNode } from '../../../bench/node-binary';

describe('bench --node', () => {
  it('reads --node PATH, --node=PATH, then CORTADO_BENCH_NODE, and nothing when none is given', () => {
    expect(nodeArg(['--node', '/x/node'], {})).to.equal('/x/node');
    expect(nodeArg(['--backend', 'kafka', '--node=24'], { CORTADO_BENCH_NODE: '/y' })).to.equal('24');
    expect(nodeArg([], { CORTADO_BENCH_NODE: '/y/node' })).to.equal('/y/node');
    expect(nodeArg([], {})).to.equal(undefined);
    expect(() => nodeArg(['--node', '--quick'], {})).to.throw(
      /--node needs a path to a node binary or a Node line such as 24, got --quick/,
    );
  });

  it("runs this process's own binary to learn its version", () => {
    expect(probeNode(process.execPath)).to.deep.equal({ path: process.execPath, version: process.version });
    expect(benchNode(['--node', process.execPath], {})).to.deep.equal({ path: process.execPath, version: process.version });
  });

  it('names the path and what to give instead when the binary does not exist', () => {
    expect(() => benchNode(['--node', '/nonexistent/node'], {})).to.throw(
      /--node \/nonexistent\/node: \/nonexistent\/node does not exist \(give a node binary's path, or a Node line .ci\/run has installed, e.g. 24\)/,
    );
  });

  it("compares versions by major and minor, as @platformatic/kafka's engines field needs", () => {
    expect(atLeast('v22.22.0', 22, 22)).to.equal(true);
    expect(atLeast('v22.21.9', 22, 22)).to.equal(false);
    expect(atLeast('v24.0.0', 22, 22)).to.equal(true);
    expect(atLeast('v20.20.2', 22, 22)).to.equal(false);
  });
});
