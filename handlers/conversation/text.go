package conversation

import "fmt"

// catalog is every guest-facing text in one language. Format verbs are documented where the
// arguments are not obvious. Button titles stay within 20 characters and row titles within
// 24 (checked by TestCatalogFitsMetaLimits); the builders clip anything longer anyway.
type catalog struct {
	Weekdays [7]string
	Months   [12]string
	MonthsIn [12]string // month names inside a sentence
	And      string
	Night    string // "1 noche"
	NightsN  string // "%d noches"
	Person   string
	PersonsN string

	Hello      string // %s: first name
	HelloAnon  string
	Intro      string
	MenuBody   string
	BtnAvail   string
	BtnMine    string
	BtnHelp    string
	BtnHuman   string
	BtnDates   string
	BtnCabins  string
	BtnBook    string
	BtnPay     string
	BtnCancelC string // %s: code
	BtnYesCanc string
	BtnNoKeep  string

	AskDatesGuests string
	AskDates       string
	AskDatesNoted  string // %s: "4 personas"
	AskCheckIn     string // %s: "3 noches"
	AskMonthDays   string // %s: month
	AskCheckOut    string // %s: day
	AskGuests      string // %s: stay
	GuestsBad      string

	ListBody     string // %s stay, %s persons
	ListButton   string
	RowDesc      string // %s total, %s capacity ("hasta 4 personas")
	UpTo         string // %d
	AltBody      string
	AltButton    string
	AltDesc      string // %s stay, %s total
	PickFromList string

	QuoteHead     string // %s cabin, %s stay, %s persons
	QuoteLine     string // %s "2 noches", %s price
	QuoteWeekend  string // %s "2 noches", %s price
	QuoteSeason   string // %s "2 noches", %s price
	QuoteCleaning string // %s
	QuoteTotal    string // %s
	QuoteDeposit  string // %d percent, %s amount
	QuoteAsk      string

	Held         string // %s cabin, %s stay, %s code
	HeldLink     string // %s deposit, %s until, %s link
	HeldNoLink   string // %s deposit, %s until
	DatesTaken   string
	TooManyHolds string // %d
	OwnHold      string // %s code, %s stay
	CabinGone    string

	Past         string
	OutBeforeIn  string
	TooLong      string // %d
	TooFar       string // %d
	TooMany      string // %d
	MinNights    string // %d
	CabinTaken   string // %s cabin, %s stay
	CabinSmall   string // %s cabin, %d
	CabinMin     string // %s cabin, %d
	NoneFree     string // %s stay
	TryOther     string
	StaleOption  string
	UnknownOpt   string
	NotUnderstd  string
	MenuHint     string
	OfferHuman   string
	Thanks       string
	Unsupported  string
	AudioFailed  string
	QueryDropped string
	SeeOther     string

	NoReservations string
	MyHeader       string
	StPending      string // %s until
	StConfirmed    string
	StCancelled    string
	StExpired      string
	CancelNone     string
	CancelWhich    string
	CancelConfirm  string // %s code, %s cabin, %s stay
	Cancelled      string // %s code
	CancelKept     string
	CancelNotFound string // %s code
	CancelInactive string // %s code
	CancelPaid     string // %s code
	PayNoHold      string // %d percent
	PayLink        string // %s code, %s deposit, %s until, %s link
	PayPending     string // %s code, %s deposit, %s until

	HelpBody     string
	HelpButton   string
	HelpPolicies string
	HelpCheckin  string
	HelpAmenit   string
	HelpDirect   string
	HelpHuman    string
	CheckinTimes string // %s check-in, %s check-out
	CheckinCabin string // %s cabin, %s, %s
	AmenitiesAll string // %s list
	AmenitiesNo  string
	TopicYes     string // %s what, %s cabins
	TopicAll     string // %s what
	TopicUnknown string
	Policies     string // %d deposit percent
	Directions   string

	HandoffGuest   string
	HandoffNoOwner string
	Resumed        string
	Apology        string
}

func (c *catalog) nights(n int) string {
	if n == 1 {
		return c.Night
	}
	return fmt.Sprintf(c.NightsN, n)
}

func (c *catalog) persons(n int) string {
	if n == 1 {
		return c.Person
	}
	return fmt.Sprintf(c.PersonsN, n)
}

