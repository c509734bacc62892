package nlu

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

var art = time.FixedZone("ART", -3*3600)

// Fixed clocks. mon is the default: Monday 2026-11-30 10:00 in Buenos Aires.
var (
	mon      = time.Date(2026, 11, 30, 10, 0, 0, 0, art)
	fri      = time.Date(2026, 12, 4, 18, 0, 0, 0, art)
	sat      = time.Date(2026, 12, 5, 9, 0, 0, 0, art)
	sun      = time.Date(2026, 12, 6, 9, 0, 0, 0, art)
	lateDec  = time.Date(2026, 12, 29, 23, 30, 0, 0, art) // Tuesday
	midMarch = time.Date(2027, 3, 15, 12, 0, 0, 0, art)   // Monday
)

type parseCase struct {
	text   string
	intent Intent
	in     string // check-in "YYYY-MM-DD" or ""
	out    string // check-out or ""
	nights int
	guests int
	// extra holds other expectations as space-separated key=value pairs:
	// lang, topic, yes, no, choice, number, month, children, pets, long.
	extra string
	now   time.Time // mon when zero
}

var parseCases = []parseCase{
	// Greetings.
	{text: "hola", intent: IntentGreeting, extra: "lang=es"},
	{text: "Holaaa", intent: IntentGreeting},
	{text: "holaaa buenas tardes!!", intent: IntentGreeting},
	{text: "Buen día", intent: IntentGreeting},
	{text: "buenos dias", intent: IntentGreeting},
	{text: "Buenas noches", intent: IntentGreeting},
	{text: "buenaaas", intent: IntentGreeting},
	{text: "hola, qué tal?", intent: IntentGreeting},
	{text: "Hello!", intent: IntentGreeting, extra: "lang=en"},
	{text: "hi there", intent: IntentGreeting, extra: "lang=en"},
	{text: "good morning", intent: IntentGreeting, extra: "lang=en"},
	{text: "Olá", intent: IntentGreeting},
	{text: "oi", intent: IntentGreeting, extra: "lang=pt"},
	{text: "boa tarde", intent: IntentGreeting, extra: "lang=pt"},
	{text: "bom dia, tudo bem?", intent: IntentGreeting, extra: "lang=pt"},

	// Availability with dates, Rioplatense forms.
	{text: "Hola, tenés disponibilidad del 12 al 15 de diciembre?", intent: IntentAvailability, in: "2026-12-12", out: "2026-12-15", nights: 3, extra: "lang=es"},
	{text: "hay lugar del 18 al 21 de diciembre para 4 personas", intent: IntentAvailability, in: "2026-12-18", out: "2026-12-21", nights: 3, guests: 4},
	{text: "12/12 al 15/12", intent: IntentAvailability, in: "2026-12-12", out: "2026-12-15", nights: 3},
	{text: "15-01 al 20-01", intent: IntentAvailability, in: "2027-01-15", out: "2027-01-20", nights: 5},
	{text: "desde el viernes 18 hasta el lunes 21", intent: IntentAvailability, in: "2026-12-18", out: "2026-12-21", nights: 3},
	{text: "3 noches desde el 10 de enero", intent: IntentAvailability, in: "2027-01-10", out: "2027-01-13", nights: 3},
	{text: "1 semana a partir del 5", intent: IntentAvailability, in: "2026-12-05", out: "2026-12-12", nights: 7},
	{text: "una semana a partir del 5 de febrero", intent: IntentAvailability, in: "2027-02-05", out: "2027-02-12", nights: 7},
	{text: "mañana", intent: IntentAvailability, in: "2026-12-01"},
	{text: "para mañana somos 2", intent: IntentAvailability, in: "2026-12-01", guests: 2},
	{text: "el sábado", intent: IntentAvailability, in: "2026-12-05"},
	{text: "este finde", intent: IntentAvailability, in: "2026-12-04", out: "2026-12-06", nights: 2},
	{text: "el finde que viene", intent: IntentAvailability, in: "2026-12-11", out: "2026-12-13", nights: 2},
	{text: "el próximo finde", intent: IntentAvailability, in: "2026-12-11", out: "2026-12-13", nights: 2},
	{text: "este fin de semana", intent: IntentAvailability, in: "2026-12-04", out: "2026-12-06", nights: 2},
	{text: "del 10 al 14 dic", intent: IntentAvailability, in: "2026-12-10", out: "2026-12-14", nights: 4},
	{text: "del 2 al 5 de ene", intent: IntentAvailability, in: "2027-01-02", out: "2027-01-05", nights: 3},
	{text: "disponivilidad para el finde q viene", intent: IntentAvailability, in: "2026-12-11", out: "2026-12-13", nights: 2},
	{text: "dispinibilidad 20/12 al 22/12", intent: IntentAvailability, in: "2026-12-20", out: "2026-12-22", nights: 2},
	{text: "tenes lugar xq queremos ir del 3 al 6 de enero", intent: IntentAvailability, in: "2027-01-03", out: "2027-01-06", nights: 3},
	{text: "hay lugar del 28/12 al 3/1?", intent: IntentAvailability, in: "2026-12-28", out: "2027-01-03", nights: 6},
	{text: "del 28 de diciembre al 3 de enero", intent: IntentAvailability, in: "2026-12-28", out: "2027-01-03", nights: 6},
	{text: "del 28 al 3 de enero", intent: IntentAvailability, in: "2026-12-28", out: "2027-01-03", nights: 6},
	{text: "del 28 de diciembre al 3", intent: IntentAvailability, in: "2026-12-28", out: "2027-01-03", nights: 6},
	{text: "del 5 al 8 de noviembre", intent: IntentAvailability, in: "2027-11-05", out: "2027-11-08", nights: 3},
	{text: "del 30 de noviembre al 2 de diciembre", intent: IntentAvailability, in: "2026-11-30", out: "2026-12-02", nights: 2},
	{text: "del 12 al 15", intent: IntentAvailability, in: "2026-12-12", out: "2026-12-15", nights: 3},
	{text: "12 al 15/12", intent: IntentAvailability, in: "2026-12-12", out: "2026-12-15", nights: 3},
	{text: "15-18 de diciembre", intent: IntentAvailability, in: "2026-12-15", out: "2026-12-18", nights: 3},
	{text: "15/12-18/12", intent: IntentAvailability, in: "2026-12-15", out: "2026-12-18", nights: 3},
	{text: "15/12 a 18/12", intent: IntentAvailability, in: "2026-12-15", out: "2026-12-18", nights: 3},
	{text: "15.12 al 18.12", intent: IntentAvailability, in: "2026-12-15", out: "2026-12-18", nights: 3},
	{text: "del 20/12/2026 al 23/12/2026", intent: IntentAvailability, in: "2026-12-20", out: "2026-12-23", nights: 3},
	{text: "del 20/12/26 al 23/12/26", intent: IntentAvailability, in: "2026-12-20", out: "2026-12-23", nights: 3},
	{text: "del 10 al 12 de diciembre de 2027", intent: IntentAvailability, in: "2027-12-10", out: "2027-12-12", nights: 2},
	{text: "2026-12-15 al 2026-12-18", intent: IntentAvailability, in: "2026-12-15", out: "2026-12-18", nights: 3},
	{text: "entre el 3 y el 7 de enero", intent: IntentAvailability, in: "2027-01-03", out: "2027-01-07", nights: 4},
	{text: "entre el 3 y 7", intent: IntentAvailability, in: "2026-12-03", out: "2026-12-07", nights: 4},
	{text: "llegamos el 12 y nos vamos el 15", intent: IntentAvailability, in: "2026-12-12", out: "2026-12-15", nights: 3},
	{text: "entrada 20/12 salida 23/12", intent: IntentAvailability, in: "2026-12-20", out: "2026-12-23", nights: 3},
	{text: "check in el 5/12 check out el 8/12", intent: IntentAvailability, in: "2026-12-05", out: "2026-12-08", nights: 3, extra: "topic=checkin"},
	{text: "el 15 y 16 de diciembre", intent: IntentAvailability, in: "2026-12-15", out: "2026-12-17", nights: 2},
	{text: "viernes y sábado", intent: IntentAvailability, in: "2026-12-04", out: "2026-12-06", nights: 2},
	{text: "sábado y domingo", intent: IntentAvailability, in: "2026-12-05", out: "2026-12-06", nights: 1},
	{text: "del viernes al domingo", intent: IntentAvailability, in: "2026-12-04", out: "2026-12-06", nights: 2},
	{text: "desde hoy hasta el jueves", intent: IntentAvailability, in: "2026-11-30", out: "2026-12-03", nights: 3},
	{text: "desde mañana por 3 noches", intent: IntentAvailability, in: "2026-12-01", out: "2026-12-04", nights: 3},
	{text: "pasado mañana 2 noches para 3", intent: IntentAvailability, in: "2026-12-02", out: "2026-12-04", nights: 2, guests: 3},
	{text: "hoy a la noche para 2", intent: IntentAvailability, in: "2026-11-30", guests: 2},
	{text: "esta noche", intent: IntentAvailability, in: "2026-11-30"},
	{text: "el 10 de dic", intent: IntentAvailability, in: "2026-12-10"},
	{text: "para el 24 de diciembre", intent: IntentAvailability, in: "2026-12-24"},
	{text: "tenés para el 1ro de enero?", intent: IntentAvailability, in: "2027-01-01"},
	{text: "el primero de enero", intent: IntentAvailability, in: "2027-01-01"},
	{text: "el 1° de marzo 2 noches", intent: IntentAvailability, in: "2027-03-01", out: "2027-03-03", nights: 2},
	{text: "disponibilidad enero 5 al 9", intent: IntentAvailability, in: "2027-01-05", out: "2027-01-09", nights: 4},
	{text: "el 30", intent: IntentAvailability, in: "2026-11-30"},
	{text: "el 29", intent: IntentAvailability, in: "2026-12-29"},
	{text: "el 31 de dic", intent: IntentAvailability, in: "2026-12-31"},
	{text: "el viernes 18 de diciembre", intent: IntentAvailability, in: "2026-12-18"},
	{text: "el viernes 18/12 por 2 noches", intent: IntentAvailability, in: "2026-12-18", out: "2026-12-20", nights: 2},
	{text: "el próximo sábado", intent: IntentAvailability, in: "2026-12-05"},
	{text: "el sábado que viene", intent: IntentAvailability, in: "2026-12-05"},
	{text: "el sábado de la semana que viene", intent: IntentAvailability, in: "2026-12-12"},
	{text: "el lunes", intent: IntentAvailability, in: "2026-11-30"},
	{text: "el próximo lunes", intent: IntentAvailability, in: "2026-12-07"},
	{text: "este sábado 2 noches", intent: IntentAvailability, in: "2026-12-05", out: "2026-12-07", nights: 2},
	{text: "este finde 3 noches", intent: IntentAvailability, in: "2026-12-04", out: "2026-12-07", nights: 3},
	{text: "3 noches", intent: IntentAvailability, nights: 3},
	{text: "dos noches", intent: IntentAvailability, nights: 2},
	{text: "un par de noches", intent: IntentAvailability, nights: 2},
	{text: "2 semanas en enero", intent: IntentAvailability, nights: 14, extra: "month=1"},
	{text: "hay lugar en enero?", intent: IntentAvailability, extra: "month=1"},
	{text: "queda algo para febrero?", intent: IntentAvailability, extra: "month=2"},
	{text: "del 5 al 10 de febrero, somos 2 adultos y 3 niños", intent: IntentAvailability, in: "2027-02-05", out: "2027-02-10", nights: 5, guests: 5, extra: "children=3"},
	{text: "somos 4 con un perro, hay lugar para el 12/12?", intent: IntentAvailability, in: "2026-12-12", guests: 4, extra: "pets=true topic=pets"},
	{text: "estara libre el finde largo?", intent: IntentAvailability, extra: "long=true"},
	{text: "este finde largo", intent: IntentAvailability, in: "2026-12-04", out: "2026-12-07", nights: 3, extra: "long=true"},
	{text: "el finde largo del 20/11 al 24/11 para 2 pax", intent: IntentAvailability, in: "2027-11-20", out: "2027-11-24", nights: 4, guests: 2, extra: "long=true"},
	{text: "Holaa! q disponibilidad tenes para el 8 de enero? xq somos 5", intent: IntentAvailability, in: "2027-01-08", guests: 5},
	{text: "tienen lugar el sábado? x 4", intent: IntentAvailability, in: "2026-12-05", guests: 4},
	{text: "Consulta disponibilidad 20 al 27 de febrero, somos 6", intent: IntentAvailability, in: "2027-02-20", out: "2027-02-27", nights: 7, guests: 6},
	{text: "31/02 al 03/03", intent: IntentAvailability, in: "2027-03-03"},

	// Weekend rules on other days.
	{text: "este finde", now: fri, intent: IntentAvailability, in: "2026-12-04", out: "2026-12-06", nights: 2},
	{text: "este finde", now: sat, intent: IntentAvailability, in: "2026-12-05", out: "2026-12-06", nights: 1},
	{text: "este finde", now: sun, intent: IntentAvailability, in: "2026-12-11", out: "2026-12-13", nights: 2},
	{text: "el finde que viene", now: sat, intent: IntentAvailability, in: "2026-12-11", out: "2026-12-13", nights: 2},
	{text: "el sábado", now: sat, intent: IntentAvailability, in: "2026-12-05"},
	{text: "el próximo sábado", now: sat, intent: IntentAvailability, in: "2026-12-12"},
	{text: "mañana", now: lateDec, intent: IntentAvailability, in: "2026-12-30"},
	{text: "del 30/12 al 2/1", now: lateDec, intent: IntentAvailability, in: "2026-12-30", out: "2027-01-02", nights: 3},
	{text: "el 5", now: lateDec, intent: IntentAvailability, in: "2027-01-05"},
	{text: "del 10 al 15 de marzo", now: midMarch, intent: IntentAvailability, in: "2028-03-10", out: "2028-03-15", nights: 5},
	{text: "del 15 al 20 de marzo", now: midMarch, intent: IntentAvailability, in: "2027-03-15", out: "2027-03-20", nights: 5},

	// Availability in English and Portuguese.
	{text: "do you have availability from december 12 to 15?", intent: IntentAvailability, in: "2026-12-12", out: "2026-12-15", nights: 3, extra: "lang=en"},
	{text: "Is the cabin available next weekend for 2 people?", intent: IntentAvailability, in: "2026-12-11", out: "2026-12-13", nights: 2, guests: 2, extra: "lang=en"},
	{text: "any vacancy dec 20-23? we are 3", intent: IntentAvailability, in: "2026-12-20", out: "2026-12-23", nights: 3, guests: 3, extra: "lang=en"},
	{text: "available this weekend?", intent: IntentAvailability, in: "2026-12-04", out: "2026-12-06", nights: 2, extra: "lang=en"},
	{text: "from the 3rd to the 6th of january", intent: IntentAvailability, in: "2027-01-03", out: "2027-01-06", nights: 3, extra: "lang=en"},
	{text: "tomorrow for 2 nights", intent: IntentAvailability, in: "2026-12-01", out: "2026-12-03", nights: 2, extra: "lang=en"},
	{text: "next friday for 3 people", intent: IntentAvailability, in: "2026-12-04", guests: 3, extra: "lang=en"},
	{text: "january 5th to 9th, 2 adults 1 child", intent: IntentAvailability, in: "2027-01-05", out: "2027-01-09", nights: 4, guests: 3, extra: "lang=en children=1"},
	{text: "a week from jan 2", intent: IntentAvailability, in: "2027-01-02", out: "2027-01-09", nights: 7, extra: "lang=en"},
	{text: "tem vaga de 12 a 15 de dezembro para 4 pessoas?", intent: IntentAvailability, in: "2026-12-12", out: "2026-12-15", nights: 3, guests: 4, extra: "lang=pt"},
	{text: "Vocês têm disponibilidade para o fim de semana? somos um casal", intent: IntentAvailability, in: "2026-12-04", out: "2026-12-06", nights: 2, guests: 2, extra: "lang=pt"},
	{text: "amanhã", intent: IntentAvailability, in: "2026-12-01", extra: "lang=pt"},
	{text: "depois de amanhã", intent: IntentAvailability, in: "2026-12-02", extra: "lang=pt"},
	{text: "sexta-feira para 2 pessoas", intent: IntentAvailability, in: "2026-12-04", guests: 2, extra: "lang=pt"},
	{text: "do dia 5 ao dia 8 de janeiro", intent: IntentAvailability, in: "2027-01-05", out: "2027-01-08", nights: 3, extra: "lang=pt"},
	{text: "o próximo fim de semana tem vaga?", intent: IntentAvailability, in: "2026-12-11", out: "2026-12-13", nights: 2, extra: "lang=pt"},
	{text: "3 noites a partir de 10 de janeiro, somos 2 adultos e 2 crianças", intent: IntentAvailability, in: "2027-01-10", out: "2027-01-13", nights: 3, guests: 4, extra: "lang=pt children=2"},

	// Guests.
	{text: "somos 4", intent: IntentAvailability, guests: 4},
	{text: "para dos", intent: IntentAvailability, guests: 2},
	{text: "2 adultos y 2 niños", intent: IntentAvailability, guests: 4, extra: "children=2"},
	{text: "x 4", intent: IntentAvailability, guests: 4},
	{text: "x4", intent: IntentAvailability, guests: 4},
	{text: "una pareja", intent: IntentAvailability, guests: 2},
	{text: "cinco personas", intent: IntentAvailability, guests: 5},
	{text: "somos cuatro", intent: IntentAvailability, guests: 4},
	{text: "seriamos 6", intent: IntentAvailability, guests: 6},
	{text: "vamos a ser 8", intent: IntentAvailability, guests: 8},
	{text: "2 pax", intent: IntentAvailability, guests: 2},
	{text: "4 huéspedes", intent: IntentAvailability, guests: 4},
	{text: "somos 3 matrimonios", intent: IntentAvailability, guests: 6},
	{text: "vamos 2 parejas con 3 chicos", intent: IntentAvailability, guests: 7, extra: "children=3"},
	{text: "mi esposa y yo", intent: IntentAvailability, guests: 2},
	{text: "voy con mi novia", intent: IntentAvailability, guests: 2},
	{text: "una pareja con 2 hijos", intent: IntentAvailability, guests: 4, extra: "children=2"},
	{text: "somos una pareja y un bebé", intent: IntentAvailability, guests: 3, extra: "children=1"},
	{text: "familia de 5", intent: IntentAvailability, guests: 5},
	{text: "somos una familia de 4", intent: IntentAvailability, guests: 4},
	{text: "para mi solo", intent: IntentAvailability, guests: 1},
	{text: "somos 4 adultos y 1 bebé", intent: IntentAvailability, guests: 5, extra: "children=1"},
	{text: "somos 4 amigos", intent: IntentAvailability, guests: 4},
	{text: "la cabaña es para 6?", intent: IntentAvailability, guests: 6},
	{text: "we are 5", intent: IntentAvailability, guests: 5, extra: "lang=en"},
	{text: "for two people", intent: IntentAvailability, guests: 2, extra: "lang=en"},
	{text: "a couple", intent: IntentAvailability, guests: 2, extra: "lang=en"},
	{text: "family of 4", intent: IntentAvailability, guests: 4, extra: "lang=en"},
	{text: "um casal", intent: IntentAvailability, guests: 2, extra: "lang=pt"},
	{text: "somos 4 pessoas", intent: IntentAvailability, guests: 4, extra: "lang=pt"},
	{text: "para duas pessoas", intent: IntentAvailability, guests: 2, extra: "lang=pt"},

	// Price.
	{text: "cuanto sale la noche?", intent: IntentPrice},
	{text: "¿Cuánto cuesta del 15/12 al 18/12 para 4 personas?", intent: IntentPrice, in: "2026-12-15", out: "2026-12-18", nights: 3, guests: 4},
	{text: "precio x noche para 2", intent: IntentPrice, guests: 2},
	{text: "q precio tiene?", intent: IntentPrice},
	{text: "cuanto me sale una semana en enero para 3?", intent: IntentPrice, nights: 7, guests: 3, extra: "month=1"},
	{text: "Cuánto sería del 26 al 30 de diciembre para una pareja?", intent: IntentPrice, in: "2026-12-26", out: "2026-12-30", nights: 4, guests: 2},
	{text: "tarifa para 5 personas 3 noches desde el 2/1", intent: IntentPrice, in: "2027-01-02", out: "2027-01-05", nights: 3, guests: 5},
	{text: "cuánto está la cabaña?", intent: IntentPrice},
	{text: "valores?", intent: IntentPrice},
	{text: "pasame precios", intent: IntentPrice},
	{text: "cuanto?", intent: IntentPrice},
	{text: "cuanto sale $50000 la noche?", intent: IntentPrice},
	{text: "el precio es 50.000?", intent: IntentPrice},
	{text: "¿son $ 45.000 por noche?", intent: IntentPrice},
	{text: "how much for 3 nights from jan 10?", intent: IntentPrice, in: "2027-01-10", out: "2027-01-13", nights: 3, extra: "lang=en"},
	{text: "what's the price for this weekend? 2 adults", intent: IntentPrice, in: "2026-12-04", out: "2026-12-06", nights: 2, guests: 2, extra: "lang=en"},
	{text: "rates for dec 24-26", intent: IntentPrice, in: "2026-12-24", out: "2026-12-26", nights: 2, extra: "lang=en"},
	{text: "quanto custa a diária?", intent: IntentPrice, extra: "lang=pt"},
	{text: "qual o preço de 20 a 25 de janeiro para 2 pessoas", intent: IntentPrice, in: "2027-01-20", out: "2027-01-25", nights: 5, guests: 2, extra: "lang=pt"},

	// Book.
	{text: "quiero reservar del 12 al 15 de diciembre", intent: IntentBook, in: "2026-12-12", out: "2026-12-15", nights: 3},
	{text: "Quiero hacer una reserba para el finde", intent: IntentBook, in: "2026-12-04", out: "2026-12-06", nights: 2},
	{text: "quiero resevar", intent: IntentBook},
	{text: "dale, la reservo", intent: IntentBook, extra: "yes=true"},
	{text: "reservame del 4 al 7 de enero x favor, somos 3", intent: IntentBook, in: "2027-01-04", out: "2027-01-07", nights: 3, guests: 3},
	{text: "me la quedo!", intent: IntentBook},
	{text: "queremos reservar 2 noches a partir del 20 de diciembre para 2 adultos y 1 niño", intent: IntentBook, in: "2026-12-20", out: "2026-12-22", nights: 2, guests: 3, extra: "children=1"},
	{text: "Quiero reservar, hay lugar?", intent: IntentBook},
	{text: "gracias! quiero reservar", intent: IntentBook},
	{text: "I'd like to book dec 27 to jan 2 for 4 guests", intent: IntentBook, in: "2026-12-27", out: "2027-01-02", nights: 6, guests: 4, extra: "lang=en"},
	{text: "we want to book the cabin for next weekend", intent: IntentBook, in: "2026-12-11", out: "2026-12-13", nights: 2, extra: "lang=en"},
	{text: "quero reservar de 10 a 17 de janeiro", intent: IntentBook, in: "2027-01-10", out: "2027-01-17", nights: 7, extra: "lang=pt"},
	{text: "Gostaria de reservar para 2 pessoas amanhã", intent: IntentBook, in: "2026-12-01", guests: 2, extra: "lang=pt"},

	// Amenities and topics.
	{text: "a qué hora es el check in?", intent: IntentAmenities, extra: "topic=checkin"},
	{text: "hasta que hora es el checkout", intent: IntentAmenities, extra: "topic=checkin"},
	{text: "horario de entrada?", intent: IntentAmenities, extra: "topic=checkin"},
	{text: "aceptan mascotas?", intent: IntentAmenities, extra: "topic=pets pets=true"},
	{text: "se puede llevar al perro?", intent: IntentAmenities, extra: "topic=pets"},
	{text: "son pet friendly?", intent: IntentAmenities, extra: "topic=pets"},
	{text: "tienen wifi?", intent: IntentAmenities, extra: "topic=wifi"},
	{text: "hay wi-fi?", intent: IntentAmenities, extra: "topic=wifi"},
	{text: "hay buena señal de internet?", intent: IntentAmenities, extra: "topic=wifi"},
	{text: "el desayuno está incluido?", intent: IntentAmenities, extra: "topic=breakfast"},
	{text: "tiene estacionamiento?", intent: IntentAmenities, extra: "topic=parking"},
	{text: "hay cochera para el auto?", intent: IntentAmenities, extra: "topic=parking"},
	{text: "la pileta es climatizada?", intent: IntentAmenities, extra: "topic=pool"},
	{text: "tienen piscina?", intent: IntentAmenities, extra: "topic=pool"},
	{text: "cómo llego desde la ruta?", intent: IntentAmenities, extra: "topic=directions"},
	{text: "donde quedan?", intent: IntentAmenities, extra: "topic=directions"},
	{text: "pasame la ubicacion", intent: IntentAmenities, extra: "topic=directions"},
	{text: "cual es la politica de cancelacion?", intent: IntentAmenities, extra: "topic=cancellation_policy"},
	{text: "si cancelo me devuelven la plata?", intent: IntentAmenities, extra: "topic=cancellation_policy"},
	{text: "se puede fumar?", intent: IntentAmenities, extra: "topic=policies"},
	{text: "cuales son las normas de la casa", intent: IntentAmenities, extra: "topic=policies"},
	{text: "que incluye la cabaña?", intent: IntentAmenities},
	{text: "hay ropa de cama y toallas?", intent: IntentAmenities, extra: "topic=linens"},
	{text: "tiene parrilla?", intent: IntentAmenities, extra: "topic=grill"},
	{text: "tiene aire acondicionado?", intent: IntentAmenities, extra: "topic=climate"},
	{text: "la cocina tiene horno?", intent: IntentAmenities, extra: "topic=kitchen"},
	{text: "cuántas personas entran?", intent: IntentAmenities},
	{text: "is there wifi?", intent: IntentAmenities, extra: "topic=wifi lang=en"},
	{text: "are pets allowed?", intent: IntentAmenities, extra: "topic=pets lang=en"},
	{text: "what time is check-out?", intent: IntentAmenities, extra: "topic=checkin lang=en"},
	{text: "where are you located?", intent: IntentAmenities, extra: "topic=directions lang=en"},
	{text: "is breakfast included?", intent: IntentAmenities, extra: "topic=breakfast lang=en"},
	{text: "aceitam cachorro?", intent: IntentAmenities, extra: "topic=pets lang=pt"},
	{text: "tem café da manhã?", intent: IntentAmenities, extra: "topic=breakfast lang=pt"},
	{text: "qual o horário de check-in?", intent: IntentAmenities, extra: "topic=checkin lang=pt"},
	{text: "tem estacionamento?", intent: IntentAmenities, extra: "topic=parking lang=pt"},

	// Cancel.
	{text: "quiero cancelar mi reserva", intent: IntentCancel},
	{text: "necesito cancelar, no vamos a poder ir", intent: IntentCancel},
	{text: "Cancelá la reserva del 12 por favor", intent: IntentCancel, in: "2026-12-12"},
	{text: "anulen la reserva", intent: IntentCancel},
	{text: "please cancel my booking", intent: IntentCancel, extra: "lang=en"},
	{text: "quero cancelar minha reserva", intent: IntentCancel, extra: "lang=pt"},

	// My reservations.
	{text: "mis reservas", intent: IntentMyReservations},
	{text: "quiero ver mi reserva", intent: IntentMyReservations},
	{text: "tengo una reserva para el 12, me pasás los datos?", intent: IntentMyReservations, in: "2026-12-12"},
	{text: "ya reservé, cómo sigo?", intent: IntentMyReservations},
	{text: "my reservation", intent: IntentMyReservations, extra: "lang=en"},
	{text: "minha reserva", intent: IntentMyReservations, extra: "lang=pt"},

	// Payment.
	{text: "como pago la seña?", intent: IntentPayment},
	{text: "me pasás el link de pago?", intent: IntentPayment},
	{text: "ya transferí, te mando el comprobante", intent: IntentPayment},
	{text: "aceptan tarjeta de crédito?", intent: IntentPayment},
	{text: "se puede pagar con mercado pago?", intent: IntentPayment},
	{text: "pasame el cbu o alias", intent: IntentPayment},
	{text: "can I pay by card?", intent: IntentPayment, extra: "lang=en"},
	{text: "posso pagar com pix?", intent: IntentPayment, extra: "lang=pt"},

	// Human.
	{text: "quiero hablar con una persona", intent: IntentHuman},
	{text: "me comunicás con el dueño?", intent: IntentHuman},
	{text: "necesito hablar con alguien xq no entiendo", intent: IntentHuman},
	{text: "llamame al 11 4444 5555", intent: IntentHuman},
	{text: "can I talk to a human?", intent: IntentHuman, extra: "lang=en"},
	{text: "quero falar com uma pessoa", intent: IntentHuman, extra: "lang=pt"},

	// Thanks.
	{text: "gracias!", intent: IntentThanks},
	{text: "muchas graciasss", intent: IntentThanks},
	{text: "mil gracias, genial", intent: IntentThanks},
	{text: "grax", intent: IntentThanks},
	{text: "thanks a lot", intent: IntentThanks, extra: "lang=en"},
	{text: "thank you!", intent: IntentThanks, extra: "lang=en"},
	{text: "obrigado!", intent: IntentThanks, extra: "lang=pt"},
	{text: "mejor no, gracias", intent: IntentThanks, extra: "no=true"},

	// Yes, no, choices and bare numbers.
	{text: "si", intent: IntentUnknown, extra: "yes=true"},
	{text: "sí", intent: IntentUnknown, extra: "yes=true"},
	{text: "siii", intent: IntentUnknown, extra: "yes=true"},
	{text: "dale", intent: IntentUnknown, extra: "yes=true"},
	{text: "dalee", intent: IntentUnknown, extra: "yes=true"},
	{text: "ok", intent: IntentUnknown, extra: "yes=true"},
	{text: "listo", intent: IntentUnknown, extra: "yes=true"},
	{text: "de una!", intent: IntentUnknown, extra: "yes=true"},
	{text: "👍", intent: IntentUnknown, extra: "yes=true"},
	{text: "yes please", intent: IntentUnknown, extra: "yes=true lang=en"},
	{text: "sim", intent: IntentUnknown, extra: "yes=true lang=pt"},
	{text: "sí, somos 4", intent: IntentAvailability, guests: 4, extra: "yes=true"},
	{text: "no", intent: IntentUnknown, extra: "no=true"},
	{text: "nop", intent: IntentUnknown, extra: "no=true"},
	{text: "mejor no", intent: IntentUnknown, extra: "no=true"},
	{text: "no gracias", intent: IntentThanks, extra: "no=true"},
	{text: "não", intent: IntentUnknown, extra: "no=true lang=pt"},
	{text: "no hay problema", intent: IntentUnknown, extra: "no=false"},
	{text: "si cancelo hay multa?", intent: IntentAmenities, extra: "yes=false topic=cancellation_policy"},
	{text: "la 2", intent: IntentUnknown, extra: "choice=2"},
	{text: "opción 3", intent: IntentUnknown, extra: "choice=3"},
	{text: "la segunda", intent: IntentUnknown, extra: "choice=2"},
	{text: "the first one", intent: IntentUnknown, extra: "choice=1"},
	{text: "4", intent: IntentUnknown, extra: "number=4"},
	{text: "cuatro", intent: IntentUnknown, extra: "number=4"},

	// Lists, sums and other regressions found while exploring.
	{text: "Quisiera reservar para el 7,8 y 9 de enero", intent: IntentBook, in: "2027-01-07", out: "2027-01-10", nights: 3},
	{text: "el 7, 8 y 9", intent: IntentAvailability, in: "2026-12-07", out: "2026-12-10", nights: 3},
	{text: "hola! hay lugar para 2 el 12 13 y 14 de enero?", intent: IntentAvailability, in: "2027-01-12", out: "2027-01-15", nights: 3, guests: 2},
	{text: "el 5 y el 6", intent: IntentAvailability, in: "2026-12-05", out: "2026-12-07", nights: 2},
	{text: "somos 2 + 1 bebe", intent: IntentAvailability, guests: 3, extra: "children=1"},
	{text: "somos 3, 2 adultos y 1 menor", intent: IntentAvailability, guests: 3, extra: "children=1"},
	{text: "Disponibilidad p/ 4 pers. del 10/01 al 15/01", intent: IntentAvailability, in: "2027-01-10", out: "2027-01-15", nights: 5, guests: 4},
	{text: "check-in 20 dec, check-out 23 dec", intent: IntentAvailability, in: "2026-12-20", out: "2026-12-23", nights: 3, extra: "lang=en topic=checkin"},
	{text: "we arrive on the 20th and leave on the 23rd", intent: IntentAvailability, in: "2026-12-20", out: "2026-12-23", nights: 3, extra: "lang=en"},
	{text: "may 5 to may 8", intent: IntentAvailability, in: "2027-05-05", out: "2027-05-08", nights: 3, extra: "lang=en"},
	{text: "reservo out 5", intent: IntentBook},
	{text: "do you accept credit cards?", intent: IntentPayment, extra: "lang=en"},
	{text: "cuantas noches minimo?", intent: IntentAmenities, extra: "topic=policies"},
	{text: "Hi, we are a family of 5 looking for a cabin from Dec 26 to Jan 2", intent: IntentAvailability, in: "2026-12-26", out: "2027-01-02", nights: 7, guests: 5, extra: "lang=en"},
	{text: "Queremos ficar de 27/12 a 02/01, quanto fica para 2 adultos?", intent: IntentPrice, in: "2026-12-27", out: "2027-01-02", nights: 6, guests: 2, extra: "lang=pt"},
	{text: "tem disponibilidade de sexta a domingo?", intent: IntentAvailability, in: "2026-12-04", out: "2026-12-06", nights: 2, extra: "lang=pt"},
	{text: "necesito lugar para 3 noches a partir del viernes", intent: IntentAvailability, in: "2026-12-04", out: "2026-12-07", nights: 3},
	{text: "el total serian $120.000?", intent: IntentPrice},

	{text: "del doce al quince de diciembre somos cuatro", intent: IntentAvailability, in: "2026-12-12", out: "2026-12-15", nights: 3, guests: 4},
	{text: "para el veinticuatro de diciembre", intent: IntentAvailability, in: "2026-12-24"},
	{text: "el veinticuatro", intent: IntentAvailability, in: "2026-12-24"},
	{text: "Sábado 12 y domingo 13, hay lugar?", intent: IntentAvailability, in: "2026-12-12", out: "2026-12-13", nights: 1},
	{text: "somos una flia de 4", intent: IntentAvailability, guests: 4},
	{text: "el finde de carnaval", intent: IntentAvailability},
	{text: "el finde del 12", intent: IntentAvailability, in: "2026-12-12"},
	{text: "gracias por la info", intent: IntentThanks},
	{text: "pode me ligar?", intent: IntentHuman, extra: "lang=pt"},
	{text: "looking for a cabin", intent: IntentUnknown, extra: "lang=en"},

	// Things that are not dates, guests or prices.
	{text: "asdfgh", intent: IntentUnknown},
	{text: "mi número es 11 5555-1234", intent: IntentUnknown},
	{text: "mi cel es +54 9 11 5555 1234", intent: IntentUnknown},
	{text: "1155551234", intent: IntentUnknown},
	{text: "llegamos a las 10", intent: IntentUnknown},
	{text: "llegamos a eso de las 15:30", intent: IntentUnknown},
	{text: "el sábado a las 10 de la mañana", intent: IntentAvailability, in: "2026-12-05"},
	{text: "el viernes a las 20hs", intent: IntentAvailability, in: "2026-12-04"},
	{text: "mañana a la mañana", intent: IntentAvailability, in: "2026-12-01"},
	{text: "el precio es de 50000", intent: IntentPrice},
	{text: "te paso $12.500", intent: IntentUnknown},
	{text: "son 15 km de ripio?", intent: IntentAmenities},
	{text: "abren a las 9?", intent: IntentUnknown},
	{text: "tiene 2 dormitorios?", intent: IntentAmenities},
	{text: "el 50% de seña?", intent: IntentPayment},
	{text: "ayer te escribí", intent: IntentUnknown},
	{text: "mi nombre es Shayla", intent: IntentUnknown},
	{text: "apartado", intent: IntentUnknown},
}

