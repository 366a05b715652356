// Package greeting is the local module that example.com/app replaces into its build.
package greeting

// Text is the greeting.
func Text() string { return "hello from a replaced module" }
