/** The seed's signed DescribeInstances request; plain text only, so the benchmarks can load it too. */
export const SEED_AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260301/us-east-1/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=3c1e7b0d4f6a9b2c5e8d1f4a7b0c3e6d9f2a5b8c1e4d7f0a3b6c9e2d5f8a1b4c';

/** The seed's request, as boto3 writes it. */
export const SEED_REQUEST_TEXT =
  'POST / HTTP/1.1\r\n' +
  'Host: ec2.us-east-1.amazonaws.com\r\n' +
  'Accept-Encoding: identity\r\n' +
  'Content-Type: application/x-amz-json-1.1\r\n' +
  'X-Amz-Target: AmazonEC2.DescribeInstances\r\n' +
  'User-Agent: Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux lang/python#3.12.1\r\n' +
  'X-Amz-Date: 20260301T100000Z\r\n' +
  `Authorization: ${SEED_AUTHORIZATION}\r\n` +
  'Content-Length: 2\r\n' +
  '\r\n' +
  '{}';
