// `voicesync enroll <speakerId> --file F`: adds enrolment embeddings to a profile in batches, with a progress bar.
import { PRIORITIES } from '@voicesync/core';
import { type Command, Option } from 'commander';
import { readEmbeddings } from './embeddings-file/index.ts';
import { type EnrolmentResult, parseBatch, postSamples } from './enrolment/index.ts';
import { agentOption, agentTarget } from './http-client/index.ts';
import { printJson } from './output/index.ts';
import { startProgress } from './progress/index.ts';

interface EnrollFlags {
  agent: string;
  file: string;
  name?: string;
  batch: string;
  priority?: string;
  json?: boolean;
}

async function enroll(speakerId: string, flags: EnrollFlags): Promise<void> {
  const batch = parseBatch(flags.batch);
  const embeddings = readEmbeddings(flags.file);
  const bar = startProgress(`enrolling ${speakerId}`, embeddings.length, 'samples');
  let result: EnrolmentResult;
  try {
    result = await postSamples(agentTarget(flags), speakerId, embeddings, {
      name: flags.name,
      priority: flags.priority,
      batch,
      onBatch: (sent) => bar.update(sent),
    });
  } finally {
    bar.stop();
  }
  if (flags.json) printJson(result);
  else {
    console.log(
      `enrolled ${speakerId}: ${embeddings.length} samples added, ${result.totalSamples} in total, version ${result.version}`,
    );
  }
}

export function registerEnroll(program: Command): void {
  program
    .command('enroll')
    .description('add enrolment embeddings to a speaker (POST /v1/profiles/:id/samples), creating it if new')
    .argument('<speakerId>', 'speaker to enrol')
    .requiredOption(
      '-f, --file <file>',
      'embeddings: JSON (array or array of arrays) or .npy (float32/float64)',
    )
    .option('-n, --name <name>', 'display name (required for a new speaker)')
    .option('--batch <n>', 'embeddings per request (1-1000)', '100')
    .addOption(new Option('--priority <priority>', 'upload priority (default HIGH)').choices([...PRIORITIES]))
    .addOption(agentOption())
    .option('--json', 'print the last answer as JSON')
    .action(enroll);
}
