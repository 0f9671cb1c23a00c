// `voicesync import --file speakers.json`: enrols many speakers from one file, with one progress bar over all samples.
import { readFileSync } from 'node:fs';
import { PRIORITIES, VoicesyncError } from '@voicesync/core';
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { checkEmbeddings } from './embeddings-file/index.ts';
import { parseBatch, postSamples } from './enrolment/index.ts';
import { agentOption, agentTarget } from './http-client/index.ts';
import { startProgress } from './progress/index.ts';

const speakerSchema = z.object({
  speakerId: z.string().min(1),
  name: z.string().min(1).optional(),
  embeddings: z.array(z.array(z.number())),
});
const importSchema = z.union([z.array(speakerSchema), z.object({ speakers: z.array(speakerSchema) })]);

type ImportedSpeaker = z.infer<typeof speakerSchema>;

/** The speakers of an import file, every embedding checked before anything is sent. */
export function readImportFile(path: string): ImportedSpeaker[] {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new VoicesyncError('invalid_usage', `${path}: cannot read JSON (${(error as Error).message})`);
  }
  const parsed = importSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VoicesyncError(
      'invalid_usage',
      `${path}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`,
    );
  }
  const speakers = Array.isArray(parsed.data) ? parsed.data : parsed.data.speakers;
  for (const speaker of speakers) checkEmbeddings(speaker.embeddings, `${path} (${speaker.speakerId})`);
  return speakers;
}

async function importSpeakers(flags: {
  agent: string;
  file: string;
  batch: string;
  priority?: string;
}): Promise<void> {
  const batch = parseBatch(flags.batch);
  const speakers = readImportFile(flags.file);
  const total = speakers.reduce((sum, s) => sum + s.embeddings.length, 0);
  const agent = agentTarget(flags);
  const bar = startProgress('importing', total, 'samples');
  let done = 0;
  let imported = 0;
  try {
    for (const speaker of speakers) {
      const before = done;
      try {
        await postSamples(agent, speaker.speakerId, speaker.embeddings, {
          name: speaker.name,
          priority: flags.priority,
          batch,
          onBatch: (sent) => {
            done = before + sent;
            bar.update(done);
          },
        });
      } catch (error) {
        // Samples are additive: say exactly what was sent so a re-run does not enrol anyone twice.
        const code = error instanceof VoicesyncError ? error.code : 'import_failed';
        const where = `imported ${imported} of ${speakers.length} speakers before ${speaker.speakerId}`;
        throw new VoicesyncError(code, `${(error as Error).message} (${where})`, { cause: error });
      }
      imported += 1;
    }
  } finally {
    bar.stop();
  }
  console.log(`imported ${imported} speakers, ${total} samples`);
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('enrol many speakers from one JSON file: [{ speakerId, name, embeddings: [[...]] }]')
    .requiredOption('-f, --file <file>', 'JSON array of speakers, or { "speakers": [...] }')
    .option('--batch <n>', 'embeddings per request (1-1000)', '100')
    .addOption(new Option('--priority <priority>', 'upload priority (default HIGH)').choices([...PRIORITIES]))
    .addOption(agentOption())
    .action(importSpeakers);
}