func TestParseTable(t *testing.T) {
	if len(parseCases) < 200 {
		t.Fatalf("only %d table cases", len(parseCases))
	}
	for _, c := range parseCases {
		t.Run(c.text, func(t *testing.T) {
			now := c.now
			if now.IsZero() {
				now = mon
			}
			r := Parse(c.text, now)
			check := func(field, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("Parse(%q).%s = %q, want %q", c.text, field, got, want)
				}
			}
			check("Intent", string(r.Intent), string(c.intent))
			check("CheckIn", civilString(r.CheckIn), c.in)
			check("CheckOut", civilString(r.CheckOut), c.out)
			check("Nights", strconv.Itoa(r.Nights), strconv.Itoa(c.nights))
			check("Guests", strconv.Itoa(r.Guests), strconv.Itoa(c.guests))
			for _, kv := range strings.Fields(c.extra) {
				k, want, _ := strings.Cut(kv, "=")
				var got string
				switch k {
				case "lang":
					got = r.Language
				case "topic":
					got = r.Topic
				case "yes":
					got = strconv.FormatBool(r.Yes)
				case "no":
					got = strconv.FormatBool(r.No)
				case "choice":
					got = strconv.Itoa(r.Choice)
				case "number":
					got = strconv.Itoa(r.Number)
				case "month":
					got = strconv.Itoa(r.Month)
				case "children":
					got = strconv.Itoa(r.Children)
				case "pets":
					got = strconv.FormatBool(r.Pets)
				case "long":
					got = strconv.FormatBool(r.LongWeekend)
				default:
					t.Fatalf("unknown extra key %q", k)
				}
				check(k, got, want)
			}
			checkInvariants(t, c.text, r)
		})
	}
}

