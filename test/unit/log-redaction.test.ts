import { REDACTED, redactHeaders, redactSerializedRequest, redactUrl } from '../../api/http/log-redaction';

describe('request log redaction', () => {
  it('hides the credentials of all three protocols in headers', () => {
    const headers = redactHeaders({
      authorization: 'Bearer ccf_secret',
      cookie: 'session=abc',
      'x-ms-content-sha256': 'hash',
      'x-acs-signature-nonce': 'nonce',
      'x-api-key': 'k',
      host: '127.0.0.1:8080',
      'x-ms-date': 'Sun, 29 Nov 2026 18:00:00 GMT',
      'content-type': 'application/json',
    });
    expect(headers).toEqual({
      authorization: REDACTED,
      cookie: REDACTED,
      'x-ms-content-sha256': REDACTED,
      'x-acs-signature-nonce': REDACTED,
      'x-api-key': REDACTED,
      host: '127.0.0.1:8080',
      'x-ms-date': 'Sun, 29 Nov 2026 18:00:00 GMT',
      'content-type': 'application/json',
    });
  });

  it('hides signature and access-key query parameters, keeping the rest of the URL as sent', () => {
    expect(
      redactUrl('/?Action=ListJobs&Signature=abc%2B&AccessKeyId=LTAI&SignatureNonce=n1&JobId.1=j&Format=JSON'),
    ).toBe(
      `/?Action=ListJobs&Signature=${REDACTED}&AccessKeyId=${REDACTED}&SignatureNonce=${REDACTED}&JobId.1=j&Format=JSON`,
    );
    expect(redactUrl('/routing/jobs/j1?api-version=2023-11-01')).toBe('/routing/jobs/j1?api-version=2023-11-01');
    expect(redactUrl('/v1/x?access_key=1&%53ignature=2')).toBe(`/v1/x?access_key=${REDACTED}&%53ignature=${REDACTED}`);
  });

  it('redacts a serialized request whole, leaving other fields alone', () => {
    const serialized = {
      id: 'r1',
      method: 'GET',
      url: '/?Signature=s',
      query: { Signature: 's', q: 'x' },
      headers: { authorization: 'a' },
    };
    expect(redactSerializedRequest(serialized)).toEqual({
      id: 'r1',
      method: 'GET',
      url: `/?Signature=${REDACTED}`,
      query: { Signature: REDACTED, q: 'x' },
      headers: { authorization: REDACTED },
    });
  });
});
