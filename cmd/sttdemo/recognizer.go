package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// defaultHMM is where Debian's pocketsphinx-en-us puts the acoustic model.
const defaultHMM = "/usr/share/pocketsphinx/model/en-us/en-us"

// recognizeTimeout bounds one PocketSphinx run.
const recognizeTimeout = 60 * time.Second

// recognizer runs pocketsphinx_continuous over 16 kHz mono WAV with the booking grammar.
type recognizer struct {
	bin, hmm, dir string
	slots         chan struct{} // at most one run per CPU
}

// newRecognizer checks PocketSphinx and its model and writes the grammar and dictionary to dir.
func newRecognizer(hmm, dir string) (*recognizer, error) {
	bin, err := exec.LookPath("pocketsphinx_continuous")
	if err != nil {
		return nil, fmt.Errorf("pocketsphinx_continuous not found (apt-get install pocketsphinx pocketsphinx-en-us): %w", err)
	}
	if _, err := os.Stat(filepath.Join(hmm, "mdef")); err != nil {
		return nil, fmt.Errorf("no PocketSphinx acoustic model in %s (apt-get install pocketsphinx-en-us): %w", hmm, err)
	}
	for name, body := range map[string]string{"reservas.gram": jsgf(), "reservas.dict": dictionary()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			return nil, fmt.Errorf("write %s: %w", name, err)
		}
	}
	return &recognizer{bin: bin, hmm: hmm, dir: dir, slots: make(chan struct{}, runtime.NumCPU())}, nil
}

// recognize returns the Spanish words heard in wav (16 kHz mono 16-bit PCM), "" for none.
func (r *recognizer) recognize(ctx context.Context, wav []byte) (string, error) {
	select {
	case r.slots <- struct{}{}:
		defer func() { <-r.slots }()
	case <-ctx.Done():
		return "", ctx.Err()
	}
	f, err := os.CreateTemp(r.dir, "note-*.wav")
	if err != nil {
		return "", fmt.Errorf("temp file: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(wav); err != nil {
		f.Close()
		return "", fmt.Errorf("temp file: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("temp file: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, recognizeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.bin,
		"-infile", f.Name(), "-hmm", r.hmm,
		"-jsgf", filepath.Join(r.dir, "reservas.gram"), "-dict", filepath.Join(r.dir, "reservas.dict"),
		// Wide beams: the English model only roughly matches Spanish sounds, and a narrow
		// search loses the one path through the grammar.
		"-beam", "1e-80", "-wbeam", "1e-60", "-pbeam", "1e-80",
		"-logfn", os.DevNull)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("pocketsphinx: %w", ctx.Err())
		}
		return "", fmt.Errorf("pocketsphinx: %s: %w", strings.TrimSpace(errOut.String()), err)
	}
	// One line per stretch of speech between pauses.
	return display(strings.Fields(out.String())), nil
}
