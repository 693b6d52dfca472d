/**
 * Known-answer tests of the request-signing primitives. Every expected value comes from outside this repository:
 * the vendors' documentation, the official SDKs' own unit tests, or the official SDKs' signing code run once on the
 * stated inputs (test/fixtures/python/official_signers.py, in the venv of dev/python-clients.ts). None was produced
 * by running ccflow's code. test/integration/http-protocols.test.ts re-runs the SDK signers live on more inputs.
 */
import { createHash } from 'node:crypto';
import { acsContentHash, acsSignature, acsStringToSign } from '../../api/http/auth/acs-hmac';
import {
  percentEncode,
  rpcV1Signature,
  type V3SignedParts,
  v3CanonicalRequest,
  v3Signature,
} from '../../api/http/auth/alibaba-signature';
import { repeatList } from '../../api/http/rpc';
import { ServiceError } from '../../domain/errors';

const EMPTY_SHA256_BASE64 = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';
const EMPTY_SHA256_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('ACS HMAC-SHA256 (Azure Communication Services access keys)', () => {
  // Azure/azure-sdk-for-python sdk/communication/azure-communication-identity/tests/test_hmac.py: the shared
  // HMACCredentialsPolicy with access key "pw==" and x-ms-date pinned to this value.
  const sdkTestHost = 'contoso.communicationservices.azure.com';
  const sdkTestDate = 'Wed, 13 Apr 2022 18:09:12 GMT';

  it('hashes bodies as base64 SHA-256, the empty body included (job-router.md §1)', () => {
    expect(acsContentHash('')).toBe(EMPTY_SHA256_BASE64);
    expect(acsContentHash(Buffer.alloc(0))).toBe(EMPTY_SHA256_BASE64);
  });

  it('signs with the base64-decoded key: the Azure SDK test vectors', () => {
    expect(acsSignature('pw==', 'banana')).toBe('88EC05aAS9iXnaimtNO78JLjiPtfWryQB/5QYEzEsu8=');
    expect(acsSignature('pw==', '😀')).toBe('1rudJKjn2Zi+3hRrBG29wIF6pD6YyAeQR1ZcFtXoKAU=');
  });

  it('builds VERB\\n<path?query>\\n<date>;<host>;<content hash> and upper-cases the verb', () => {
    expect(
      acsStringToSign({
        method: 'get',
        pathAndQuery: '/testPath?testQuery=yes',
        host: sdkTestHost,
        date: sdkTestDate,
        contentHash: EMPTY_SHA256_BASE64,
      }),
    ).toBe(`GET\n/testPath?testQuery=yes\n${sdkTestDate};${sdkTestHost};${EMPTY_SHA256_BASE64}`);
  });

  it.each([
    ['/', '88MDmJhUR3m5QhFxb8ztShsSwlGrg7g/6XPnWf7QEO4='],
    ['/testPath', 'RoCrHjw7fb9fpHSbqvRUY2xa8RBS0YvI1cxI1x8AS38='],
    ['/testPath?testQuery=yes', 'il99+rd6V5O136roX/zVePCNle78HmvC4B7tu9zRH3I='],
  ])('reproduces the Azure SDK test signature of GET %s', (pathAndQuery, signature) => {
    const stringToSign = acsStringToSign({
      method: 'GET',
      pathAndQuery,
      host: sdkTestHost,
      date: sdkTestDate,
      contentHash: acsContentHash(''),
    });
    expect(acsSignature('pw==', stringToSign)).toBe(signature);
  });

  it('signs the percent-encoded path and the body bytes as sent (vector from the jobrouter 1.0.0 policy)', () => {
    // HMACCredentialsPolicy of azure-communication-jobrouter 1.0.0 on a merge-patch upsert of queue "q 1/ä":
    // the path stays percent-encoded and the body is the client's ASCII-escaped JSON.
    const body = '{"name": "Z\\u00fcrich", "labels": {"tier": 2}}';
    expect(acsContentHash(Buffer.from(body, 'utf8'))).toBe('dsd70O5hM8O3N7v4+Xk1wJznsJpzawTxA3C+O4eUSNc=');
    const stringToSign = acsStringToSign({
      method: 'PATCH',
      pathAndQuery: '/routing/queues/q%201%2F%C3%A4?api-version=2023-11-01',
      host: sdkTestHost,
      date: sdkTestDate,
      contentHash: acsContentHash(body),
    });
    expect(acsSignature('pw==', stringToSign)).toBe('Hvs83JfDU/HEmFD3gyT7Kl9YSST5/MqJuLBoYQZy8II=');
  });

  it('signs the host with its port and a :verb path (vector from the jobrouter 1.0.0 policy)', () => {
    const stringToSign = acsStringToSign({
      method: 'POST',
      pathAndQuery: '/routing/jobs/job-1:cancel?api-version=2023-11-01',
      host: '127.0.0.1:8080',
      date: 'Sun, 29 Nov 2026 15:43:00 GMT',
      contentHash: EMPTY_SHA256_BASE64,
    });
    expect(acsSignature('pw==', stringToSign)).toBe('2HQ8Y1UPKu81FfUTIbXwbcLzUbdk422bKLXZADKaHD8=');
  });
});

