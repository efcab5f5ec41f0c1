// Package platform is the shared plumbing of nastavnik's services: configuration,
// logging, database access and migrations, the gRPC server with its interceptor
// chain, error translation, pagination and test databases. Its subpackages are
// used by every service and by the gateway; none of them knows a service's domain.
package platform
