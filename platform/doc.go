// Package platform is the shared plumbing of nastavnik's services: configuration,
// logging, database access and migrations, the gRPC server with its interceptor
// chain, error translation, pagination, test databases and the registry client
// the other services ask about regions, municipalities and organisations. Its
// subpackages are used by every service and by the gateway; none of them knows
// a service's domain.
package platform
