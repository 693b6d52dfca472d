import { neutraliseCell, restoreCell } from '../../domain/bulk/csv-cells';

const TRIGGERS = ['=', '+', '-', '@', '\t', '\r'];

describe('neutraliseCell', () => {
  it.each([
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+14155550100', "'+14155550100"],
    ['-5', "'-5"],
    ['@cmd', "'@cmd"],
    ['\tindented', "'\tindented"],
    ['\rcarriage', "'\rcarriage"],
    ["'=already quoted", "''=already quoted"],
    ["''-x", "'''-x"],
    ['plain', 'plain'],
    ['', ''],
    ["'", "'"],
    ["''", "''"],
    ["'plain", "'plain"],
    ['a=b', 'a=b'],
    [' =1+1', ' =1+1'],
    ['\n=1', '\n=1'],
    ['5-3', '5-3'],
  ])('%j → %j', (value, expected) => {
    expect(neutraliseCell(value)).toBe(expected);
  });

  it('never leaves a formula character in front', () => {
    for (const trigger of TRIGGERS) {
      const out = neutraliseCell(`${trigger}HYPERLINK("http://evil")`);
      expect(TRIGGERS).not.toContain(out[0]);
    }
  });
});

describe('restoreCell', () => {
  it.each([
    ["'=SUM(A1:A9)", '=SUM(A1:A9)'],
    ["'+14155550100", '+14155550100'],
    ["'-5", '-5'],
    ["''=already quoted", "'=already quoted"],
    ['-5', '-5'],
    ['+14155550100', '+14155550100'],
    ["'plain", "'plain"],
    ["'", "'"],
    ["''", "''"],
    ['', ''],
  ])('%j → %j', (value, expected) => {
    expect(restoreCell(value)).toBe(expected);
  });
});

describe('export → import is a no-op', () => {
  it.each([
    "'=already quoted",
    "''",
    "'",
    '',
    '-5',
    '+14155550100',
    '=1+1',
    '@SUM(1)',
    '\t',
    '\r',
    '\r\n',
    "'\t",
    "'''@",
    'Sales Queue',
    'naïve 日本語 🎧',
    "O'Brien",
    "'quoted'",
  ])('%j', (value) => {
    expect(restoreCell(neutraliseCell(value))).toBe(value);
  });

  it('holds for every string of up to 4 characters over the interesting alphabet', () => {
    const alphabet = ["'", ...TRIGGERS, 'a', ' ', '\n'];
    const broken: string[] = [];
    let checked = 0;
    const visit = (value: string): void => {
      if (restoreCell(neutraliseCell(value)) !== value) broken.push(value);
      checked += 1;
      if (value.length < 4) for (const char of alphabet) visit(value + char);
    };
    visit('');
    expect(broken).toEqual([]);
    expect(checked).toBe((alphabet.length ** 5 - 1) / (alphabet.length - 1));
  });
});