func civilString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

// checkInvariants asserts what must hold for any input.
func checkInvariants(t *testing.T, text string, r Result) {
	t.Helper()
	for _, d := range []time.Time{r.CheckIn, r.CheckOut} {
		if !d.IsZero() && (d.Location() != time.UTC || d.Hour() != 0 || d.Minute() != 0 || d.Second() != 0 || d.Nanosecond() != 0) {
			t.Errorf("Parse(%q): date %v is not a civil date at 00:00 UTC", text, d)
		}
	}
	if !r.CheckOut.IsZero() {
		if r.CheckIn.IsZero() {
			t.Errorf("Parse(%q): check-out %v without check-in", text, r.CheckOut)
		} else if !r.CheckOut.After(r.CheckIn) {
			t.Errorf("Parse(%q): check-out %v not after check-in %v", text, r.CheckOut, r.CheckIn)
		} else if n := int(r.CheckOut.Sub(r.CheckIn).Hours() / 24); n != r.Nights {
			t.Errorf("Parse(%q): nights %d, dates say %d", text, r.Nights, n)
		}
	}
	if r.Nights < 0 || r.Guests < 0 || r.Guests > maxGuests || r.Children > r.Guests {
		t.Errorf("Parse(%q): bad counts nights=%d guests=%d children=%d", text, r.Nights, r.Guests, r.Children)
	}
	switch r.Language {
	case "es", "en", "pt":
	default:
		t.Errorf("Parse(%q): language %q", text, r.Language)
	}
	if r.Yes && r.No {
		t.Errorf("Parse(%q): both yes and no", text)
	}
}

