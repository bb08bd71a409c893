// Package theme is the one place that picks colours and builds styles.
// Views ask for a style by what it means (Faint, Error, Selected), never
// by colour.
package theme

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Theme holds every style warren draws with.
type Theme struct {
	App         lipgloss.Style
	HeaderKey   lipgloss.Style
	HeaderValue lipgloss.Style
	Brand       lipgloss.Style
	Badge       lipgloss.Style // e.g. READ-ONLY
	LinkUp      lipgloss.Style
	LinkWarn    lipgloss.Style
	LinkDown    lipgloss.Style

	Title       lipgloss.Style // a view's title bar
	TitleCount  lipgloss.Style
	TableHeader lipgloss.Style
	SortedCol   lipgloss.Style
	Row         lipgloss.Style
	RowAlt      lipgloss.Style
	Selected    lipgloss.Style
	Faint       lipgloss.Style
	Accent      lipgloss.Style
	Number      lipgloss.Style
	Warn        lipgloss.Style
	Error       lipgloss.Style
	OK          lipgloss.Style

	Section    lipgloss.Style // headings inside a detail view
	Label      lipgloss.Style
	Spark      lipgloss.Style
	ChartReady lipgloss.Style
	ChartUnack lipgloss.Style
	ChartAxis  lipgloss.Style

	Prompt      lipgloss.Style
	PromptText  lipgloss.Style
	Suggestion  lipgloss.Style
	StatusInfo  lipgloss.Style
	StatusError lipgloss.Style
	HelpKey     lipgloss.Style
	HelpDesc    lipgloss.Style
	HelpGroup   lipgloss.Style
	Modal       lipgloss.Style
	Cursor      lipgloss.Style // the text cursor in a form field
	FieldFocus  lipgloss.Style // the label of the focused form field
	Field       lipgloss.Style // a form field's value
	Chosen      lipgloss.Style // the chosen option of a form's choice

	JSONKey     lipgloss.Style
	JSONString  lipgloss.Style
	JSONNumber  lipgloss.Style
	JSONLiteral lipgloss.Style
}

// Default is the dark-background theme in colour.
func Default() Theme { return New(true, false) }

// New is the theme for a dark or light terminal background (lipgloss's
// LightDark picks each colour). plain is for a terminal that shows no
// colour (NO_COLOR, or a profile without colours): there the selected row
// and the chosen option of a form are drawn reversed, since their colours
// would not show.
func New(dark, plain bool) Theme {
	ld := lipgloss.LightDark(dark)
	c := func(light, dark string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(dark)) }
	var (
		fg      = c("235", "252")
		faint   = c("242", "244")
		accent  = c("25", "81")
		orange  = c("130", "214")
		red     = c("160", "203")
		green   = c("28", "114")
		yellow  = c("136", "221")
		sel     = c("153", "24")
		selFg   = c("16", "231")
		headBg  = c("254", "236")
		magenta = c("127", "177")
		badgeBg = lipgloss.Color("221")
	)
	s := lipgloss.NewStyle
	t := Theme{
		App:         s().Foreground(fg),
		HeaderKey:   s().Foreground(faint),
		HeaderValue: s().Foreground(fg).Bold(true),
		Brand:       s().Foreground(orange).Bold(true),
		Badge:       s().Foreground(lipgloss.Color("0")).Background(badgeBg).Bold(true).Padding(0, 1),
		LinkUp:      s().Foreground(green).Bold(true),
		LinkWarn:    s().Foreground(yellow).Bold(true),
		LinkDown:    s().Foreground(red).Bold(true),

		Title:       s().Foreground(accent).Bold(true),
		TitleCount:  s().Foreground(faint),
		TableHeader: s().Foreground(faint).Background(headBg).Bold(true),
		SortedCol:   s().Foreground(orange).Background(headBg).Bold(true),
		Row:         s().Foreground(fg),
		RowAlt:      s().Foreground(fg),
		Selected:    s().Foreground(selFg).Background(sel).Bold(true),
		Faint:       s().Foreground(faint),
		Accent:      s().Foreground(accent),
		Number:      s().Foreground(fg),
		Warn:        s().Foreground(yellow),
		Error:       s().Foreground(red),
		OK:          s().Foreground(green),

		Section:    s().Foreground(orange).Bold(true),
		Label:      s().Foreground(faint),
		Spark:      s().Foreground(accent),
		ChartReady: s().Foreground(accent),
		ChartUnack: s().Foreground(magenta),
		ChartAxis:  s().Foreground(faint),

		Prompt:      s().Foreground(orange).Bold(true),
		PromptText:  s().Foreground(fg),
		Suggestion:  s().Foreground(faint),
		StatusInfo:  s().Foreground(faint),
		StatusError: s().Foreground(red).Bold(true),
		HelpKey:     s().Foreground(orange).Bold(true),
		HelpDesc:    s().Foreground(fg),
		HelpGroup:   s().Foreground(accent).Bold(true),
		Modal:       s().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1),
		Cursor:      s().Reverse(true),
		FieldFocus:  s().Foreground(orange).Bold(true),
		Field:       s().Foreground(fg).Background(headBg),
		Chosen:      s().Foreground(fg).Background(headBg),

		JSONKey:     s().Foreground(accent),
		JSONString:  s().Foreground(green),
		JSONNumber:  s().Foreground(orange),
		JSONLiteral: s().Foreground(magenta),
	}
	if plain {
		t.Selected = s().Reverse(true).Bold(true)
		t.Chosen = s().Reverse(true)
	}
	return t
}
