package vigil

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. Each maps to one HTTP status in the web layer's table.
const (
	EINVALID         = "invalid"         // the input breaks a rule; Fields says where
	ENOTFOUND        = "not_found"       // no such record, or none the caller may see
	ECONFLICT        = "conflict"        // a stale version or a duplicate
	EFORBIDDEN       = "forbidden"       // signed in, but not allowed
	EUNAUTHENTICATED = "unauthenticated" // not signed in
	EUNAVAILABLE     = "unavailable"     // a dependency (the database) cannot be reached
	EINTERNAL        = "internal"        // a fault of ours; the message is never shown
)

// FieldError is one problem with one input field. Field is the field's name
// as the API and the form know it ("family_name", "date_of_birth").
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a domain error: a code, a message that is safe to show to the
// person who made the request, and, for invalid input, the fields at fault.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	// Err is the underlying cause, for logs only; it is never shown.
	Err error
	// BreakGlass says a refused read may be retried by giving a reason.
	BreakGlass bool
	// Restricted says a restriction refused it: those who may restrict the
	// record can still see the restriction, and lift it.
	Restricted bool
}

// Error implements the error interface.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	b.WriteString(": ")
	b.WriteString(e.Message)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, " (%v)", e.Err)
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a domain error with a formatted, user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of a domain error, or EINTERNAL for any other
// non-nil error, or "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of a domain error. Internal
// faults get a generic message: their detail belongs in the logs only.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "Sorry, there is a problem with the service."
}

// ErrorFields returns the field errors of a domain error, if any.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Validation collects field errors while input is checked, so that a person
// sees every problem with a form at once rather than one at a time.
type Validation struct {
	fields []FieldError
}

// Add records a problem with a field.
func (v *Validation) Add(field, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Has reports whether the field already has a problem recorded.
func (v *Validation) Has(field string) bool {
	for _, f := range v.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when nothing was recorded, or an EINVALID error listing
// every field at fault.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "There is a problem with what was entered.", Fields: v.fields}
}
