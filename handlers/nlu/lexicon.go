package nlu

import (
	"sort"
	"strings"
	"time"
)

// cue is a bit set of the signals a message carries.
type cue uint32

const (
	cueGreeting cue = 1 << iota
	cueThanks
	cueAvail
	cueAvailWeak
	cuePrice
	cuePriceWeak
	cueBook
	cueBookWeak
	cueCancel
	cuePolicy
	cueMyRes
	cuePay
	cueHuman
	cueAsk     // asks whether something is offered or allowed ("aceptan", "se puede", "hay")
	cueAmenity // a general amenities question ("¿qué incluye?")
)

// phraseSpecs lists the phrases that carry each cue or topic. Words are
// written folded (no accents). A word is matched by its phonetic key, or by
// its folded form when prefixed with "=", or by the lower-cased text as
// written (accents kept) when prefixed with "~". Phrases are separated by "|".
var phraseSpecs = []struct {
	cue     cue
	topic   string
	phrases string
}{
	{cueGreeting, "", "hola|holis|holi|=hi|hey|hello|buenas|wenas|buen dia|buenos dias|buenas tardes|buenas noches|que tal|como va|como andas|como andan|como estas|como estan|como le va|good morning|good afternoon|good evening|=ola|=oi|oie|bom dia|boa tarde|boa noite|tudo bem|tudo bom|saludos|buen diaa"},
	{cueThanks, "", "gracias por la info|gracias por la informacion|gracias por todo|gracias por responder|gracias por la respuesta|thanks for the info|obrigado pela informacao|gracias|muchas gracias|mil gracias|thanks|thank you|thank u|obrigado|obrigada|valeu|agradezco|te agradezco|les agradezco|merci|gracia|muito obrigado|muito obrigada"},
	{cueAvail, "", "disponibilidad|disponible|disponibles|libre|libres|hay lugar|tenes lugar|tienen lugar|tiene lugar|tendras lugar|tendrian lugar|tendran lugar|habra lugar|queda lugar|quedan lugares|quedan lugar|hay lugares|hay algo|tenes algo|tienen algo|tendras algo|tendrian algo|queda algo|hay cabanas|hay cabana|tenes cabana|tienen cabanas|hay vacantes|vacante|vacantes|available|availability|vacancy|vacancies|any room|any rooms|have room|is it free|disponivel|disponiveis|disponibilidade|tem vaga|tem vagas|vaga|vagas|tem lugar|tem algo|esta libre|estan libres|hay fecha|hay fechas|tenes fecha|tenes fechas|ocupado|ocupada|ocupados|ocupadas"},
	{cueAvailWeak, "", "tenes para|tienen para|tiene para|hay para|lugar para|do you have|tem para|hay sitio|queda"},
	{cuePrice, "", "precio|precios|tarifa|tarifas|costo|costos|cuanto sale|cuanto salen|cuanto cuesta|cuanto cuestan|cuanto esta|cuanto es|cuanto seria|cuanto serian|cuanto saldria|cuanto cobran|cuanto cobras|cuanto cobrarian|cuanto me sale|cuanto nos sale|cuanto me saldria|cuanto nos saldria|cuanto por|cuanto la noche|cuanto vale|cuanto valen|valor|valores|presupuesto|cotizacion|cotizar|cuesta|cuestan|price|prices|pricing|how much|cost|costs|rate|rates|quote|quanto custa|quanto e|quanto fica|quanto sai|quanto sairia|quanto ficaria|quanto cobram|quanto seria|preco|precos|diaria|diarias|orcamento|sale la noche|por noche|el total|cuanto es el total|cuanto seria el total|cuanto da|how much is it|total price|preco total|valor total"},
	{cuePriceWeak, "", "cuanto|quanto"},
	{cueBook, "", "reservar|quiero reservar|hacer una reserva|hacer la reserva|la reservo|lo reservo|reservo|reservamos|reservame|reservamela|reservala|reservalo|reservanos|reservemos|reserven|reservem|me la quedo|nos la quedamos|me lo quedo|nos lo quedamos|la tomo|la tomamos|lo tomo|lo tomamos|alquilar|alquilo|alquilamos|alquilarla|book|reserve|ill take it|well take it|make a reservation|make a booking|quero reservar|fazer uma reserva|fazer a reserva|alugar|confirmo la reserva|confirmar la reserva|apartar|apartala|separala"},
	{cueBookWeak, "", "reserva|reservas|reservation|reservacion|booking"},
	{cueCancel, "", "cancelar|cancela|cancelen|cancelo|cancelamos|cancelame|cancelacion|cancelaciones|cancelarla|cancelarlo|anular|anulo|anulen|anulame|anulacion|dar de baja|no vamos a poder ir|no vamos a ir|no podemos ir|no voy a poder ir|no vamos a poder viajar|no vamos a poder|cancel|cancellation|cancelamento|cancele|desistir|desisto"},
	{cuePolicy, "", "politica|politicas|que pasa si|policy|policies|what if|con cuanta anticipacion"},
	{cuePolicy | cueCancel, "", "si cancelo|si cancelamos|si cancelara|si cancelaramos|si tengo que cancelar|si tenemos que cancelar|if i cancel|if we cancel|se eu cancelar|se cancelar|hasta cuando puedo cancelar|hasta cuando se puede cancelar|se puede cancelar|puedo cancelar|politica de cancelacion|politicas de cancelacion|cancellation policy|politica de cancelamento"},
	{cuePolicy | cueAmenity, TopicCancellationPolicy, "reembolso|devolucion|devuelven|devuelve|reintegro|reintegran|refund|refundable|reembolsavel|reembolsable"},
	{cueMyRes, "", "mi reserva|mis reservas|nuestra reserva|nuestras reservas|la reserva que hice|tengo una reserva|tenemos una reserva|hice una reserva|hicimos una reserva|ya reserve|ya reservamos|ya hice la reserva|ver mi reserva|estado de mi reserva|codigo de reserva|mi reservacion|mis reservaciones|my booking|my bookings|my reservation|my reservations|our booking|our reservation|minha reserva|minhas reservas|nossa reserva|reserva a nombre de|numero de reserva|tengo reserva|tenemos reserva|~reservé|~reservè|la reserva que tengo|la reserva que tenemos"},
	{cuePay, "", "pagar|pago|pague|paga|se paga|pagan|pagamos|pagas|abonar|abono|abonamos|=sena|=senar|=senas|=senia|=seniar|transferencia|transferir|transferi|transfiero|transferimos|deposito|depositar|deposite|cbu|cvu|alias|mercado pago|mercadopago|link de pago|link para pagar|tarjeta|tarjetas|efectivo|cuotas|comprobante|pay|payment|paid|card|cards|credit card|credit cards|debit card|cash|transfer|deposit|pix|pagamento|cartao|boleto|parcelas|parcelar|factura|recibo"},
	{cueHuman, "", "humano|humana|persona real|una persona real|hablar con alguien|hablar con una persona|hablar con un humano|hablar con el dueno|hablar con la duena|hablar con vos|hablar con ustedes|hablar con el encargado|hablar con la encargada|con alguien|el dueno|la duena|dueno|duena|encargado|encargada|operador|operadora|asesor|asesora|atencion al cliente|llamame|llamenme|me llamas|me llaman|me pueden llamar|me podes llamar|me podrias llamar|human|real person|agent|operator|talk to someone|speak to someone|talk to a person|speak to a person|talk to a human|speak to a human|the owner|call me|atendente|pessoa real|falar com alguem|falar com uma pessoa|falar com o dono|dono|me liga|me ligue|me ligar|pode ligar|podem ligar|ligar pra mim|me comunicas|comunicarme|comunicame|comunicarnos|una persona de verdad"},
	{cueAsk, "", "aceptan|acepta|aceptas|admiten|admite|permiten|permite|permitido|permitidos|permitidas|se puede|se pueden|puedo llevar|podemos llevar|pueden ir|pueden venir|se admiten|se aceptan|allowed|allow|accept|aceitam|aceita|pode|podemos levar|posso levar|is there|are there|tienen|tiene|tenes|hay|tem|incluye|incluido|incluida|included|include|inclui|cuenta con|cuentan con"},
	{cueAmenity, TopicCheckin, "check in|checkin|check out|checkout|horario de entrada|horario de salida|hora de entrada|hora de salida|horario de llegada|hora de llegada|a que hora|que hora|horario|horarios|late checkout|late check out|early check in|llaves|llave|what time|arrival time|que horas|hora do check|hora de ingreso|horario de ingreso|check"},
	{cueAmenity, TopicPets, "mascota|mascotas|perro|perros|perrito|perritos|perrita|perra|gato|gatos|gatito|gatita|pet|pets|dog|dogs|cat|cats|cachorro|cachorros|cachorrinho|animal|animales|animais|pet friendly|petfriendly|caniche|mascote|mascotes"},
	{cueAmenity, TopicWifi, "wifi|wi fi|internet|senal|starlink|conexion|conectividad|wireless|sinal de internet"},
	{cueAmenity, TopicBreakfast, "desayuno|desayunos|desayunar|breakfast|cafe da manha|cafe de manha|media pension|pension completa"},
	{cueAmenity, TopicPolicies, "minimo|minima|minimo de noches|estadia minima|estadia minimo|minimum|minimum stay|estadia minima|normas|reglas|reglamento|fumar|fumo|fumador|fumadores|fiesta|fiestas|ruido|ruidos|rules|smoking|smoke|party|parties|regras|deposito de garantia|horario de silencio|visitas"},
	{cueAmenity, TopicParking, "estacionamiento|cochera|cocheras|estacionar|garage|garaje|parking|park|estacionamento|garagem|auto|autos|coche|camioneta|car|carro"},
	{cueAmenity, TopicPool, "pileta|piletas|piscina|piscinas|pool|pools|jacuzzi|hidromasaje|climatizada|solarium"},
	{cueAmenity, TopicDirections, "ubicacion|ubicados|ubicada|ubicadas|ubicado|direccion|donde queda|donde quedan|donde estan|donde esta|donde se encuentra|donde se encuentran|como llego|como llegamos|como se llega|como llegar|como hago para llegar|mapa|maps|google maps|location|located|address|where are you|where is|directions|how to get|how do i get|endereco|localizacao|onde fica|onde ficam|como chegar|a cuanto queda|a cuantos km|lejos|distancia|ruta de acceso|km|kms|kilometros|ripio|asfalto|camino de tierra|cerca del centro|lejos del centro|queda cerca|esta cerca|cerca de|centro|near|far from"},
	{cueAmenity, TopicLinens, "ropa de cama|sabanas|toallas|toallones|linens|towels|sheets|roupa de cama|toalhas|lencois"},
	{cueAmenity, TopicGrill, "parrilla|parrillas|asador|quincho|bbq|barbecue|grill|churrasqueira"},
	{cueAmenity, TopicClimate, "aire acondicionado|aire|calefaccion|calefaccionada|estufa|salamandra|hogar a lena|heating|heater|air conditioning|aircon|ar condicionado|aquecimento|lareira|calefactor|ventilador"},
	{cueAmenity, TopicKitchen, "cocina|vajilla|heladera|microondas|horno|cafetera|kitchen|fridge|microwave|cozinha|geladeira|utensilios"},
	{cueAmenity, "", "servicios|que incluye|comodidades|amenities|amenidades|equipada|equipado|equipamiento|que tiene la cabana|capacidad|cuantas personas|cuantos entran|entran|cuantas camas|dormitorios|cuantos dormitorios|ambientes|habitaciones|camas|tv|television|netflix|facilities|what does it include|servicos|limpieza|cleaning|aire libre|al aire libre|fotos|foto|photos|pictures|mas informacion|informacion|quantas pessoas|capacity|how many people"},
}

