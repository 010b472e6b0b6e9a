// Package awsconfig reads the CORS configuration teams already deploy on AWS and turns it into
// a gateway policy ([fetch.Config]) that answers as the AWS service answers. A team running
// API Gateway or CloudFront in production can then run the same CORS behaviour locally, or
// move off AWS, without translating their configuration by hand and getting it subtly wrong.
//
// Four inputs, each with the semantics of the service that applies it:
//
//   - API Gateway HTTP APIs: the output of `aws apigatewayv2 get-api` (CorsConfiguration),
//     the raw REST form (corsConfiguration), or a bare configuration as
//     `--cors-configuration` takes it → fetch.APIGatewayHTTP.
//   - OpenAPI definitions (JSON or YAML): an HTTP API's root-level x-amazon-apigateway-cors
//     extension → fetch.APIGatewayHTTP; else a REST API's, as `aws apigateway get-export`
//     writes it after the console's "Enable CORS": the mock OPTIONS method of each path and
//     the DEFAULT_4XX/DEFAULT_5XX headers of x-amazon-apigateway-gateway-responses →
//     fetch.APIGatewayREST.
//   - AWS SAM templates: AWS::Serverless::HttpApi CorsConfiguration (merged into the
//     definition's x-amazon-apigateway-cors, as SAM writes it) → fetch.APIGatewayHTTP;
//     AWS::Serverless::Api Cors, which SAM turns into a mock OPTIONS method with static
//     header values on every path, and its DEFAULT_4XX/DEFAULT_5XX GatewayResponses headers
//     → fetch.APIGatewayREST. Globals apply as SAM applies them. The same reader takes
//     plain CloudFormation templates, such as `cdk synth` writes: AWS::ApiGatewayV2::Api
//     (→ fetch.APIGatewayHTTP) and AWS::CloudFront::ResponseHeadersPolicy (→ fetch.CloudFront).
//   - CloudFront response headers policies: the output of
//     `aws cloudfront get-response-headers-policy-config` or `get-response-headers-policy`,
//     and the managed policies by name ([Managed]) → fetch.CloudFront, with OriginOverride.
//
// [Read] reads one document; what each service does with the configuration, and so what the
// imported policy reproduces, is in docs/apigw-cors.md and docs/cloudfront.md in the
// repository.
//
// # Validation
//
// Each input is checked as AWS checks it, and refused with AWS's own message, typos
// included: "allow-credentials is not supported if 'allow-origin' is *" (API Gateway),
// SAM's "Unable to add Cors configuration because 'AllowCredentials' can not be true when
// 'AllowOrigin' is \"'*'\" or not set", CloudFront's "The parameter
// Access-Control-Allow-Headers cannot contain * when allowCredentials is true.". Where AWS's
// message is not recorded, the wording chosen is marked [UNVERIFIED] at the code that makes
// it, with the evidence. This package holds what the document's own layer checks (the AWS
// CLI's parameter validation, SAM's transform, CloudFormation's property schema,
// CloudFront's {Quantity, Items} lists); the
// rules of the services themselves are the policy's ([fetch.Compile]), so a policy imported
// here and one written in a gateway configuration are refused alike, and every policy Read
// returns compiles. Faults are reported all at once where the service itself would get that
// far, each an *[Error] with the path of the value in the document and its line and column
// (JSON positions too: JSON is read as YAML), joined with [errors.Join]; [errors.As] gives the
// first.
//
// CloudFormation intrinsic functions (!Ref, !Sub, Fn::If, ...) are read in any YAML
// template, short forms included, but refused where a CORS value is needed: their value
// exists only when the stack deploys.
//
// # Bounds
//
// Documents are limited to MaxDocumentSize bytes, lists to MaxListEntries entries and a
// REST definition to MaxPaths paths; aliases are followed a bounded number of times.
//
// # Sources
//
//   - HTTP API CORS: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html
//   - CorsConfiguration model: https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid.html
//   - x-amazon-apigateway-cors: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-cors-configuration.html
//   - REST API CORS: https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html
//   - Gateway responses: https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
//   - SAM Api Cors: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-api-corsconfiguration.html
//   - SAM HttpApi CorsConfiguration: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-httpapi-httpapicorsconfiguration.html
//   - SAM's transform (messages, defaults, Globals): https://github.com/aws/serverless-application-model
//   - CloudFront CORS: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-response-headers-policies.html
//   - Managed policies: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-response-headers-policies.html
//   - Recorded AWS messages: https://github.com/aws/aws-cdk/issues/9076,
//     https://github.com/aws/aws-cdk/issues/13643, https://github.com/aws/aws-cdk/pull/35308,
//     https://github.com/awsdocs/aws-sam-developer-guide/pull/55
package awsconfig
