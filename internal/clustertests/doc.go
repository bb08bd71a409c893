// Package clustertests checks warren's cluster views against a real
// three-node RabbitMQ cluster of its own (scripts/cluster.sh through
// internal/testnode), started once for the package and torn down after.
// It holds only tests.
package clustertests
