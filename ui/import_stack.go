package ui

// dropIdleImport takes an import that is not running (finished, or still
// choosing its target) off the top of the stack before another :import,
// so imports do not pile up in the breadcrumbs.
func (a *App) dropIdleImport() {
	mv, ok := a.top().(*moveView)
	if !ok || mv.imp == nil || len(a.stack) < 2 || (mv.state != nil && !mv.done) {
		return
	}
	mv.close()
	a.stack = a.stack[:len(a.stack)-1]
}
