// Path parameters shared by the profile routes.
import { z } from 'zod';
import { speakerIdInput } from '../../profiles/index.ts';

/** `{speakerId}` in a path: the same rule as in a body (refused with invalid_speaker_id). */
export const speakerParams = z.object({ speakerId: speakerIdInput });