// yesSpecs and noSpecs are the affirmative and negative answers.
const (
	yesSpecs = "dale|ok|listo|de una|perfecto|perfect|barbaro|joya|claro|obvio|seguro|confirmo|confirmado|va|bueno|yes|yeah|yep|yup|sure|of course|sounds good|sim|pode ser|beleza|fechado|isso|certo|de acuerdo|esta bien|me parece bien|genial|great|buenisimo|excelente|afirmativo|correcto|exacto|tal cual|ta bien|👍|👌|✅|🙌|👏"
	noSpecs  = "nop|nope|nah|mejor no|no gracias|para nada|negativo|todavia no|por ahora no|nao|no thanks|not now|nao obrigado|ninguno|ninguna|❌|👎"
)

// fuzzyKey is a correctable lexicon key with its letter counts, which give a
// cheap lower bound of the edit distance.
type fuzzyKey struct {
	key  string
	hist [26]uint8
}

func letterHist(s string) (h [26]uint8) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' && h[c-'a'] < 255 {
			h[c-'a']++
		}
	}
	return h
}

type phrase struct {
	words []string // match spec per word: key, "=norm" or "~raw"
	cue   cue
	topic string
}

// lexicon holds the immutable tables built once at init.
type lexicon struct {
	phrases  map[string][]phrase // by the key of the first word
	yes, no  map[string][]phrase
	fuzzy    [][]fuzzyKey // fuzzy-correctable keys by length
	known    map[string]bool
	common   map[string]bool // real words never corrected to a lexicon key
	months   map[string]time.Month
	monAbbr  map[string]time.Month
	weekdays map[string]time.Weekday
	ptDays   map[string]time.Weekday // need "feira" or a Portuguese message
	numbers  map[string]int
	ordinals map[string]int
	adults   map[string]bool
	children map[string]bool
	couples  map[string]bool
	partners map[string]bool
	units    map[string]int // night units: nights per unit
	notCount map[string]bool
	langs    [3]map[string]int // es, en, pt marker weights by norm
}

