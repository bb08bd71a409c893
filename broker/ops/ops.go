// Package ops declares what the AMQP side's operations take and give
// back, as plain values: peek, move, remove, import and publish requests
// and results, the specs of live panes (tap, tail, consume) and their
// states, stream offsets, queue types, the AMQP link's state, and what a
// RabbitMQ version does with requeues. It needs no AMQP client, so the UI
// can name these without linking amqp091-go; package broker implements
// the operations and uses these same types under its own names.
package ops
