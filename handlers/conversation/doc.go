// Package conversation is the dialogue engine of the WhatsApp bot: given what it remembers
// of a guest (State), one incoming message (Input) and a Booking to ask, it decides the
// replies, the new State and the side actions (tell the owner, pause the bot). It keeps no
// state of its own and takes the clock from the message, so it is deterministic and tested
// without a database; package handlers glues it to the store and to WhatsApp.
//
// # What the guest can do
//
//   - Ask for a stay in their own words, over several messages: the engine keeps the dates,
//     the party size and the chosen cabin, and asks only for what is missing (dates first,
//     then guests). A change of dates or guests at any point searches again.
//   - See the free cabins as a WhatsApp list (price of the stay, capacity), or, when nothing
//     is free, the nearby alternatives; pick one by tapping it, by its number ("la 2") or by
//     its name; see the quote (nights by price, cleaning, total, deposit) with the buttons
//     Reservar, Cambiar fechas and Otras cabañas.
//   - Book: "Reservar" places the hold and answers with the code, the deposit, the deadline
//     and the payment link (or the promise of one when payments are not set up).
//   - See their reservations, get the payment link again, cancel a hold (with confirmation).
//   - Ask about policies, check-in and check-out, amenities and directions.
//   - Ask for a person: the owner is told and the bot stays quiet for that guest until the
//     owner releases the conversation.
//
// Anything else gets an answer: a re-asked question, the menu, and after two misses in a
// row the offer of a person. Images, stickers and the like get "send text or a voice note";
// a voice note that could not be transcribed gets "could you write it?".
//
// # Steps
//
// State.Step is the last question asked, which decides how a short answer is read:
//
//	none ──dates?──> dates ──check-in only──> check_out
//	  │                │                          │
//	  │                └──────────┬───────────────┘
//	  │                           v
//	  │                        guests ──> search ──> cabin (list) ──pick──> quote ──Reservar──> hold, none
//	  │                                     │                                 ^
//	  │                                     └─────────── one cabin free ──────┘
//	  └──cancel──> cancel (confirm) ──sí/no──> none
//
// # Reply ids
//
// Buttons and list rows carry structured ids (see ParseAction): "cabin:<id>:<in>:<out>",
// "book:<id>:<in>:<out>:<guests>", "cancel:<code>:yes", ... An id is acted on only if it
// parses and matches the current State (the offered cabins, the quoted stay) or, for a
// reservation, belongs to the guest; a stale or forged one gets a friendly answer.
//
// # Meta's limits
//
// Every button and list goes through builders that clip titles (20 and 24 characters),
// keep at most 3 buttons and 10 rows, drop repeated ids and validate the result with the
// whatsapp package's Validate; an invalid message would go out as plain text instead.
package conversation
