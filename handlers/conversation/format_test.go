package conversation

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/handlers/whatsapp"
)

func TestMoney(t *testing.T) {
	for cents, want := range map[int64]string{
		0: "$ 0", 100: "$ 1", 99_900: "$ 999", 100_000: "$ 1.000", 4_500_000: "$ 45.000",
		123_456_700: "$ 1.234.567", 4_500_050: "$ 45.000,50", 4_500_005: "$ 45.000,05", -150_000: "-$ 1.500",
	} {
		if got := Money(cents); got != want {
			t.Errorf("Money(%d) = %q, want %q", cents, got, want)
		}
	}
}

func TestDay(t *testing.T) {
	d := booking.Date(2026, 12, 18)
	for lang, want := range map[string]string{"es": "vie 18/12", "en": "Fri Dec 18", "pt": "sex 18/12"} {
		if got := Day(lang, d); got != want {
			t.Errorf("Day(%s) = %q, want %q", lang, got, want)
		}
	}
	if got := StayText("es", d, booking.Date(2026, 12, 19)); got != "vie 18/12 → sáb 19/12 (1 noche)" {
		t.Errorf("StayText = %q", got)
	}
	if got := Day("es", booking.Date(2027, 1, 3)); got != "dom 03/01" {
		t.Errorf("Day = %q", got)
	}
}

func TestClock(t *testing.T) {
	loc, _ := time.LoadLocation("America/Argentina/Buenos_Aires")
	now := time.Date(2026, 12, 1, 23, 50, 0, 0, loc)
	if got := clock("es", now.Add(5*time.Minute), now, loc); got != "23:55" {
		t.Errorf("same day: %q", got)
	}
	if got := clock("es", now.Add(30*time.Minute), now, loc); got != "mié 02/12 00:20" {
		t.Errorf("next day: %q", got)
	}
	// An instant in UTC is shown in the business time zone.
	if got := clock("es", now.Add(5*time.Minute).UTC(), now.UTC(), loc); got != "23:55" {
		t.Errorf("utc input: %q", got)
	}
}

