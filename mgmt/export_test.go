package mgmt

// SetPulseLimit makes the pulse sample past n objects, so a test can
// show sampling without 5,000 queues.
func SetPulseLimit(c *Client, n int) { c.pulseLimit = n }
