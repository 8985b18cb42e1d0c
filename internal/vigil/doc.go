// Package vigil holds Vigil's domain: the nouns of police child protection,
// the rules that govern them as pure functions, and the service interfaces
// that the storage layer implements and the web layer calls.
//
// It imports only the standard library. Time comes from a Clock passed in,
// never from time.Now inside a rule, so that targets and limits can be
// tested at their exact boundaries.
package vigil