var lex = buildLexicon()

func keysOf(list string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Split(list, "|") {
		m[phoneticKey(w)] = true
	}
	return m
}

func buildLexicon() *lexicon {
	l := &lexicon{
		phrases: make(map[string][]phrase),
		yes:     make(map[string][]phrase),
		no:      make(map[string][]phrase),
		known:   make(map[string]bool),
	}
	addTo := func(m map[string][]phrase, spec string, c cue, topic string) {
		for _, ph := range strings.Split(spec, "|") {
			words := strings.Fields(ph)
			p := phrase{cue: c, topic: topic}
			for _, w := range words {
				switch w[0] {
				case '=', '~':
					p.words = append(p.words, w)
				default:
					k := phoneticKey(w)
					p.words = append(p.words, k)
					l.known[k] = true
				}
			}
			first := p.words[0]
			if first[0] == '=' || first[0] == '~' {
				first = phoneticKey(string(foldString(first[1:])))
			}
			m[first] = append(m[first], p)
		}
	}
	for _, s := range phraseSpecs {
		addTo(l.phrases, s.phrases, s.cue, s.topic)
	}
	addTo(l.yes, yesSpecs, 0, "")
	addTo(l.no, noSpecs, 0, "")
	for _, m := range []map[string][]phrase{l.phrases, l.yes, l.no} {
		for k, ps := range m {
			sort.SliceStable(ps, func(i, j int) bool { return len(ps[i].words) > len(ps[j].words) })
			m[k] = ps
		}
	}

	l.months = make(map[string]time.Month)
	for i, names := range []string{
		"enero|january|janeiro|henero",
		"febrero|february|fevereiro|febero",
		"marzo|march|marco",
		"abril|april",
		"mayo|maio",
		"junio|june|junho",
		"julio|july|julho",
		"agosto|august",
		"septiembre|setiembre|september|setembro|septiembre",
		"octubre|october|outubro",
		"noviembre|november|novembro",
		"diciembre|december|dezembro|dicienbre",
	} {
		for _, n := range strings.Split(names, "|") {
			l.months[phoneticKey(n)] = time.Month(i + 1)
		}
	}
	l.monAbbr = make(map[string]time.Month)
	for i, names := range []string{
		"ene|jan", "feb|fev", "mar", "abr|apr", "may|mai", "jun", "jul", "ago|aug",
		"sep|sept|set|setiem", "oct|out", "nov", "dic|dec|dez",
	} {
		for _, n := range strings.Split(names, "|") {
			l.monAbbr[phoneticKey(n)] = time.Month(i + 1)
		}
	}
	l.weekdays = make(map[string]time.Weekday)
	for i, names := range []string{
		"domingo|sunday|dom|sun",
		"lunes|monday|lun|mon",
		"martes|tuesday|tue|tues",
		"miercoles|wednesday|mie|mier|wed",
		"jueves|thursday|jue|thu|thur|thurs",
		"viernes|friday|vie|fri",
		"sabado|saturday|sab|sat",
	} {
		for _, n := range strings.Split(names, "|") {
			l.weekdays[phoneticKey(n)] = time.Weekday(i)
		}
	}
	l.ptDays = map[string]time.Weekday{
		phoneticKey("segunda"): time.Monday, phoneticKey("terca"): time.Tuesday,
		phoneticKey("quarta"): time.Wednesday, phoneticKey("quinta"): time.Thursday,
		phoneticKey("sexta"): time.Friday,
	}
	l.numbers = make(map[string]int)
	for i, names := range []string{
		"uno|una|un|one|um|uma", "dos|two|dois|duas", "tres|three", "cuatro|four|quatro",
		"cinco|five", "seis|six", "siete|seven|sete", "ocho|eight|oito", "nueve|nine|nove",
		"diez|ten|dez", "once|eleven|onze", "doce|twelve|doze", "trece|thirteen|treze",
		"catorce|fourteen|catorze|quatorze", "quince|fifteen|quinze",
		"dieciseis|sixteen|dezesseis|dezasseis", "diecisiete|seventeen|dezessete",
		"dieciocho|eighteen|dezoito", "diecinueve|nineteen|dezenove", "veinte|twenty|vinte",
		"veintiuno|veintiuna", "veintidos", "veintitres", "veinticuatro", "veinticinco",
		"veintiseis", "veintisiete", "veintiocho", "veintinueve", "treinta|thirty|trinta",
	} {
		for _, n := range strings.Split(names, "|") {
			l.numbers[phoneticKey(n)] = i + 1
		}
	}
	l.ordinals = make(map[string]int)
	for i, names := range []string{
		"primera|primero|primer|first|primeira|primeiro",
		"segunda|segundo|second",
		"tercera|tercero|tercer|third|terceira|terceiro",
		"cuarta|cuarto|fourth",
		"quinta|quinto|fifth",
	} {
		for _, n := range strings.Split(names, "|") {
			l.ordinals[phoneticKey(n)] = i + 1
		}
	}
	l.adults = keysOf("personas|persona|pax|huespedes|huesped|adultos|adulto|mayores|amigos|amigas|chicas|people|persons|person|guests|guest|adults|adult|pessoas|pessoa|hospedes|hospede|integrantes|viajeros|amigos|friends|adultas|adulta")
	l.children = keysOf("ninos|nino|ninas|nina|nenes|nene|nenas|nena|chicos|chico|menores|menor|hijos|hijas|hijo|hija|bebes|bebe|kids|kid|children|child|babies|baby|infants|infant|criancas|crianca|filhos|filho|filhas|filha|nenen|chiquitos|peques")
	l.couples = keysOf("pareja|parejas|matrimonio|matrimonios|couple|couples|casal|casais")
	l.partners = keysOf("esposa|esposo|marido|mujer|novia|novio|pareja|wife|husband|partner|girlfriend|boyfriend|namorada|namorado|mulher|senora|senor|companero|companera|hermana|hermano|mama|papa|madre|padre|amiga|amigo|sister|brother|mom|dad|friend")
	l.units = map[string]int{}
	for _, n := range strings.Split("noches|noche|nights|night|noites|noite|dias|dia|days|day|diarias|diaria|nites", "|") {
		l.units[phoneticKey(n)] = 1
	}
	for _, n := range strings.Split("semanas|semana|weeks|week", "|") {
		l.units[phoneticKey(n)] = 7
	}
	l.notCount = keysOf("horas|minutos|km|kms|kilometros|cuadras|metros|mts|estrellas|stars|dormitorios|habitaciones|ambientes|camas|banos|cuartos|quartos|bedrooms|beds|rooms|pesos|dolares|usd|reales|reais|mil|lucas|k|euros|meses|mes|months|month|anos|years|year|cabanas|cabana|finde|fin|fines|weekend|familias|familia|grupos|grupo|por|am|pm|de")
	l.common = keysOf("looking|cooking|hooking|rocking|locking|parking|previo|previa|pasar|parar|pasamos|hablamos|hablan|persona|personal|cabana|cabanas|quiere|quieren|queria|queriamos|manzana|semanal|rese|reservada|marte|nuevo|nueva|ventana|pagina|llegar|llegamos|salida|entrada|fecha|fechas|gracia|lindo|linda|mismo|misma|cerca|costa|casa|caza|tarde|tardes|noche|noches|puedo|puede|pueden|podes|tiene|tienen|tengo|tenemos|tenes|quedo|queda|quedan|saber|sabado|sabados|domingo|domingos|jueves|viernes|martes|lunes|cuanto|cuantos|cuantas|precio|precios")
	// Words that can be corrected for typos: the lexicon's longer keys.
	seen := make(map[string]bool)
	add := func(k string) {
		if len(k) < 6 {
			return
		}
		for len(l.fuzzy) <= len(k) {
			l.fuzzy = append(l.fuzzy, nil)
		}
		if !seen[k] {
			l.fuzzy[len(k)] = append(l.fuzzy[len(k)], fuzzyKey{key: k, hist: letterHist(k)})
			seen[k] = true
		}
		l.known[k] = true
	}
	for k := range l.known {
		add(k)
	}
	for _, m := range []map[string]time.Month{l.months} {
		for k := range m {
			add(k)
		}
	}
	for k := range l.weekdays {
		add(k)
	}
	for _, m := range []map[string]bool{l.adults, l.children, l.couples} {
		for k := range m {
			add(k)
		}
	}
	for k := range l.units {
		add(k)
	}
	for _, ks := range l.fuzzy {
		sort.Slice(ks, func(i, j int) bool { return ks[i].key < ks[j].key })
	}

	l.langs[0] = weights("hola|la|si|plata|algo|vez|cancelo|devuelven|tengo|puedo|podemos|queremos|dias|este|ese|eso|alguien|llevar|aceptan|sabado|domingo|quiero|queria|queriamos|quisiera|tenes|tienen|tiene|hay|noches|noche|personas|persona|gracias|cuanto|cuanta|cuantos|cuesta|sale|del|al|el|los|las|y|finde|manana|pileta|buenas|buen|dale|con|en|un|una|es|necesito|mi|mis|disponibilidad|ninos|nenes|chicos|seriamos|fecha|fechas|enero|febrero|marzo|mayo|junio|julio|septiembre|setiembre|octubre|noviembre|diciembre|che|vos|sos|podes|queres|hasta|desde|cabana|cabanas|viernes|lunes|martes|miercoles|jueves|precio|ya|tambien|pero|consulta|mascota|mascotas|perro|desayuno|estacionamiento|hablar|llegamos|pago|sena|hacer|estan|tenemos|adultos|pareja|libre|le|lo|hoy|senor|cuando|donde", 1)
	l.langs[1] = weights("hi|hello|hey|the|we|i|you|is|are|do|does|for|how|much|what|whats|available|availability|night|nights|weekend|thanks|thank|please|book|booking|my|to|from|and|can|have|there|any|people|guests|adults|kids|children|pool|pets|dog|allowed|price|cost|next|this|tomorrow|today|tonight|room|cabin|would|like|want|need|with|yes|sure|breakfast|parking|where|when|it|of|in|on|at|id|im|were|ill|us|our|be|will|week|weeks|days|day|person|persons|couple|cancel|reservation|pay|card|human|talk|hello|morning|friday|saturday|sunday|monday|january|february|march|april|june|july|august|september|october|november|december|dec|jan|located|address|time|until|an|or|if|your|just|only|free|vacancy", 1)
	l.langs[2] = weights("voce|voces|obrigado|obrigada|nao|tem|temos|quero|noites|noite|pessoas|pessoa|fim|ate|dezembro|janeiro|fevereiro|marco|maio|junho|julho|setembro|outubro|novembro|com|em|um|uma|sao|isso|muito|gostaria|gostariamos|posso|oi|ola|bom|boa|amanha|hoje|manha|criancas|crianca|casal|ficar|quanto|custa|valeu|tudo|bem|vaga|vagas|aceita|aceitam|cartao|diaria|diarias|quarto|do|da|das|na|ao|pra|vcs|estadia|chale|chales|pousada|e|o|os|qual|quais|onde|depois|sexta|feira|terca|quarta|disponivel|disponibilidade|preco|cachorro|estacionamento|piscina|cafe|endereco|falar|alguem|dono|pix|fica|obg|vlw|beleza|tambem|eu|nossa|minha|meu|ele|ela|sim|ficaria|podemos|pode|quando|voces", 1)
	for _, m := range l.langs {
		for w := range m {
			if k := phoneticKey(w); !l.known[k] {
				l.common[k] = true
			}
		}
	}
	for k, w := range weights("ñ|¿|¡", 3) {
		l.langs[0][k] = w
	}
	for k, w := range weights("ã|õ|ç|ê|ô", 3) {
		l.langs[2][k] = w
	}
	return l
}