func TestClipAndFirstName(t *testing.T) {
	if got := clip("Cabaña con un nombre larguísimo", 24); got != "Cabaña con un nombre la…" || utf8.RuneCountInString(got) != 24 {
		t.Errorf("clip = %q", got)
	}
	if got := clip("corto", 24); got != "corto" {
		t.Errorf("clip short = %q", got)
	}
	for in, want := range map[string]string{"Lucía Pérez": "Lucía", "": "", "  ": "", "*bold*": "", "Maximilianoooooooooooooooo": "Maximilianoooooooooo…"[:0] + clip("Maximilianoooooooooooooooo", 20)} {
		if got := firstName(in); got != want {
			t.Errorf("firstName(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every button title, row title and list button in every language fits Meta's limits as
// written, so clipping is a safety net, never the norm.
func TestCatalogFitsMetaLimits(t *testing.T) {
	for _, lang := range []string{"es", "en", "pt"} {
		c := catalogFor(lang)
		v := reflect.ValueOf(*c)
		for i := range v.NumField() {
			name := v.Type().Field(i).Name
			s, ok := v.Field(i).Interface().(string)
			if !ok {
				continue
			}
			if s == "" {
				t.Errorf("%s.%s is empty", lang, name)
			}
			limit := 0
			switch {
			case strings.HasPrefix(name, "Btn"), name == "ListButton", name == "AltButton", name == "HelpButton":
				limit = whatsapp.MaxButtonTitle
			case strings.HasPrefix(name, "Help") && name != "HelpBody":
				limit = whatsapp.MaxListRowTitle
			}
			if name == "BtnCancelC" {
				s = strings.Replace(s, "%s", "ABC234", 1)
			}
			if limit > 0 && utf8.RuneCountInString(s) > limit {
				t.Errorf("%s.%s = %q is %d characters, max %d", lang, name, s, utf8.RuneCountInString(s), limit)
			}
		}
	}
	// The three catalogues have the same format verbs, field by field.
	es := reflect.ValueOf(spanish)
	for _, other := range []catalog{english, portuguese} {
		o := reflect.ValueOf(other)
		for i := range es.NumField() {
			a, ok := es.Field(i).Interface().(string)
			if !ok {
				continue
			}
			b := o.Field(i).String()
			if verbs(a) != verbs(b) {
				t.Errorf("%s: verbs %q vs %q", es.Type().Field(i).Name, verbs(a), verbs(b))
			}
		}
	}
}

func verbs(s string) string {
	var out []string
	for i := 0; i < len(s)-1; i++ {
		if s[i] == '%' {
			out = append(out, s[i:i+2])
			i++
		}
	}
	return strings.Join(out, "")
}

func TestBuildersKeepMetaLimits(t *testing.T) {
	long := strings.Repeat("x", 40)
	r := buttonsReply(strings.Repeat("b", 2000),
		whatsapp.Button{ID: "a", Title: long}, whatsapp.Button{ID: "b", Title: long},
		whatsapp.Button{ID: "a", Title: "dup id"}, whatsapp.Button{ID: "c", Title: "Tres"}, whatsapp.Button{ID: "d", Title: "Cuatro"})
	if r.Buttons == nil {
		t.Fatalf("want buttons, got text")
	}
	if err := r.Buttons.Validate(); err != nil {
		t.Fatal(err)
	}
	if n := len(r.Buttons.Buttons); n != 3 {
		t.Fatalf("%d buttons", n)
	}
	if r.Buttons.Buttons[0].Title == r.Buttons.Buttons[1].Title {
		t.Fatal("repeated titles")
	}
	var rows []whatsapp.Row
	for i := range 14 {
		rows = append(rows, whatsapp.Row{ID: "r" + string(rune('a'+i)), Title: long, Description: strings.Repeat("d", 100)})
	}
	l := listReply("body", "Un botón demasiado largo para Meta", rows)
	if l.List == nil {
		t.Fatal("want a list")
	}
	if err := l.List.Validate(); err != nil {
		t.Fatal(err)
	}
	if n := len(l.List.Sections[0].Rows); n != 10 {
		t.Fatalf("%d rows", n)
	}
	// Nothing valid to offer: plain text, never an invalid interactive message.
	if r := buttonsReply("solo texto", whatsapp.Button{ID: "", Title: "x"}); r.Buttons != nil || r.Text != "solo texto" {
		t.Fatalf("%+v", r)
	}
	if r := listReply("solo texto", "Ver", nil); r.List != nil || r.Text != "solo texto" {
		t.Fatalf("%+v", r)
	}
}

func TestActionIDsRoundTrip(t *testing.T) {
	in, out := booking.Date(2026, 12, 18), booking.Date(2026, 12, 21)
	for _, a := range []Action{
		{Kind: actMenu, Arg: menuAvail}, {Kind: actMenu, Arg: menuMine}, {Kind: actMenu, Arg: menuHelp},
		{Kind: actHelp, Arg: helpPolicies}, {Kind: actHelp, Arg: helpCheckin}, {Kind: actHelp, Arg: helpAmenities}, {Kind: actHelp, Arg: helpDirections},
		{Kind: actDates, Arg: "change"}, {Kind: actCabins, Arg: "list"}, {Kind: actHuman},
		{Kind: actCabin, CabinID: 12, CheckIn: in, CheckOut: out},
		{Kind: actBook, CabinID: 12, CheckIn: in, CheckOut: out, Guests: 4},
		{Kind: actCancel, Code: "ABC234"}, {Kind: actCancel, Code: "ABC234", Arg: answerYes}, {Kind: actCancel, Code: "ABC234", Arg: answerNo},
		{Kind: actPay, Code: "ABC234"},
	} {
		id := a.ID()
		got, ok := ParseAction(id)
		if !ok || !reflect.DeepEqual(got, a) {
			t.Errorf("ParseAction(%q) = %+v, %v; want %+v", id, got, ok, a)
		}
		if len(id) > whatsapp.MaxListRowID {
			t.Errorf("%q too long", id)
		}
	}
	for _, bad := range []string{"", "menu", "menu:", "menu:avail:x", "help:secrets", "book:1:20261218:20261221", "book:01:20261218:20261221:4",
		"book:1:20261221:20261218:4", "book:1:20261218:20261221:0", "book:1:20261218:20261221:31", "cabin:1:2026-12-18:20261221",
		"cabin:99999999999999:20261218:20261221", "cancel:ABC23", "cancel:abc234", "cancel:ABC234:maybe", "pay:ABC234:yes",
		"human:1", "dates:now", "cabins:all", "unknown:1", "cabin:1:20261318:20261321"} {
		if a, ok := ParseAction(bad); ok {
			t.Errorf("ParseAction(%q) accepted: %+v", bad, a)
		}
	}
}

func FuzzParseAction(f *testing.F) {
	for _, s := range []string{"book:1:20261218:20261221:4", "cancel:ABC234:yes", "menu:avail", "cabin:2:20261218:20261221"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		a, ok := ParseAction(id)
		if !ok {
			return
		}
		// Whatever parses renders back to the same id.
		if a.ID() != id {
			t.Fatalf("ParseAction(%q).ID() = %q", id, a.ID())
		}
	})
}

func TestLoadState(t *testing.T) {
	if s := LoadState(nil, "pt"); s.Lang != "pt" || s.Version != StateVersion {
		t.Fatalf("fresh: %+v", s)
	}
	if s := LoadState([]byte(`{}`), "en"); s.Lang != "en" || s.Step != StepNone {
		t.Fatalf("empty object (the column default): %+v", s)
	}
	if s := LoadState([]byte(`not json`), "es"); s.Lang != "es" {
		t.Fatalf("garbage: %+v", s)
	}
	if s := LoadState([]byte(`{"version":99,"lang":"en","guests":4}`), "es"); s.Lang != "en" || s.Guests != 0 {
		t.Fatalf("other version keeps only the language: %+v", s)
	}
	s := State{Version: StateVersion, Lang: "en", Step: StepQuote, CheckIn: "2026-12-18", CheckOut: "2026-12-21", Guests: 4, CabinID: 2,
		Offers: []Offer{{CabinID: 2, Name: "Los Coihues", CheckIn: "2026-12-18", CheckOut: "2026-12-21"}}}
	raw, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if got := LoadState(raw, "es"); !reflect.DeepEqual(got, s) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, s)
	}
}

// A hold ending after midnight must still read as a sentence in every language.
func TestDeadline(t *testing.T) {
	loc, _ := time.LoadLocation("America/Argentina/Buenos_Aires")
	now := time.Date(2026, 12, 1, 23, 50, 0, 0, loc)
	cases := []struct {
		lang string
		in   time.Duration
		want string
	}{
		{"es", 5 * time.Minute, "de las 23:55"},
		{"es", 30 * time.Minute, "del mié 02/12 a las 00:20"},
		{"en", 5 * time.Minute, "23:55"},
		{"pt", 5 * time.Minute, "das 23:55"},
	}
	for _, c := range cases {
		if got := deadline(c.lang, now.Add(c.in).UTC(), now, loc); got != c.want {
			t.Errorf("deadline(%s, +%s) = %q, want %q", c.lang, c.in, got, c.want)
		}
	}
	if got := deadline("en", now.Add(30*time.Minute), now, loc); !strings.HasSuffix(got, " at 00:20") {
		t.Errorf("en next day: %q", got)
	}
}
