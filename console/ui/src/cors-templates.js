// Starting points for a bucket's CORS configuration, each one S3 accepts, as rule lists (the
// AWS console's JSON form); the editor writes them in the form chosen. The header lists follow
// what the named use sends and reads: https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html
// and the Fetch standard's CORS-safelisted headers (https://fetch.spec.whatwg.org/#cors-safelisted-request-header).

export const templates = [
  {
    id: "public-read",
    label: "Public read (any origin, GET/HEAD)",
    rules: [
      {
        ID: "public-read",
        AllowedMethods: ["GET", "HEAD"],
        AllowedOrigins: ["*"],
        MaxAgeSeconds: 3000,
      },
    ],
  },
  {
    id: "presigned-uploads",
    label: "Presigned uploads from one app (PUT/POST from https://app.example.com, ETag exposed)",
    rules: [
      {
        ID: "presigned-uploads",
        AllowedHeaders: ["content-type", "content-md5", "x-amz-*"],
        AllowedMethods: ["PUT", "POST"],
        AllowedOrigins: ["https://app.example.com"],
        ExposeHeaders: ["ETag"],
        MaxAgeSeconds: 3000,
      },
    ],
  },
  {
    id: "spa-credentials",
    label: "Single-page app with credentials",
    rules: [
      {
        ID: "single-page-app",
        AllowedHeaders: ["authorization", "content-type", "x-amz-*"],
        AllowedMethods: ["GET", "HEAD", "PUT", "POST", "DELETE"],
        AllowedOrigins: ["https://app.example.com"],
        ExposeHeaders: ["ETag", "x-amz-version-id"],
        MaxAgeSeconds: 3000,
      },
    ],
  },
  {
    id: "media-streaming",
    label: "Media streaming (Range, exposing Content-Range/Accept-Ranges/ETag)",
    rules: [
      {
        ID: "media-streaming",
        AllowedHeaders: ["range"],
        AllowedMethods: ["GET", "HEAD"],
        AllowedOrigins: ["https://media.example.com"],
        ExposeHeaders: ["Content-Range", "Accept-Ranges", "ETag"],
        MaxAgeSeconds: 3000,
      },
    ],
  },
  {
    // S3 refuses a configuration without a rule (to have none, delete the configuration), so
    // the least there can be is one rule with a method and an origin.
    id: "empty",
    label: "Empty",
    rules: [
      {
        AllowedMethods: ["GET"],
        AllowedOrigins: ["https://www.example.com"],
      },
    ],
  },
];