func weights(list string, w int) map[string]int {
	m := make(map[string]int)
	for _, s := range strings.Split(list, "|") {
		m[s] = w
	}
	return m
}

func foldString(s string) []rune {
	rs := []rune(s)
	for i, r := range rs {
		rs[i] = fold(r)
	}
	return rs
}

// correct returns the lexicon key closest to k when k is not a known word:
// within one edit for keys of 6 to 9 letters and two edits from 10 letters.
func (l *lexicon) correct(k string) string {
	if len(k) < 6 || l.known[k] || l.common[k] {
		return k
	}
	if _, ok := l.numbers[k]; ok {
		return k
	}
	max := 1
	if len(k) >= 10 {
		max = 2
	}
	h := letterHist(k)
	best, bestD := k, max+1
	for n := len(k) - max; n <= len(k)+max; n++ {
		if n < 6 || n >= len(l.fuzzy) {
			continue
		}
		for c := range l.fuzzy[n] {
			cand := &l.fuzzy[n][c]
			// Each edit changes the letter counts by at most 2.
			diff := 0
			for i := range h {
				d := int(h[i]) - int(cand.hist[i])
				if d < 0 {
					d = -d
				}
				diff += d
			}
			if diff > 2*max {
				continue
			}
			if d := editDistance(k, cand.key, max); d < bestD {
				best, bestD = cand.key, d
			}
		}
	}
	return best
}
