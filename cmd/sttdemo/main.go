// Command sttdemo is a LIMITED DEMO speech-to-text server, so that `make run` can show a
// voice note being understood on a machine with no account anywhere. It is not a real
// recogniser and must not be used in production.
//
// It serves the OpenAI-compatible POST /v1/audio/transcriptions (and /audio/transcriptions)
// that reservas's STT client speaks, and answers with what PocketSphinx heard. Debian ships
// PocketSphinx with a US English acoustic model only (apt-get install pocketsphinx
// pocketsphinx-en-us), so sttdemo spells a small Spanish vocabulary with English phones and
// restricts recognition to a grammar of booking phrases: greetings, "quiero reservar", "del
// doce al quince de diciembre", "somos cuatro", "para dos personas", sí/no/gracias, a few
// questions. Anything else comes out as the nearest booking phrase, or as nothing (then the
// bot asks the guest to type). Castilian, Latin American and Rioplatense pronunciations of
// c/z and ll/y are in the dictionary.
//
// Run it and point reservas at it:
//
//	sttdemo -addr 127.0.0.1:9090
//	STT_URL=http://127.0.0.1:9090/v1 STT_MODEL=sttdemo reservas all
//
// For real use point STT_URL at a real recogniser instead:
//
//	OpenAI:              STT_URL=https://api.openai.com/v1  STT_API_KEY=sk-...  STT_MODEL=whisper-1
//	Groq:                STT_URL=https://api.groq.com/openai/v1  STT_API_KEY=gsk_...  STT_MODEL=whisper-large-v3
//	whisper.cpp server:  whisper-server -m ggml-small.bin --host 127.0.0.1 --port 8080 \
//	                         --inference-path /v1/audio/transcriptions -l es
//	                     STT_URL=http://127.0.0.1:8080/v1  STT_NEEDS_WAV=true
//
// (whisper.cpp reads only 16 kHz mono WAV unless started with --convert; STT_NEEDS_WAV=true
// makes reservas decode voice notes itself, with opusdec or ffmpeg.) STT_LANGUAGE defaults
// to "es".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Banner is printed at start and served at GET /, so nobody mistakes the demo for the real thing.
const Banner = `sttdemo: LIMITED DEMO speech-to-text. PocketSphinx (US English acoustic model) with a
Spanish grammar of booking phrases only ("quiero reservar del doce al quince de diciembre para
cuatro personas", "somos dos", "sí", "gracias"...). It does not understand free speech.
For real use set STT_URL to OpenAI, Groq or a whisper.cpp server (see go doc ./cmd/sttdemo).
`

func main() {
	addr := flag.String("addr", "127.0.0.1:9090", "listen address")
	hmm := flag.String("hmm", defaultHMM, "PocketSphinx acoustic model directory (Debian: pocketsphinx-en-us)")
	flag.Parse()
	if err := run(*addr, *hmm); err != nil {
		fmt.Fprintln(os.Stderr, "sttdemo:", err)
		os.Exit(1)
	}
}

func run(addr, hmm string) error {
	dir, err := os.MkdirTemp("", "sttdemo-")
	if err != nil {
		return fmt.Errorf("work directory: %w", err)
	}
	defer os.RemoveAll(dir)
	rec, err := newRecognizer(hmm, dir)
	if err != nil {
		return err
	}
	fmt.Fprint(os.Stderr, Banner)
	srv := &http.Server{Addr: addr, Handler: newServer(rec), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	fmt.Fprintf(os.Stderr, "sttdemo: listening on http://%s/v1/audio/transcriptions\n", addr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
