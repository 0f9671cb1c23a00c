// `voicesync import --file speakers.json`: enrols many speakers from one file, with one progress bar over all samples.
import { readFileSync } from 'node:fs';
import { PRIORITIES, VoicesyncError } from '@voicesync/core';
import { speakerIdSchema, storableText } from '@voicesync/schema';
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { checkEmbeddings } from './embeddings-file/index.ts';
import { parseBatch, postSamples } from './enrolment/index.ts';
import { type ApiTarget, agentOption, agentTarget, requestJson } from './http-client/index.ts';
import { startProgress } from './progress/index.ts';

// The agent's own rules for a speaker id and a name, so a bad entry fails before the first request.
const speakerSchema = z.object({
  speakerId: speakerIdSchema,
  name: storableText().trim().min(1).max(200).optional(),
  embeddings: z.array(z.array(z.number())),
});
const importSchema = z.union([z.array(speakerSchema), z.object({ speakers: z.array(speakerSchema) })]);

type ImportedSpeaker = z.infer<typeof speakerSchema>;

/** The speakers of an import file, every id, name and embedding checked before anything is sent. */
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
  const dim = speakers[0]?.embeddings[0]?.length;
  for (const speaker of speakers) {
    const where = `${path} (${speaker.speakerId})`;
    checkEmbeddings(speaker.embeddings, where);
    // One dimension for the whole file: the agent then accepts or refuses it at the first request.
    const own = speaker.embeddings[0]?.length;
    if (own !== dim) {
      throw new VoicesyncError(
        'invalid_usage',
        `${where}: embeddings have ${own} values, those of ${speakers[0]?.speakerId} have ${dim}`,
      );
    }
  }
  return speakers;
}

/** The agent refuses a new speaker without a name: find every such entry before the first request. */
async function checkNewSpeakersNamed(
  agent: ApiTarget,
  speakers: ImportedSpeaker[],
  path: string,
): Promise<void> {
  const seen = new Set<string>();
  const unnamed: string[] = [];
  for (const { speakerId, name } of speakers) {
    if (!seen.has(speakerId) && name === undefined) unnamed.push(speakerId);
    seen.add(speakerId);
  }
  const unknown: string[] = [];
  for (const speakerId of unnamed) {
    try {
      await requestJson(agent, `/v1/profiles/${encodeURIComponent(speakerId)}`);
    } catch (error) {
      const status = error instanceof VoicesyncError ? error.details?.status : undefined;
      if (status !== 404) throw error;
      unknown.push(speakerId);
    }
  }
  if (unknown.length > 0) {
    throw new VoicesyncError(
      'invalid_usage',
      `${path}: new speakers need a "name", nothing was imported: ${unknown.join(', ')}`,
    );
  }
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
  await checkNewSpeakersNamed(agent, speakers, flags.file);
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
