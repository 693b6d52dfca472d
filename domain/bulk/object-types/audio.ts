import type { ObjectTypeDefinition } from '../object-type';

/** Audio files: a zip of .wav files keyed by file name; no CSV, no export. */
export const AUDIO_TYPES: readonly ObjectTypeDefinition[] = [
  {
    id: 'audio-files',
    label: 'Audio Files',
    description:
      'WAV prompts and music, imported as a zip (folders walked recursively); a file with an existing name replaces it.',
    format: 'audio-zip',
    keyFields: ['name'],
    columns: [],
  },
];
