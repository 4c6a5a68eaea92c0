import { expect } from 'chai';
import { parseResult, percentile, type RunResult } from '../../../bench/run-result';
import { fmt, formatKafkaTable, formatTable, median, METRICS, summarize, type Round } from '../../../bench/table';

function run(
  messages: number,
  seconds: number,
  cpuSec: number,
  rssMb: number,
  p50Ms: number | null = null,
  p99Ms: number | null = null,
): RunResult {
  return { messages, seconds, p50Ms, p99Ms, cpuSec, rssMb };
}

describe('bench table', () => {
  it('median takes the middle value, the mean of the middle two, and ignores missing values', () => {
    expect(median([5, 1, 3])).to.equal(3);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
    expect(median([null, 7, NaN, undefined, 1])).to.equal(4);
    expect(Number.isNaN(median([]))).to.equal(true);
  });

  it('percentile uses the nearest rank the Java driver uses', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).to.equal(51);
    expect(percentile(sorted, 99)).to.equal(100);
    expect(Number.isNaN(percentile([], 50))).to.equal(true);
  });

  it('summarize gives each side median and the median of per-round ratios, not the ratio of medians', () => {
    const rounds: Round[] = [
      { cortado: run(1000, 1, 1, 50), java: run(1000, 2, 2, 100), load: 1 }, // 1000 vs 500 msg/s: 2.0
      { cortado: run(1000, 4, 1, 50), java: run(1000, 1, 2, 100), load: 1 }, // 250 vs 1000: 0.25
      { cortado: run(1000, 2, 1, 50), java: run(1000, 1.6, 2, 100), load: 1 }, // 500 vs 625: 0.8
    ];
    const s = summarize(rounds, METRICS.msgPerSec);
    expect(s.cortado).to.equal(500);
    expect(s.java).to.equal(625);
    expect(s.ratio).to.be.closeTo(0.8, 1e-12);
    expect(summarize(rounds, METRICS.cpuPer100k)).to.deep.equal({ cortado: 100, java: 200, ratio: 0.5 });
  });

  it('formats one row per scenario with ratios, dashes where Java or latency is missing, and the load of each round', () => {
    const table = formatTable([
      { name: 'produce', rounds: [{ cortado: run(100_000, 2, 5, 80, 1.5, 9), java: run(100_000, 4, 10, 200, 3, 9), load: 1.26 }] },
      {
        name: 'consume',
        rounds: [
          { cortado: run(100_000, 1, 3, 90), load: 2 },
          { cortado: run(100_000, 1, 3, 90), load: 3.04 },
        ],
      },
    ]);
    const lines = table.split('\n');
    expect(lines).to.have.length(4);
    expect(lines[2]).to.equal(
      '| produce | 50000 / 25000 (**2.00**) | 1.50 / 3.00 (**0.50**) | 9.00 / 9.00 (**1.00**) | 5.00 / 10.0 (**0.50**) | 80.0 / 200 (**0.40**) | 1.3 |',
    );
    expect(lines[3]).to.equal('| consume | 100000 / — | — | — | 3.00 / — | 90.0 / — | 2.0, 3.0 |');
  });

  it("adds the other Node's msg/s and CPU columns, each with its ratio to Java, when the bench ran one (--node)", () => {
    const table = formatTable(
      [
        {
          name: 'produce',
          rounds: [
            {
              cortado: run(100_000, 2, 5, 80, 1, 2),
              cortadoAlt: run(100_000, 1, 4, 90, 1, 2),
              java: run(100_000, 4, 10, 200, 1, 2),
              load: 1,
            },
          ],
        },
        { name: 'consume', rounds: [{ cortado: run(100_000, 1, 3, 90), cortadoAlt: run(100_000, 2, 6, 90), load: 2 }] },
      ],
      'Node 24',
    );
    const lines = table.split('\n');
    expect(lines[0]).to.match(/\| load per round \| Node 24: msg\/s \(÷ Java\) \| Node 24: CPU s per 100k \(÷ Java\) \|$/);
    expect(lines[1].split('|')).to.have.length(lines[0].split('|').length);
    expect(lines[2]).to.match(/ \| 1\.0 \| 100000 \(\*\*4\.00\*\*\) \| 4\.00 \(\*\*0\.40\*\*\) \|$/);
    // no Java: the other Node's figures alone
    expect(lines[3]).to.match(/ \| 2\.0 \| 50000 \| 6\.00 \|$/);
  });

  it('formats the Kafka table with four clients, n/a where kafkajs or @platformatic/kafka cannot run, and each target met or missed', () => {
    const table = formatKafkaTable([
      {
        name: 'sequential',
        latencyTargets: true,
        rounds: [
          {
            cortado: run(1000, 1, 1, 60, 1, 2),
            java: run(1000, 2, 2, 120, 2, 2),
            kafkajs: run(1000, 4, 4, 90, 4, 8),
            platformatic: run(1000, 1, 3, 100, 1, 4),
            load: 1.2,
          },
        ],
      },
      {
        name: 'batched + LZ4',
        latencyTargets: false,
        kafkajsNa: 'no codec',
        platformaticNa: 'no Node 24',
        rounds: [{ cortado: run(1000, 1, 1, 100, 5, 9), java: run(1000, 1, 1, 100, 5, 9), load: 0.8 }],
      },
    ]);
    const lines = table.split('\n');
    expect(lines).to.have.length(4);
    expect(lines[0]).to.contain('| msg/s cortado / Java / kafkajs / @platformatic/kafka (÷ Java) |');
    expect(lines[2]).to.equal(
      '| sequential | 1000 / 500 / 250 / 1000 (**2.00**; 0.50; platformatic 2.00) | 1.00 / 2.00 / 4.00 / 1.00 (**0.50**; 2.00; platformatic 0.50) | ' +
        '2.00 / 2.00 / 8.00 / 4.00 (**1.00**; 4.00; platformatic 2.00) | ' +
        '100 / 200 / 400 / 300 (**0.50**; 2.00; platformatic 1.50) | 60.0 / 120 / 90.0 / 100 (**0.50**; 0.75; platformatic 0.83) | ' +
        'msg/s ≥ 1.2 ✓, CPU ≤ 0.7 ✓, RSS ≤ 0.6 ✓, p50 ≤ 1.0 ✓, p99 ≤ 1.0 ✓ | 1.2 |',
    );
    expect(lines[3]).to.equal(
      '| batched + LZ4 | 1000 / 1000 / n/a / n/a (**1.00**) | 5.00 / 5.00 / n/a / n/a (**1.00**) | 9.00 / 9.00 / n/a / n/a (**1.00**) | ' +
        '100 / 100 / n/a / n/a (**1.00**) | 100 / 100 / n/a / n/a (**1.00**) | msg/s ≥ 1.2 ✗, CPU ≤ 0.7 ✗, RSS ≤ 0.6 ✗ | 0.8 |',
    );
  });

  it('fmt keeps about three significant digits', () => {
    expect([fmt(123456.7), fmt(123.4), fmt(12.34), fmt(1.234), fmt(0.1234), fmt(NaN)]).to.deep.equal([
      '123457',
      '123',
      '12.3',
      '1.23',
      '0.123',
      '—',
    ]);
  });

  it('parseResult reads the RESULT line among log lines and names the output when it is missing', () => {
    const r = parseResult('log line\nRESULT {"messages":5,"seconds":1,"p50Ms":null,"p99Ms":null,"cpuSec":0.5,"rssMb":70}\nmore\n');
    expect(r).to.deep.equal(run(5, 1, 0.5, 70));
    expect(() => parseResult('only logs')).to.throw(/no RESULT line; output ends:\nonly logs/);
  });
});