/** RFC 3986 unreserved set as Alibaba documents it: only A-Z a-z 0-9 - _ . ~ stay literal, bytes of UTF-8. */
function referencePercentEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

describe('percentEncode (Alibaba Cloud signature encoding)', () => {
  it.each([
    ['a b', 'a%20b'],
    ['*', '%2A'],
    ['~-_.', '~-_.'],
    ["!'()", '%21%27%28%29'],
    ['/=&+', '%2F%3D%26%2B'],
    ['"', '%22'],
    ['2016-02-23T12:46:24Z', '2016-02-23T12%3A46%3A24Z'],
    ['派', '%E6%B4%BE'],
    ['😀', '%F0%9F%98%80'],
  ])('encodes %j as %j', (value, encoded) => {
    expect(percentEncode(value)).toBe(encoded);
  });

  it('agrees with the documented rule on every ASCII character', () => {
    const ascii = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)).join('');
    expect(percentEncode(ascii)).toBe(referencePercentEncode(ascii));
  });
});

describe('Alibaba RPC V1 signature (HMAC-SHA1)', () => {
  // The ECS DescribeRegions example of Alibaba Cloud's "Signature mechanism" / "Request signatures" pages.
  const documented = {
    AccessKeyId: 'testid',
    Action: 'DescribeRegions',
    Format: 'XML',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
    SignatureVersion: '1.0',
    Version: '2014-05-26',
  };

  it('reproduces the documented example (Timestamp): OLeaidS1JvxuMvnyHOwuJ+uX5qY=', () => {
    expect(rpcV1Signature('GET', { ...documented, Timestamp: '2016-02-23T12:46:24Z' }, 'testsecret')).toBe(
      'OLeaidS1JvxuMvnyHOwuJ+uX5qY=',
    );
  });

  it('reproduces the older documented example (TimeStamp): CT9X0VtwR86fNWSnsc6v8YGOjuE=', () => {
    expect(rpcV1Signature('GET', { ...documented, TimeStamp: '2016-02-23T12:46:24Z' }, 'testsecret')).toBe(
      'CT9X0VtwR86fNWSnsc6v8YGOjuE=',
    );
  });

  it('leaves a Signature parameter out of what it signs and upper-cases the method', () => {
    const params = { ...documented, Timestamp: '2016-02-23T12:46:24Z', Signature: 'whatever' };
    expect(rpcV1Signature('get', params, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  it('reproduces the SMS SendSms example, UTF-8 and JSON values included', () => {
    // Alibaba Cloud SMS signature documentation (AccessKeySecret "testSecret").
    const params = {
      AccessKeyId: 'testId',
      Action: 'SendSms',
      Format: 'XML',
      OutId: '123',
      PhoneNumbers: '15300000001',
      RegionId: 'cn-hangzhou',
      SignName: '阿里云短信测试专用',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466',
      SignatureVersion: '1.0',
      TemplateCode: 'SMS_71390007',
      TemplateParam: '{"customer":"test"}',
      Timestamp: '2017-07-12T02:42:19Z',
      Version: '2017-05-25',
    };
    expect(rpcV1Signature('GET', params, 'testSecret')).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
  });

  it('matches the outboundbot SDK (signature_algorithm="v2") on a POST with repeat lists and reserved characters', () => {
    // alibabacloud-tea-openapi 0.4.6 Utils.get_rpcsignature on these decoded parameters.
    const params = {
      AccessKeyId: 'LTAI5tCcflowTestTenantA',
      Action: 'ListJobs',
      Format: 'json',
      InstanceId: 'inst ä+1',
      'JobId.1': 'job-1',
      'JobId.2': "job 2*(x)!'~",
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '0f2a1b6c-7d7e-4c1c-9a7e-5b2d4b1c9e10',
      SignatureVersion: '1.0',
      Timestamp: '2026-11-29T15:43:00Z',
      Version: '2019-12-26',
    };
    expect(rpcV1Signature('POST', params, 'ccflowTestSecretForTenantA01')).toBe('xbTsaYF+8k9vqBiAqbewN8Cg3oo=');
  });
});

describe('Alibaba ACS3-HMAC-SHA256 (signature V3)', () => {
  // The RunInstances example of Alibaba Cloud's "V3 request structure and signature" page.
  const documented: V3SignedParts = {
    method: 'POST',
    path: '/',
    query: { RegionId: 'cn-shanghai', ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd' },
    headers: {
      host: 'ecs.cn-shanghai.aliyuncs.com',
      'x-acs-action': 'RunInstances',
      'x-acs-content-sha256': EMPTY_SHA256_HEX,
      'x-acs-date': '2023-10-26T10:22:32Z',
      'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
      'x-acs-version': '2014-05-26',
    },
    signedHeaders: [
      'host',
      'x-acs-action',
      'x-acs-content-sha256',
      'x-acs-date',
      'x-acs-signature-nonce',
      'x-acs-version',
    ],
    contentHash: EMPTY_SHA256_HEX,
  };

  it('builds the documented canonical request, query sorted', () => {
    const canonical = v3CanonicalRequest(documented);
    expect(canonical).toBe(
      [
        'POST',
        '/',
        'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
        'host:ecs.cn-shanghai.aliyuncs.com',
        'x-acs-action:RunInstances',
        `x-acs-content-sha256:${EMPTY_SHA256_HEX}`,
        'x-acs-date:2023-10-26T10:22:32Z',
        'x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d',
        'x-acs-version:2014-05-26',
        '',
        'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
        EMPTY_SHA256_HEX,
      ].join('\n'),
    );
    expect(createHash('sha256').update(canonical).digest('hex')).toBe(
      '7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259',
    );
  });

  it('reproduces the documented signature 06563a9e…', () => {
    expect(v3Signature(documented, 'YourAccessKeySecret')).toBe(
      '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    );
  });

  it('trims header values as the SDK does', () => {
    const padded = { ...documented, headers: { ...documented.headers, 'x-acs-action': '  RunInstances ' } };
    expect(v3Signature(padded, 'YourAccessKeySecret')).toBe(
      '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    );
  });

  it('matches the outboundbot SDK default signer on its full header set and reserved characters', () => {
    // alibabacloud-tea-openapi 0.4.6 Utils.get_authorization (ACS3-HMAC-SHA256) with these headers and query.
    const parts: V3SignedParts = {
      method: 'POST',
      path: '/',
      query: { InstanceId: 'inst ä+1', 'JobId.1': 'job-1', 'JobId.2': "job 2*(x)!'~" },
      headers: {
        accept: 'application/json',
        host: '127.0.0.1:8080',
        'user-agent': 'AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.6 TeaDSL/2',
        'x-acs-action': 'ListJobs',
        'x-acs-content-sha256': EMPTY_SHA256_HEX,
        'x-acs-credentials-provider': 'static_ak',
        'x-acs-date': '2026-11-29T15:43:00Z',
        'x-acs-signature-nonce': '8e1f4b1e2c4f0d9a7b6c5d4e3f2a1b0c',
        'x-acs-version': '2019-12-26',
      },
      signedHeaders: [
        'accept',
        'host',
        'user-agent',
        'x-acs-action',
        'x-acs-content-sha256',
        'x-acs-credentials-provider',
        'x-acs-date',
        'x-acs-signature-nonce',
        'x-acs-version',
      ],
      contentHash: EMPTY_SHA256_HEX,
    };
    expect(v3Signature(parts, 'ccflowTestSecretForTenantA01')).toBe(
      'a14e172d7dbfcf01b7c5553af330cd95c8749915af0a59b7726e5be0bdaa0cb7',
    );
  });
});

describe('repeatList (Name.N parameters)', () => {
  function failure(run: () => unknown): ServiceError {
    try {
      run();
    } catch (error) {
      if (error instanceof ServiceError) return error;
      throw error;
    }
    throw new Error('expected a ServiceError');
  }

  it('returns values in index order, whatever the key order', () => {
    expect(repeatList({ 'JobId.2': 'b', InstanceId: 'i', 'JobId.1': 'a', 'JobId.3': 'c' }, 'JobId')).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('is empty when the list is absent', () => {
    expect(repeatList({ InstanceId: 'i' }, 'JobId')).toEqual([]);
  });

  it('matches the name literally: neither a longer name nor nested keys nor a regex reading of "."', () => {
    const params = { 'JobId.1': 'a', 'JobIds.1': 'x', 'JobId.1.Key': 'y', JobIdX1: 'z', 'Tag.Key.1': 'k' };
    expect(repeatList(params, 'JobId')).toEqual(['a']);
    expect(repeatList(params, 'Tag.Key')).toEqual(['k']);
    expect(repeatList({ TagXKey1: 'no' }, 'Tag.Key')).toEqual([]);
  });

  it('refuses a gap as InvalidParameter naming the missing key', () => {
    const error = failure(() => repeatList({ 'JobId.1': 'a', 'JobId.3': 'c' }, 'JobId'));
    expect(error.code).toBe('validationFailed');
    expect(error.status).toBe(400);
    expect(error.message).toContain('JobId.2');
  });

  it('refuses an index with a leading zero instead of letting it overwrite another', () => {
    const error = failure(() => repeatList({ 'JobId.1': 'a', 'JobId.01': 'b' }, 'JobId'));
    expect(error.code).toBe('validationFailed');
    expect(error.message).toContain('JobId.01');
  });

  it('refuses a list that does not start at 1', () => {
    expect(failure(() => repeatList({ 'JobId.2': 'b' }, 'JobId')).message).toContain('JobId.1');
  });

  it('refuses more than max values and accepts exactly max', () => {
    const params = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`JobId.${i + 1}`, `job-${i + 1}`]));
    expect(failure(() => repeatList(params, 'JobId', 99)).message).toContain('at most 99');
    const { 'JobId.100': _dropped, ...ninetyNine } = params;
    expect(repeatList(ninetyNine, 'JobId', 99)).toHaveLength(99);
  });
});
