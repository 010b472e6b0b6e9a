package awsconfig_test

import (
	"errors"
	"fmt"

	"github.com/doorman-s3/doorman/cors/awsconfig"
	"github.com/doorman-s3/doorman/cors/fetch"
)

// Read takes what `aws apigatewayv2 get-api` prints and returns a policy that answers as that
// HTTP API answers; the policy compiles as it is.
func ExampleRead() {
	doc := []byte(`{
	    "ApiId": "a1b2c3d4e5",
	    "CorsConfiguration": {
	        "AllowOrigins": ["https://app.example.com"],
	        "AllowMethods": ["GET", "PUT"],
	        "AllowHeaders": ["content-type"],
	        "MaxAge": 300
	    },
	    "ProtocolType": "HTTP"
	}`)
	imp, err := awsconfig.Read(awsconfig.HTTPAPI, doc, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(imp.Source)
	fmt.Println(imp.Config.Semantics, imp.Config.Origins, imp.Config.Methods, *imp.Config.MaxAge)
	if _, err := fetch.Compile(imp.Config); err != nil {
		fmt.Println(err)
	}
	// Output:
	// API Gateway HTTP API CorsConfiguration
	// apigw-http [https://app.example.com] [GET PUT] 300
}

// A configuration AWS would refuse is refused with AWS's own message, and each fault says
// where it is written: errors.As gives the *Error.
func ExampleRead_refused() {
	doc := []byte(`{"CorsConfiguration": {
	    "AllowOrigins": ["https://*.vercel.app"],
	    "AllowMethods": ["GET"]
	}}`)
	_, err := awsconfig.Read(awsconfig.HTTPAPI, doc, "")
	var e *awsconfig.Error
	if errors.As(err, &e) {
		fmt.Printf("%d:%d %s: %s\n", e.Line, e.Column, e.Path, e.Message)
	}
	// Output:
	// 2:23 CorsConfiguration.AllowOrigins[0]: allow-origin https://*.vercel.app can not have wildcards
}

// Managed returns the CORS section of one of CloudFront's managed response headers policies.
func ExampleManaged() {
	imp, err := awsconfig.Managed("CORS-With-Preflight")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(imp.Source)
	fmt.Println(imp.Config.Origins, imp.Config.Methods, imp.Config.RequestHeaders, *imp.OriginOverride)
	// Output:
	// CloudFront managed response headers policy Managed-CORS-With-Preflight (5cc3b908-e619-4b99-88e5-2cf7f45965bd)
	// [*] [ALL] [*] false
}
