package web

// OIDC describes the single sign-on provider offered on the sign-in page.
type OIDC struct {
	// Name is the provider as people know it ("Microsoft", "Kingsmoor
	// Police sign-in").
	Name string
}
