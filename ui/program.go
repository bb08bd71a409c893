package ui

// FPS is the most frames a second warren's screen draws (see ui/screen):
// a burst of changes, such as a live pane in a flood, is drawn 20 times a
// second, and a key press on a quiet screen at once. Bubble Tea's own
// renderer drew on a ticker at this rate even when nothing changed.
const FPS = 20
