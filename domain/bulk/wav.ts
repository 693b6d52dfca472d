/**
 * Pure rules for audio imports (no I/O: workflows import this). An audio ZIP is walked recursively; an entry becomes a
 * Webex audio file only when its name ends in .wav AND its content starts with a RIFF/WAVE header. The audio key is
 * the bare file name, so `prompts/en/welcome.wav` and `welcome.wav` are the same file and the later one replaces it.
 */

/** Bytes needed to recognise a WAV file: "RIFF", a 4-byte little-endian chunk size, "WAVE". */
export const WAV_HEADER_BYTES = 12;

/** Webex limits for audio file names. */
export const AUDIO_FILE_NAME_MAX_LENGTH = 80;
const AUDIO_FILE_NAME_PATTERN = /^[a-zA-Z0-9._\-\s]*$/;
const AUDIO_FILE_NAME_CHAR = /[a-zA-Z0-9._\-\s]/;

function hasAscii(bytes: Uint8Array, offset: number, text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    if (bytes[offset + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}

/** True when the first bytes of a file are a RIFF header of form type WAVE. Needs {@link WAV_HEADER_BYTES} bytes. */
export function isWavHeader(first12Bytes: Uint8Array): boolean {
  return (
    first12Bytes.length >= WAV_HEADER_BYTES && hasAscii(first12Bytes, 0, 'RIFF') && hasAscii(first12Bytes, 8, 'WAVE')
  );
}

/** The audio file name for a ZIP entry path: its last path segment (`a/b/Welcome.wav` → `Welcome.wav`). */
export function audioFileName(entryPath: string): string {
  return entryPath.slice(Math.max(entryPath.lastIndexOf('/'), entryPath.lastIndexOf('\\')) + 1);
}

/** Case-insensitive `.wav` extension check (`Hold.WAV` counts). */
export function isWavFileName(name: string): boolean {
  return /\.wav$/i.test(name);
}

/**
 * Checks a file name against the Webex audio rule: at most 80 characters, only letters, digits, '.', '_', '-' and
 * whitespace, and a .wav extension. Returns a message naming the file and every rule it breaks, or undefined.
 */
export function validateAudioFileName(name: string): string | undefined {
  const problems: string[] = [];
  if (!isWavFileName(name)) problems.push('it must have a .wav extension');
  if (name.length > AUDIO_FILE_NAME_MAX_LENGTH) {
    problems.push(`it is ${name.length} characters long; at most ${AUDIO_FILE_NAME_MAX_LENGTH} are allowed`);
  }
  if (!AUDIO_FILE_NAME_PATTERN.test(name)) {
    const bad = [...new Set([...name].filter((char) => !AUDIO_FILE_NAME_CHAR.test(char)))];
    problems.push(
      `it contains ${bad.map((char) => JSON.stringify(char)).join(', ')}; ` +
        'only letters a-z/A-Z, digits, spaces, ".", "_" and "-" are allowed',
    );
  }
  if (problems.length === 0) return undefined;
  return `audio file ${JSON.stringify(name)} breaks the Webex file name rules: ${problems.join('; ')}`;
}