func TestParseUsesNowNotClock(t *testing.T) {
	// The same text on two different days gives dates relative to each.
	a := Parse("mañana", mon)
	b := Parse("mañana", midMarch)
	if civilString(a.CheckIn) != "2026-12-01" || civilString(b.CheckIn) != "2027-03-16" {
		t.Fatalf("mañana: got %v and %v", a.CheckIn, b.CheckIn)
	}
	// "Today" is now's calendar date in now's location: 23:30 in Buenos Aires
	// on the 29th is already the 30th in UTC, but still the 29th for the guest.
	if got := civilString(Parse("hoy", lateDec).CheckIn); got != "2026-12-29" {
		t.Fatalf("hoy at %v = %s, want 2026-12-29", lateDec, got)
	}
}

func TestMarshalJSON(t *testing.T) {
	r := Parse("del 12 al 15 de diciembre somos 4 con un perro", mon)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"intent": "availability", "language": "es", "check_in": "2026-12-12", "check_out": "2026-12-15",
		"nights": 3.0, "guests": 4.0, "topic": "pets", "pets": true, "yes": false, "no": false,
		"children": nil, "choice": nil, "number": nil, "month": nil, "long_weekend": false,
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("json %s = %v (present %v), want %v; json %s", k, g, ok, w, b)
		}
	}

	b, err = json.Marshal(Parse("hola", mon))
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"check_in", "check_out", "nights", "guests", "topic"} {
		if v, ok := got[k]; !ok || v != nil {
			t.Errorf("json %s = %v (present %v), want null; json %s", k, v, ok, b)
		}
	}
}

