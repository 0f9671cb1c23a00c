// `voicesync verify <speakerId> --file F`: is this embedding the claimed speaker? Exit 4 when rejected.
import { VoicesyncError } from '@voicesync/core';
import type { Command } from 'commander';
import { readOneEmbedding } from './embeddings-file/index.ts';
import { agentOption, agentTarget, requestJson } from './http-client/index.ts';
import { printJson, terminalColors } from './output/index.ts';

interface Verification {
  accepted: boolean;
  score: number;
  threshold: number;
}

async function verify(
  speakerId: string,
  flags: { agent: string; file: string; json?: boolean },
): Promise<void> {
  const embedding = readOneEmbedding(flags.file);
  const answer = await requestJson<Verification>(agentTarget(flags), '/v1/verify', {
    method: 'POST',
    body: { speakerId, embedding },
  });
  if (flags.json) printJson(answer);
  else {
    const c = terminalColors();
    const decision = answer.accepted ? c.green('accepted') : c.red('rejected');
    const relation = answer.accepted ? '>=' : '<';
    console.log(
      `${decision}: ${speakerId} (score ${answer.score.toFixed(4)} ${relation} threshold ${answer.threshold.toFixed(4)})`,
    );
  }
  if (!answer.accepted) throw new VoicesyncError('rejected', `verification of ${speakerId} rejected`);
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('verify a claimed speaker against one embedding (POST /v1/verify); exit 4 when rejected')
    .argument('<speakerId>', 'the claimed speaker')
    .requiredOption('-f, --file <file>', 'one embedding: JSON array or .npy')
    .addOption(agentOption())
    .option('--json', 'print the raw JSON answer')
    .action(verify);
}
