// The parts of the AWS SDK for JavaScript v3 the pages use; bundled by esbuild into one IIFE
// that defines the global S3SDK.
export {
  S3Client, PutObjectCommand, GetObjectCommand, ListObjectsV2Command, DeleteObjectCommand,
} from '@aws-sdk/client-s3';
