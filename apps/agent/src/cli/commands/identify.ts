// `voicesync identify --file F`: who is speaking? Top-k matches; exit 4 when none clears the threshold.
import { VoicesyncError } from '@voicesync/core';
import type { Command } from 'commander';
import { readOneEmbedding } from './embeddings-file/index.ts';
import { agentOption, agentTarget, requestJson } from './http-client/index.ts';
import { formatTable, printJson, terminalColors } from './output/index.ts';

interface Identification {
  accepted: boolean;
  threshold?: number;
  matches: Array<{ speakerId: string; name: string; score: number }>;
}

async function identify(flags: { agent: string; file: string; k?: string; json?: boolean }): Promise<void> {
  const k = flags.k === undefined ? undefined : Number(flags.k);
  if (k !== undefined && (!Number.isInteger(k) || k < 1 || k > 32)) {
    throw new VoicesyncError('invalid_usage', '-k must be an integer from 1 to 32');
  }
  const embedding = readOneEmbedding(flags.file);
  const answer = await requestJson<Identification>(agentTarget(flags), '/v1/identify', {
    method: 'POST',
    body: { embedding, ...(k === undefined ? {} : { k }) },
  });
  if (flags.json) printJson(answer);
  else {
    const c = terminalColors();
    const best = answer.matches[0];
    const threshold = answer.threshold === undefined ? '' : ` threshold ${answer.threshold.toFixed(4)}`;
    console.log(
      answer.accepted && best
        ? `${c.green('match')}: ${best.name} (${best.speakerId}), score ${best.score.toFixed(4)} >=${threshold}`
        : `${c.red('no match')} above the${threshold || ' threshold'}`,
    );
    if (answer.matches.length > 0) {
      const rows = answer.matches.map((m, i) => [String(i + 1), m.speakerId, m.name, m.score.toFixed(4)]);
      console.log(formatTable(['#', 'SPEAKER', 'NAME', 'SCORE'], rows));
    }
  }
  if (!answer.accepted) throw new VoicesyncError('rejected', 'no speaker matched above the threshold');
}

export function registerIdentify(program: Command): void {
  program
    .command('identify')
    .description(
      'find the enrolled speakers closest to one embedding (POST /v1/identify); exit 4 when none matches',
    )
    .requiredOption('-f, --file <file>', 'one embedding: JSON array or .npy')
    .option('-k, --k <n>', 'how many matches to return (1-32; default: the agent’s identifyK)')
    .addOption(agentOption())
    .option('--json', 'print the raw JSON answer')
    .action(identify);
}
