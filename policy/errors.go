package policy

// Error is a policy refused as S3 refuses it: Code is the S3 error code (MalformedPolicy
// mostly) and Message S3's message; the HTTP status is 400.
type Error struct{ Code, Message string }

func (e *Error) Error() string { return e.Code + ": " + e.Message }