func catalogFor(lang string) *catalog {
	switch lang {
	case "en":
		return &english
	case "pt":
		return &portuguese
	}
	return &spanish
}

// Topic words used when answering whether the cabins have something.
var topicNames = map[string][3]string{ // es, en, pt
	"wifi":      {"wifi", "wifi", "wi-fi"},
	"pets":      {"lugar para mascotas", "pets allowed", "aceita pets"},
	"parking":   {"estacionamiento", "parking", "estacionamento"},
	"pool":      {"pileta", "a pool", "piscina"},
	"grill":     {"parrilla", "a barbecue grill", "churrasqueira"},
	"climate":   {"calefacción o aire", "heating or air conditioning", "aquecimento ou ar"},
	"kitchen":   {"cocina equipada", "a kitchen", "cozinha"},
	"linens":    {"ropa de cama y toallas", "bed linen and towels", "roupa de cama e toalhas"},
	"breakfast": {"desayuno", "breakfast", "café da manhã"},
}

func topicName(lang, topic string) string {
	n, ok := topicNames[topic]
	if !ok {
		return topic
	}
	switch lang {
	case "en":
		return n[1]
	case "pt":
		return n[2]
	}
	return n[0]
}

var spanish = catalog{
	Weekdays: [7]string{"dom", "lun", "mar", "mié", "jue", "vie", "sáb"},
	Months:   [12]string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"},
	MonthsIn: [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	And:      "y", Night: "1 noche", NightsN: "%d noches", Person: "1 persona", PersonsN: "%d personas",

	Hello:      "¡Hola, %s! 👋",
	HelloAnon:  "¡Hola! 👋",
	Intro:      "Soy el asistente de reservas de las cabañas: te digo qué cabañas están libres y a qué precio, y te reservo las fechas.",
	MenuBody:   "¿En qué te ayudo?",
	BtnAvail:   "Ver disponibilidad",
	BtnMine:    "Mis reservas",
	BtnHelp:    "Ayuda",
	BtnHuman:   "Hablar con alguien",
	BtnDates:   "Cambiar fechas",
	BtnCabins:  "Otras cabañas",
	BtnBook:    "Reservar",
	BtnPay:     "Pagar la seña",
	BtnCancelC: "Cancelar %s",
	BtnYesCanc: "Sí, cancelar",
	BtnNoKeep:  "No, dejala",

	AskDatesGuests: "Contame para qué fechas y cuántas personas son. Por ejemplo: «del 18 al 21 de diciembre, somos 4».",
	AskDates:       "¿Para qué fechas? Por ejemplo: «del 18 al 21 de diciembre».",
	AskDatesNoted:  "Anotado, %s. ¿Para qué fechas? Por ejemplo: «del 18 al 21 de diciembre».",
	AskCheckIn:     "Dale, %s. ¿Desde qué día?",
	AskMonthDays:   "¿Qué días de %s? Por ejemplo: «del 10 al 14».",
	AskCheckOut:    "Llegada el %s. ¿Hasta qué día?",
	AskGuests:      "Perfecto: %s. ¿Cuántas personas son?",
	GuestsBad:      "¿Cuántas personas son? Decime un número, por ejemplo «somos 4».",

	ListBody:     "Para %s, %s, tengo libres:",
	ListButton:   "Ver cabañas",
	RowDesc:      "%s en total · %s",
	UpTo:         "hasta %d personas",
	AltBody:      "Te puedo ofrecer estas opciones:",
	AltButton:    "Ver opciones",
	AltDesc:      "%s · %s",
	PickFromList: "Elegí una cabaña de la lista o decime su nombre.",

	QuoteHead:     "🏡 *%s*\n%s · %s",
	QuoteLine:     "%s × %s",
	QuoteWeekend:  "%s de finde × %s",
	QuoteSeason:   "%s de temporada × %s",
	QuoteCleaning: "Limpieza: %s",
	QuoteTotal:    "*Total: %s*",
	QuoteDeposit:  "Seña para reservar (%d%%): %s",
	QuoteAsk:      "¿Te la reservo?",

	Held:         "¡Listo! 🎉 Te reservé *%s*, %s. Código: *%s*.",
	HeldLink:     "Para confirmarla pagá la seña de %s antes %s con este link de Mercado Pago:\n%s",
	HeldNoLink:   "Para confirmarla hay que pagar la seña de %s antes %s. En un ratito te mando el link de pago de Mercado Pago.",
	DatesTaken:   "Uy, alguien acaba de tomar esas fechas 😕.",
	TooManyHolds: "Ya tenés %d reservas esperando la seña. Pagá o cancelá alguna antes de pedir otra.",
	OwnHold:      "Esas fechas ya las tenés reservadas vos: código *%s*, %s. Si querés cambiar algo, cancelala y la hacemos de nuevo.",
	CabinGone:    "Esa cabaña ya no está disponible.",

	Past:         "Esa fecha ya pasó 😅. ¿Para qué fechas buscás?",
	OutBeforeIn:  "La salida tiene que ser después de la llegada. ¿Me pasás las fechas de nuevo?",
	TooLong:      "Puedo reservar hasta %d noches seguidas. ¿Probamos con menos?",
	TooFar:       "Todavía no tomo reservas con tanta anticipación (hasta %d días). ¿Otras fechas?",
	TooMany:      "La cabaña más grande es para %d personas. ¿Cuántas personas son?",
	MinNights:    "Para esas fechas la estadía mínima es de %d noches.",
	CabinTaken:   "*%s* no está libre para %s.",
	CabinSmall:   "*%s* es para hasta %d personas.",
	CabinMin:     "*%s* pide mínimo %d noches en esas fechas.",
	NoneFree:     "No me quedan cabañas libres para %s 😕.",
	TryOther:     "¿Probamos con otras fechas?",
	StaleOption:  "Esa opción era de una consulta anterior.",
	UnknownOpt:   "No reconozco esa opción 🤔.",
	NotUnderstd:  "Perdón, no te entendí 🤔.",
	MenuHint:     "Te puedo mostrar las cabañas libres con sus precios, tus reservas o contarte cómo es todo.",
	OfferHuman:   "¿Querés que te pase con una persona?",
	Thanks:       "¡De nada! Cualquier cosa, escribime 🙂",
	Unsupported:  "Por ahora entiendo solo texto y audios 🙏. ¿Me lo mandás escrito o en un audio?",
	AudioFailed:  "No pude escuchar el audio 🙉, ¿me lo escribís?",
	QueryDropped: "Listo, dejamos la consulta acá. Cuando quieras, escribime 🙂",
	SeeOther:     "Dale. ¿Querés cambiar las fechas o ver otras cabañas?",

	NoReservations: "Todavía no tenés reservas. ¿Buscamos fechas?",
	MyHeader:       "Tus reservas:",
	StPending:      "⏳ falta la seña (vence %s)",
	StConfirmed:    "✅ confirmada",
	StCancelled:    "❌ cancelada",
	StExpired:      "⌛ vencida",
	CancelNone:     "No tenés reservas pendientes para cancelar.",
	CancelWhich:    "¿Cuál querés cancelar?",
	CancelConfirm:  "¿Seguro que querés cancelar la reserva *%s* (%s, %s)? Se liberan las fechas.",
	Cancelled:      "Listo, cancelé la reserva *%s* y liberé las fechas.",
	CancelKept:     "Dale, la reserva sigue en pie 👍",
	CancelNotFound: "No encontré la reserva *%s* a tu nombre.",
	CancelInactive: "La reserva *%s* ya no está activa.",
	CancelPaid:     "La reserva *%s* ya está pagada: para cancelarla te paso con el dueño.",
	PayNoHold:      "Para reservar se paga una seña del %d%% con Mercado Pago y el resto al llegar. Primero elegimos fechas y cabaña.",
	PayLink:        "Reserva *%s*: pagá la seña de %s antes %s con este link:\n%s",
	PayPending:     "Reserva *%s*: la seña es de %s y hay que pagarla antes %s. El link de pago te llega en un ratito.",

	HelpBody:     "¿Sobre qué tenés dudas?",
	HelpButton:   "Ver temas",
	HelpPolicies: "Seña y cancelación",
	HelpCheckin:  "Check-in y check-out",
	HelpAmenit:   "Qué incluyen",
	HelpDirect:   "Cómo llegar",
	HelpHuman:    "Hablar con una persona",
	CheckinTimes: "El check-in es desde las %s y el check-out hasta las %s.",
	CheckinCabin: "*%s*: check-in desde las %s, check-out hasta las %s",
	AmenitiesAll: "Las cabañas tienen: %s.",
	AmenitiesNo:  "Todavía no tengo cargado qué incluye cada cabaña.",
	TopicYes:     "Sí 🙂 %s: %s.",
	TopicAll:     "Sí 🙂 todas las cabañas tienen %s.",
	TopicUnknown: "Eso no lo tengo anotado.",
	Policies:     "Para reservar se paga una seña del %d%% con Mercado Pago; el resto, al llegar. Si cancelás con más de 48 h de anticipación te devolvemos todo; con menos de 48 h, el 50 %%; si no venís, no hay devolución.",
	Directions:   "La ubicación exacta y cómo llegar te la mandamos cuando se confirma la reserva. Si la necesitás antes, te paso con el dueño.",

	HandoffGuest:   "Listo, le aviso al dueño para que te escriba 🙌. Mientras tanto no respondo yo, así no nos pisamos.",
	HandoffNoOwner: "Ahora no hay nadie disponible para atenderte, pero contame y te ayudo yo.",
	Resumed:        "¡Hola de nuevo! Si necesitás algo más, escribime 🙂",
	Apology:        "Uy, tuve un problema técnico 🙈. Probá de nuevo en un ratito, por favor.",
}

var english = catalog{
	Weekdays: [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
	Months:   [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	MonthsIn: [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	And:      "and", Night: "1 night", NightsN: "%d nights", Person: "1 guest", PersonsN: "%d guests",

	Hello:      "Hi %s! 👋",
	HelloAnon:  "Hi! 👋",
	Intro:      "I'm the cabins' booking assistant: I can tell you which cabins are free and at what price, and book your dates.",
	MenuBody:   "How can I help?",
	BtnAvail:   "Check availability",
	BtnMine:    "My bookings",
	BtnHelp:    "Help",
	BtnHuman:   "Talk to a person",
	BtnDates:   "Change dates",
	BtnCabins:  "Other cabins",
	BtnBook:    "Book",
	BtnPay:     "Pay the deposit",
	BtnCancelC: "Cancel %s",
	BtnYesCanc: "Yes, cancel",
	BtnNoKeep:  "No, keep it",

	AskDatesGuests: "Tell me your dates and how many guests. For example: \"Dec 18 to 21, 4 people\".",
	AskDates:       "Which dates? For example: \"Dec 18 to 21\".",
	AskDatesNoted:  "Got it, %s. Which dates? For example: \"Dec 18 to 21\".",
	AskCheckIn:     "Sure, %s. From which day?",
	AskMonthDays:   "Which days in %s? For example: \"10 to 14\".",
	AskCheckOut:    "Arriving %s. Until which day?",
	AskGuests:      "Great: %s. How many guests?",
	GuestsBad:      "How many guests? Just a number, for example \"4\".",

	ListBody:     "For %s, %s, these are free:",
	ListButton:   "See cabins",
	RowDesc:      "%s total · %s",
	UpTo:         "up to %d guests",
	AltBody:      "I can offer you these options:",
	AltButton:    "See options",
	AltDesc:      "%s · %s",
	PickFromList: "Pick a cabin from the list or tell me its name.",

	QuoteHead:     "🏡 *%s*\n%s · %s",
	QuoteLine:     "%s × %s",
	QuoteWeekend:  "%s (weekend) × %s",
	QuoteSeason:   "%s (high season) × %s",
	QuoteCleaning: "Cleaning: %s",
	QuoteTotal:    "*Total: %s*",
	QuoteDeposit:  "Deposit to book (%d%%): %s",
	QuoteAsk:      "Shall I book it?",

	Held:         "Done! 🎉 I booked *%s* for you, %s. Code: *%s*.",
	HeldLink:     "To confirm it, pay the %s deposit before %s with this Mercado Pago link:\n%s",
	HeldNoLink:   "To confirm it, the %s deposit must be paid before %s. I'll send you the Mercado Pago payment link shortly.",
	DatesTaken:   "Oops, someone just took those dates 😕.",
	TooManyHolds: "You already have %d bookings waiting for the deposit. Pay or cancel one before asking for another.",
	OwnHold:      "You already hold those dates: code *%s*, %s. To change anything, cancel it and we'll book again.",
	CabinGone:    "That cabin is no longer available.",

	Past:         "That date has already passed 😅. Which dates are you looking for?",
	OutBeforeIn:  "Check-out must be after check-in. Could you send me the dates again?",
	TooLong:      "I can book up to %d nights in a row. Shall we try fewer?",
	TooFar:       "I don't take bookings that far ahead yet (up to %d days). Other dates?",
	TooMany:      "The largest cabin sleeps %d. How many guests are you?",
	MinNights:    "The minimum stay for those dates is %d nights.",
	CabinTaken:   "*%s* isn't free for %s.",
	CabinSmall:   "*%s* sleeps up to %d.",
	CabinMin:     "*%s* needs at least %d nights on those dates.",
	NoneFree:     "No cabins are free for %s 😕.",
	TryOther:     "Shall we try other dates?",
	StaleOption:  "That option was from an earlier search.",
	UnknownOpt:   "I don't recognise that option 🤔.",
	NotUnderstd:  "Sorry, I didn't get that 🤔.",
	MenuHint:     "I can show you the free cabins and prices, your bookings, or tell you how everything works.",
	OfferHuman:   "Would you like to talk to a person?",
	Thanks:       "You're welcome! Write any time 🙂",
	Unsupported:  "For now I understand only text and voice notes 🙏. Could you write it or send a voice note?",
	AudioFailed:  "I couldn't hear the voice note 🙉, could you write it?",
	QueryDropped: "OK, let's leave it here. Write whenever you like 🙂",
	SeeOther:     "Sure. Would you like other dates or other cabins?",

	NoReservations: "You have no bookings yet. Shall we look for dates?",
	MyHeader:       "Your bookings:",
	StPending:      "⏳ deposit pending (until %s)",
	StConfirmed:    "✅ confirmed",
	StCancelled:    "❌ cancelled",
	StExpired:      "⌛ expired",
	CancelNone:     "You have no pending bookings to cancel.",
	CancelWhich:    "Which one do you want to cancel?",
	CancelConfirm:  "Are you sure you want to cancel booking *%s* (%s, %s)? The dates will be released.",
	Cancelled:      "Done, I cancelled booking *%s* and released the dates.",
	CancelKept:     "OK, the booking stays 👍",
	CancelNotFound: "I couldn't find booking *%s* under your number.",
	CancelInactive: "Booking *%s* is no longer active.",
	CancelPaid:     "Booking *%s* is already paid: to cancel it I'll put you through to the owner.",
	PayNoHold:      "To book, you pay a %d%% deposit with Mercado Pago and the rest on arrival. First let's pick dates and a cabin.",
	PayLink:        "Booking *%s*: pay the %s deposit before %s with this link:\n%s",
	PayPending:     "Booking *%s*: the deposit is %s, due before %s. The payment link is on its way.",

	HelpBody:     "What would you like to know?",
	HelpButton:   "See topics",
	HelpPolicies: "Deposit & cancellation",
	HelpCheckin:  "Check-in & check-out",
	HelpAmenit:   "What's included",
	HelpDirect:   "How to get there",
	HelpHuman:    "Talk to a person",
	CheckinTimes: "Check-in is from %s and check-out until %s.",
	CheckinCabin: "*%s*: check-in from %s, check-out until %s",
	AmenitiesAll: "The cabins have: %s.",
	AmenitiesNo:  "I don't have the cabins' amenities on file yet.",
	TopicYes:     "Yes 🙂 %s: %s.",
	TopicAll:     "Yes 🙂 every cabin has %s.",
	TopicUnknown: "I don't have that on file.",
	Policies:     "To book, you pay a %d%% deposit with Mercado Pago; the rest on arrival. Cancel more than 48 h ahead for a full refund; within 48 h, 50 %%; no-shows are not refunded.",
	Directions:   "We send the exact location and directions once the booking is confirmed. If you need them earlier, I'll put you through to the owner.",

	HandoffGuest:   "Done, I've told the owner to write to you 🙌. Meanwhile I'll stay quiet so we don't talk over each other.",
	HandoffNoOwner: "Nobody is available right now, but tell me and I'll help you.",
	Resumed:        "Hi again! If you need anything else, just write 🙂",
	Apology:        "Oops, I had a technical problem 🙈. Please try again in a little while.",
}

var portuguese = catalog{
	Weekdays: [7]string{"dom", "seg", "ter", "qua", "qui", "sex", "sáb"},
	Months:   [12]string{"jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"},
	MonthsIn: [12]string{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"},
	And:      "e", Night: "1 noite", NightsN: "%d noites", Person: "1 pessoa", PersonsN: "%d pessoas",

	Hello:      "Olá, %s! 👋",
	HelloAnon:  "Olá! 👋",
	Intro:      "Sou o assistente de reservas das cabanas: digo quais cabanas estão livres e o preço, e reservo as suas datas.",
	MenuBody:   "Como posso ajudar?",
	BtnAvail:   "Ver disponibilidade",
	BtnMine:    "Minhas reservas",
	BtnHelp:    "Ajuda",
	BtnHuman:   "Falar com alguém",
	BtnDates:   "Mudar datas",
	BtnCabins:  "Outras cabanas",
	BtnBook:    "Reservar",
	BtnPay:     "Pagar o sinal",
	BtnCancelC: "Cancelar %s",
	BtnYesCanc: "Sim, cancelar",
	BtnNoKeep:  "Não, manter",

	AskDatesGuests: "Me diga as datas e quantas pessoas. Por exemplo: «de 18 a 21 de dezembro, somos 4».",
	AskDates:       "Para quais datas? Por exemplo: «de 18 a 21 de dezembro».",
	AskDatesNoted:  "Anotado, %s. Para quais datas? Por exemplo: «de 18 a 21 de dezembro».",
	AskCheckIn:     "Certo, %s. A partir de que dia?",
	AskMonthDays:   "Quais dias de %s? Por exemplo: «de 10 a 14».",
	AskCheckOut:    "Chegada %s. Até que dia?",
	AskGuests:      "Perfeito: %s. Quantas pessoas?",
	GuestsBad:      "Quantas pessoas? Me diga um número, por exemplo «somos 4».",

	ListBody:     "Para %s, %s, estão livres:",
	ListButton:   "Ver cabanas",
	RowDesc:      "%s no total · %s",
	UpTo:         "até %d pessoas",
	AltBody:      "Posso oferecer estas opções:",
	AltButton:    "Ver opções",
	AltDesc:      "%s · %s",
	PickFromList: "Escolha uma cabana da lista ou me diga o nome.",

	QuoteHead:     "🏡 *%s*\n%s · %s",
	QuoteLine:     "%s × %s",
	QuoteWeekend:  "%s de fim de semana × %s",
	QuoteSeason:   "%s de temporada × %s",
	QuoteCleaning: "Limpeza: %s",
	QuoteTotal:    "*Total: %s*",
	QuoteDeposit:  "Sinal para reservar (%d%%): %s",
	QuoteAsk:      "Quer que eu reserve?",

	Held:         "Pronto! 🎉 Reservei *%s* para você, %s. Código: *%s*.",
	HeldLink:     "Para confirmar, pague o sinal de %s antes %s com este link do Mercado Pago:\n%s",
	HeldNoLink:   "Para confirmar, é preciso pagar o sinal de %s antes %s. Já já te mando o link de pagamento do Mercado Pago.",
	DatesTaken:   "Ops, alguém acabou de pegar essas datas 😕.",
	TooManyHolds: "Você já tem %d reservas esperando o sinal. Pague ou cancele alguma antes de pedir outra.",
	OwnHold:      "Essas datas já estão reservadas por você: código *%s*, %s. Para mudar algo, cancele e fazemos de novo.",
	CabinGone:    "Essa cabana não está mais disponível.",

	Past:         "Essa data já passou 😅. Para quais datas você procura?",
	OutBeforeIn:  "A saída tem que ser depois da chegada. Pode me mandar as datas de novo?",
	TooLong:      "Posso reservar até %d noites seguidas. Vamos tentar menos?",
	TooFar:       "Ainda não aceito reservas com tanta antecedência (até %d dias). Outras datas?",
	TooMany:      "A maior cabana é para %d pessoas. Quantas pessoas são?",
	MinNights:    "Para essas datas a estadia mínima é de %d noites.",
	CabinTaken:   "*%s* não está livre para %s.",
	CabinSmall:   "*%s* é para até %d pessoas.",
	CabinMin:     "*%s* pede no mínimo %d noites nessas datas.",
	NoneFree:     "Não há cabanas livres para %s 😕.",
	TryOther:     "Vamos tentar outras datas?",
	StaleOption:  "Essa opção era de uma consulta anterior.",
	UnknownOpt:   "Não reconheço essa opção 🤔.",
	NotUnderstd:  "Desculpe, não entendi 🤔.",
	MenuHint:     "Posso mostrar as cabanas livres com preços, suas reservas ou explicar como tudo funciona.",
	OfferHuman:   "Quer falar com uma pessoa?",
	Thanks:       "De nada! Qualquer coisa, me escreva 🙂",
	Unsupported:  "Por enquanto entendo só texto e áudios 🙏. Pode me mandar por escrito ou em áudio?",
	AudioFailed:  "Não consegui ouvir o áudio 🙉, pode escrever?",
	QueryDropped: "Certo, deixamos por aqui. Quando quiser, me escreva 🙂",
	SeeOther:     "Certo. Quer mudar as datas ou ver outras cabanas?",

	NoReservations: "Você ainda não tem reservas. Vamos procurar datas?",
	MyHeader:       "Suas reservas:",
	StPending:      "⏳ falta o sinal (vence %s)",
	StConfirmed:    "✅ confirmada",
	StCancelled:    "❌ cancelada",
	StExpired:      "⌛ vencida",
	CancelNone:     "Você não tem reservas pendentes para cancelar.",
	CancelWhich:    "Qual você quer cancelar?",
	CancelConfirm:  "Tem certeza de que quer cancelar a reserva *%s* (%s, %s)? As datas serão liberadas.",
	Cancelled:      "Pronto, cancelei a reserva *%s* e liberei as datas.",
	CancelKept:     "Certo, a reserva continua de pé 👍",
	CancelNotFound: "Não encontrei a reserva *%s* no seu número.",
	CancelInactive: "A reserva *%s* não está mais ativa.",
	CancelPaid:     "A reserva *%s* já está paga: para cancelar, vou te passar para o dono.",
	PayNoHold:      "Para reservar, paga-se um sinal de %d%% pelo Mercado Pago e o resto na chegada. Primeiro escolhemos datas e cabana.",
	PayLink:        "Reserva *%s*: pague o sinal de %s antes %s com este link:\n%s",
	PayPending:     "Reserva *%s*: o sinal é de %s e precisa ser pago antes %s. O link de pagamento chega já já.",

	HelpBody:     "Sobre o que é a sua dúvida?",
	HelpButton:   "Ver temas",
	HelpPolicies: "Sinal e cancelamento",
	HelpCheckin:  "Check-in e check-out",
	HelpAmenit:   "O que inclui",
	HelpDirect:   "Como chegar",
	HelpHuman:    "Falar com uma pessoa",
	CheckinTimes: "O check-in é a partir das %s e o check-out até as %s.",
	CheckinCabin: "*%s*: check-in a partir das %s, check-out até as %s",
	AmenitiesAll: "As cabanas têm: %s.",
	AmenitiesNo:  "Ainda não tenho cadastrado o que cada cabana inclui.",
	TopicYes:     "Sim 🙂 %s: %s.",
	TopicAll:     "Sim 🙂 todas as cabanas têm %s.",
	TopicUnknown: "Isso eu não tenho anotado.",
	Policies:     "Para reservar, paga-se um sinal de %d%% pelo Mercado Pago; o resto na chegada. Cancelando com mais de 48 h de antecedência devolvemos tudo; com menos de 48 h, 50 %%; se não vier, não há devolução.",
	Directions:   "A localização exata e como chegar enviamos quando a reserva é confirmada. Se precisar antes, te passo para o dono.",

	HandoffGuest:   "Pronto, avisei o dono para te escrever 🙌. Enquanto isso eu fico quieto para não atrapalhar.",
	HandoffNoOwner: "Agora não há ninguém disponível, mas me conte que eu te ajudo.",
	Resumed:        "Olá de novo! Se precisar de algo mais, me escreva 🙂",
	Apology:        "Ops, tive um problema técnico 🙈. Tente de novo daqui a pouco, por favor.",
}

// Apology is the answer when a message could not be handled (the database is down).
func Apology(lang string) string { return catalogFor(normLang(lang)).Apology }

// Resumed greets a guest the owner handed back to the bot.
func Resumed(lang string) string { return catalogFor(normLang(lang)).Resumed }