func TestMatchOption(t *testing.T) {
	names := []string{"Cabaña del Lago", "Los Pinos", "El Mirador"}
	cases := []struct {
		text string
		want int
	}{
		{"quiero la del lago", 0},
		{"la de los pinos", 1},
		{"el mirador porfa", 2},
		{"EL MIRADOR!!", 2},
		{"la mirador", 2},
		{"los pinoss", 1},
		{"cualquiera", -1},
		{"", -1},
	}
	for _, c := range cases {
		if got := MatchOption(c.text, names); got != c.want {
			t.Errorf("MatchOption(%q) = %d, want %d", c.text, got, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, c := range parseCases {
		f.Add(c.text)
	}
	f.Add("del 31/12 al 31/12")
	f.Add("29/02 al 01/03")
	f.Add("el 99 de enero")
	f.Add("9999999999999999999999 personas")
	f.Add("\xff\xfe del 1 al")
	f.Fuzz(func(t *testing.T, text string) {
		for _, now := range []time.Time{mon, sat, lateDec} {
			r := Parse(text, now)
			checkInvariants(t, text, r)
			if _, err := json.Marshal(r); err != nil {
				t.Fatalf("marshal: %v", err)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	texts := []string{
		"Hola! tenés disponibilidad del 12 al 15 de diciembre para 2 adultos y 2 niños?",
		"cuanto sale la noche?",
		"3 noches desde el 10 de enero, somos una pareja",
		"do you have availability next weekend for 4 people?",
		"dale",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Parse(texts[i%len(texts)], mon)
	}
}
