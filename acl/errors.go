package acl

// Error is a refusal with S3's code, message and extra elements (ArgumentName, ArgumentValue,
// EmailAddress...), for the S3 API to answer as its error document.
type Error struct {
	Code, Message string
	Fields        [][2]string // extra XML elements, in order
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }
