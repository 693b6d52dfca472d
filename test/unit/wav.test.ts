import {
  AUDIO_FILE_NAME_MAX_LENGTH,
  WAV_HEADER_BYTES,
  audioFileName,
  isWavFileName,
  isWavHeader,
  validateAudioFileName,
} from '../../domain/bulk/wav';

const header = (text: string) => Uint8Array.from(Buffer.from(text, 'latin1'));

describe('isWavHeader', () => {
  it('needs 12 bytes', () => {
    expect(WAV_HEADER_BYTES).toBe(12);
  });

  it.each([
    ['RIFF\x24\x08\x00\x00WAVE', true],
    ['RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00', true],
    ['RIFF\xff\xff\xff\xffWAVE', true],
    ['RIFX\x24\x08\x00\x00WAVE', false],
    ['RF64\xff\xff\xff\xffWAVE', false],
    ['RIFF\x24\x08\x00\x00AVI ', false],
    ['riff\x24\x08\x00\x00wave', false],
    ['ID3\x04\x00\x00\x00\x00\x00\x00\x00\x00', false],
    ['PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00', false],
    ['RIFF\x24\x08\x00\x00WAV', false],
    ['RIFF', false],
    ['', false],
  ])('%j → %s', (text, expected) => {
    expect(isWavHeader(header(text))).toBe(expected);
  });

  it('accepts a Buffer', () => {
    expect(isWavHeader(Buffer.from('RIFF\x24\x08\x00\x00WAVE', 'latin1'))).toBe(true);
  });
});

describe('audioFileName', () => {
  it.each([
    ['welcome.wav', 'welcome.wav'],
    ['prompts/en/Welcome Message.wav', 'Welcome Message.wav'],
    ['a/b/c/d/hold.WAV', 'hold.WAV'],
    ['windows\\style\\path.wav', 'path.wav'],
  ])('%s → %s', (entryPath, expected) => {
    expect(audioFileName(entryPath)).toBe(expected);
  });

  it('gives the same key to the same file name in different folders', () => {
    expect(audioFileName('en/welcome.wav')).toBe(audioFileName('backup/old/welcome.wav'));
  });
});

describe('isWavFileName', () => {
  it.each([
    ['a.wav', true],
    ['A.WAV', true],
    ['mixed.WaV', true],
    ['.wav', true],
    ['a.wav.mp3', false],
    ['a.mp3', false],
    ['wav', false],
    ['a.wave', false],
    ['a_wav', false],
  ])('%s → %s', (name, expected) => {
    expect(isWavFileName(name)).toBe(expected);
  });
});

describe('validateAudioFileName', () => {
  it.each([
    'welcome.wav',
    'Welcome Message - V1.wav',
    'queue_hold.music-2024.WAV',
    `${'a'.repeat(AUDIO_FILE_NAME_MAX_LENGTH - 4)}.wav`,
  ])('accepts %j', (name) => {
    expect(validateAudioFileName(name)).toBeUndefined();
  });

  it('rejects names over 80 characters, naming the file and the limit', () => {
    const name = `${'a'.repeat(AUDIO_FILE_NAME_MAX_LENGTH - 3)}.wav`;
    expect(validateAudioFileName(name)).toBe(
      `audio file "${name}" breaks the Webex file name rules: it is 81 characters long; at most 80 are allowed`,
    );
  });

  it('rejects characters outside the Webex set, listing them', () => {
    expect(validateAudioFileName('bienvenida (español)#1.wav')).toBe(
      'audio file "bienvenida (español)#1.wav" breaks the Webex file name rules: it contains "(", "ñ", ")", "#"; ' +
        'only letters a-z/A-Z, digits, spaces, ".", "_" and "-" are allowed',
    );
  });

  it('rejects other extensions', () => {
    expect(validateAudioFileName('welcome.mp3')).toBe(
      'audio file "welcome.mp3" breaks the Webex file name rules: it must have a .wav extension',
    );
  });

  it('reports every broken rule at once', () => {
    const message = validateAudioFileName(`${'é'.repeat(90)}.mp3`);
    expect(message).toMatch(/^audio file "é+\.mp3" breaks the Webex file name rules: /);
    expect(message).toContain('it must have a .wav extension');
    expect(message).toContain('it is 94 characters long; at most 80 are allowed');
    expect(message).toContain('it contains "é"');
  });
});
