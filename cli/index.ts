#!/usr/bin/env node
import { Command } from 'commander';
import { brokerCommand } from './broker';
import { consumeCommand, type ConsumeFlags } from './consume';
import { collect, integer, property, withClientOptions, withProducerOptions } from './options';
import { perfConsumeCommand, perfProduceCommand, type PerfConsumeFlags, type PerfProduceFlags } from './perf';
import { produceCommand, type ProduceFlags } from './produce';

/** The `cortado` command line; `argv` as process.argv gives it. */
export function program(): Command {
  const root = new Command('cortado')
    .description(
      'Produce, consume and load-test Apache Pulsar and Apache Kafka topics with cortado. Unset options fall back to CORTADO_* environment variables.',
    )
    .showHelpAfterError()
    .configureHelp({ showGlobalOptions: true });

  withProducerOptions(root.command('produce <topic>').description('send messages: each -m value, or each stdin line'))
    .option('-m, --message <value>', 'a message value (repeatable)', collect)
    .option('-k, --key <key>', 'the message key (routes it to a partition)')
    .option('-n, --count <n>', 'send each value n times', integer(1), 1)
    .option('-p, --property <key=value>', 'a message property (repeatable)', property)
    .action((topic: string, f: ProduceFlags) => produceCommand(topic, f));

  withClientOptions(
    root
      .command('consume <topic>')
      .description('follow a topic and print key, value and properties of each message (on Kafka, --subscription is the consumer group)'),
  )
    .option('-s, --subscription <name>', 'subscription name', 'cortado-cli')
    .option('-t, --subscription-type <type>', 'exclusive|shared|failover|key_shared')
    .option('--position <where>', 'where a new subscription starts: earliest|latest', 'latest')
    .option('-n, --count <n>', 'stop after n messages (0 = follow until Ctrl-C)', integer(0), 0)
    .option('--json', 'one JSON object per line')
    .action((topic: string, f: ConsumeFlags) => consumeCommand(topic, f));

  const perf = root.command('perf').description('load tests in the manner of pulsar-perf: a live rate line, then a table');
  withProducerOptions(perf.command('produce <topic>').description('send fixed-size messages at a rate'))
    .option('-r, --rate <msgs>', 'messages per second (0 = as fast as --in-flight allows)', integer(0), 0)
    .option('-m, --messages <n>', 'stop after n messages (0 = no limit)', integer(0), 0)
    .option('-d, --duration <seconds>', 'stop after this many seconds (0 = no limit)', integer(0), 0)
    .option('-s, --size <bytes>', 'message size', integer(0), 1024)
    .option('-o, --in-flight <n>', 'most messages awaiting receipts at once', integer(1), 1000)
    .option('-k, --keys <n>', 'cycle through n keys (0 = keyless, round robin)', integer(0), 0)
    .option('-i, --interval <ms>', 'live line interval', integer(100), 1000)
    .action((topic: string, f: PerfProduceFlags) => {
      if (f.messages === 0 && f.duration === 0) process.stderr.write('no --messages or --duration: running until Ctrl-C\n');
      return perfProduceCommand(topic, f);
    });
  withClientOptions(perf.command('consume <topic>').description('receive and acknowledge, measuring publish-to-receipt latency'))
    .option('-s, --subscription <name>', 'subscription name', 'cortado-perf')
    .option('-t, --subscription-type <type>', 'exclusive|shared|failover|key_shared')
    .option('--position <where>', 'earliest|latest', 'latest')
    .option('-m, --messages <n>', 'stop after n messages (0 = no limit)', integer(0), 0)
    .option('-d, --duration <seconds>', 'stop after this many seconds (0 = no limit)', integer(0), 0)
    .option('-i, --interval <ms>', 'live line interval', integer(100), 1000)
    .action((topic: string, f: PerfConsumeFlags) => perfConsumeCommand(topic, f));

  root
    .command('broker')
    .description('start a local Pulsar standalone for development (Docker, or the distribution with Java 17 + Maven)')
    .option('--kafka', 'a single-node Apache Kafka (KRaft) instead, from the Maven Central jars (Java 17 + Maven)')
    .action((f: { kafka?: boolean }) => brokerCommand(f));
  return root;
}

if (require.main === module) {
  program()
    .parseAsync(process.argv)
    .catch((err: Error & { code?: string }) => {
      process.stderr.write(`cortado: ${err.code ? `${err.code}: ` : ''}${err.message}\n`);
      process.exitCode = 1;
    });
}
