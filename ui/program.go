package ui

import "time"

// MinFrame is the least time between two frames warren's screen draws
// (see ui/screen): a changed view is drawn at once unless the last frame
// went out less than this ago. Views change on their own at most 20
// times a second (a live pane's frame, frameEvery), so in practice this
// bounds only bursts of key presses. A longer gate (50 ms) was tried: it
// pushed a live pane's frame into the middle of the next batch of
// deliveries, and a consume pane read about 15% slower on two cores.
const MinFrame = time.Second / 60
