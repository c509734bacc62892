package stt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Format is an audio container recognised by its leading bytes.
type Format string

// Containers that [Sniff] recognises. Only WAV and Ogg are parsed in depth
// by [Inspect].
const (
	FormatUnknown Format = ""
	FormatWAV     Format = "wav"
	FormatOgg     Format = "ogg"
	FormatMP3     Format = "mp3"
	FormatMP4     Format = "mp4" // also .m4a
	FormatWebM    Format = "webm"
	FormatFLAC    Format = "flac"
	FormatAMR     Format = "amr"
	FormatAAC     Format = "aac" // raw ADTS
)

// Sample layout that whisper.cpp (and our conversion) uses.
const (
	WAVSampleRate    = 16000
	WAVChannels      = 1
	WAVBitsPerSample = 16
	wavHeaderSize    = 44
)

// ErrInvalidAudio is wrapped by [Inspect] when the bytes are not a
// well-formed WAV or Ogg stream, or are not recognisable audio at all.
var ErrInvalidAudio = errors.New("stt: invalid audio")

// AudioInfo describes an audio buffer. Fields other than Format are only set
// for WAV and Ogg.
type AudioInfo struct {
	Format Format
	// Codec is "pcm_s16le", "pcm_u8", "pcm_s24le", "pcm_s32le", "pcm_f32le",
	// "opus", "vorbis", or "" when not known.
	Codec string
	// SampleRate is the decoded rate: the WAV rate, 48000 for Opus, the Vorbis rate.
	SampleRate    int
	Channels      int
	BitsPerSample int // WAV only
	Duration      time.Duration
}

// IsWhisperWAV reports whether the audio is already 16 kHz mono 16-bit PCM
// WAV, the input whisper.cpp wants.
func (i AudioInfo) IsWhisperWAV() bool {
	return i.Format == FormatWAV && i.Codec == "pcm_s16le" &&
		i.SampleRate == WAVSampleRate && i.Channels == WAVChannels
}

// Sniff names the container from the leading bytes, or returns FormatUnknown.
func Sniff(data []byte) Format {
	switch {
	case len(data) >= 12 && bytes.Equal(data[0:4], []byte("RIFF")) && bytes.Equal(data[8:12], []byte("WAVE")):
		return FormatWAV
	case bytes.HasPrefix(data, []byte("OggS")):
		return FormatOgg
	case bytes.HasPrefix(data, []byte("fLaC")):
		return FormatFLAC
	case bytes.HasPrefix(data, []byte("#!AMR")):
		return FormatAMR
	case bytes.HasPrefix(data, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		return FormatWebM
	case len(data) >= 8 && bytes.Equal(data[4:8], []byte("ftyp")):
		return FormatMP4
	case bytes.HasPrefix(data, []byte("ID3")):
		return FormatMP3
	case len(data) >= 2 && data[0] == 0xFF && data[1]&0xF6 == 0xF0:
		return FormatAAC // ADTS sync word, layer 00
	case len(data) >= 2 && data[0] == 0xFF && data[1]&0xE0 == 0xE0 && data[1]&0x06 != 0:
		return FormatMP3 // MPEG audio frame sync, layer I-III
	}
	return FormatUnknown
}

// Inspect validates WAV (RIFF chunks, PCM fmt) and Ogg (every page's
// structure and CRC, an OpusHead or Vorbis identification header) and reports
// rate, channels and duration. Other recognised containers come back with
// only Format set. Unrecognised or malformed data wraps [ErrInvalidAudio].
func Inspect(data []byte) (AudioInfo, error) {
	switch f := Sniff(data); f {
	case FormatWAV:
		return inspectWAV(data)
	case FormatOgg:
		return inspectOgg(data)
	case FormatUnknown:
		return AudioInfo{}, fmt.Errorf("%w: unrecognised container (%d bytes)", ErrInvalidAudio, len(data))
	default:
		return AudioInfo{Format: f}, nil
	}
}

// ProbeDuration returns the playing time of WAV or Ogg (Opus/Vorbis) audio.
func ProbeDuration(data []byte) (time.Duration, error) {
	info, err := Inspect(data)
	if err != nil {
		return 0, err
	}
	if info.Duration <= 0 {
		return 0, fmt.Errorf("%w: duration of %s audio is unknown", ErrInvalidAudio, info.Format)
	}
	return info.Duration, nil
}

func inspectWAV(data []byte) (AudioInfo, error) {
	bad := func(format string, args ...any) (AudioInfo, error) {
		return AudioInfo{}, fmt.Errorf("%w: wav: %s", ErrInvalidAudio, fmt.Sprintf(format, args...))
	}
	var (
		haveFmt                     bool
		audioFormat, channels, bits uint16
		blockAlign                  uint16
		sampleRate, byteRate        uint32
	)
	off := 12
	for {
		if off+8 > len(data) {
			return bad("no data chunk")
		}
		id := string(data[off : off+4])
		size := binary.LittleEndian.Uint32(data[off+4 : off+8])
		body := off + 8
		remaining := len(data) - body
		switch id {
		case "fmt ":
			if size < 16 || int(size) > remaining {
				return bad("fmt chunk of %d bytes", size)
			}
			f := data[body:]
			audioFormat = binary.LittleEndian.Uint16(f[0:2])
			channels = binary.LittleEndian.Uint16(f[2:4])
			sampleRate = binary.LittleEndian.Uint32(f[4:8])
			byteRate = binary.LittleEndian.Uint32(f[8:12])
			blockAlign = binary.LittleEndian.Uint16(f[12:14])
			bits = binary.LittleEndian.Uint16(f[14:16])
			if audioFormat == 0xFFFE { // WAVE_FORMAT_EXTENSIBLE: the sub-format GUID starts with the real tag
				if size < 40 {
					return bad("extensible fmt chunk of %d bytes", size)
				}
				audioFormat = binary.LittleEndian.Uint16(f[24:26])
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return bad("data chunk before fmt chunk")
			}
			// Streamed WAV (ffmpeg writing to a pipe) leaves the size as 0xFFFFFFFF or 0.
			dataSize := int(size)
			if size == 0xFFFFFFFF || size == 0 || dataSize > remaining {
				if size != 0xFFFFFFFF && size != 0 {
					return bad("data chunk claims %d bytes, %d present", size, remaining)
				}
				dataSize = remaining
			}
			return wavInfo(audioFormat, channels, sampleRate, byteRate, blockAlign, bits, dataSize)
		}
		if int(size) > remaining {
			return bad("%q chunk claims %d bytes, %d present", id, size, remaining)
		}
		off = body + int(size) + int(size&1)
	}
}

func wavInfo(audioFormat, channels uint16, sampleRate, byteRate uint32, blockAlign, bits uint16, dataSize int) (AudioInfo, error) {
	bad := func(format string, args ...any) (AudioInfo, error) {
		return AudioInfo{}, fmt.Errorf("%w: wav: %s", ErrInvalidAudio, fmt.Sprintf(format, args...))
	}
	var codec string
	switch {
	case audioFormat == 1 && bits == 8:
		codec = "pcm_u8"
	case audioFormat == 1 && (bits == 16 || bits == 24 || bits == 32):
		codec = fmt.Sprintf("pcm_s%dle", bits)
	case audioFormat == 3 && bits == 32:
		codec = "pcm_f32le"
	default:
		return bad("unsupported encoding 0x%04x with %d bits", audioFormat, bits)
	}
	if channels == 0 || channels > 8 {
		return bad("%d channels", channels)
	}
	if sampleRate < 1000 || sampleRate > 384000 {
		return bad("sample rate %d", sampleRate)
	}
	if want := channels * bits / 8; blockAlign != want {
		return bad("block align %d, want %d", blockAlign, want)
	}
	if want := sampleRate * uint32(blockAlign); byteRate != want {
		return bad("byte rate %d, want %d", byteRate, want)
	}
	if dataSize == 0 {
		return bad("no samples")
	}
	return AudioInfo{
		Format:        FormatWAV,
		Codec:         codec,
		SampleRate:    int(sampleRate),
		Channels:      int(channels),
		BitsPerSample: int(bits),
		Duration:      time.Duration(int64(dataSize) * int64(time.Second) / int64(byteRate)),
	}, nil
}

// oggCRCTable is the CRC-32 table of the Ogg framing spec (polynomial
// 0x04c11db7, no reflection). Built once at init and never written.
var oggCRCTable = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 24
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04c11db7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return t
}()

func oggCRC(page []byte) uint32 {
	var crc uint32
	for i, b := range page {
		if i >= 22 && i < 26 { // the checksum field counts as zeros
			b = 0
		}
		crc = crc<<8 ^ oggCRCTable[byte(crc>>24)^b]
	}
	return crc
}

func inspectOgg(data []byte) (AudioInfo, error) {
	bad := func(format string, args ...any) (AudioInfo, error) {
		return AudioInfo{}, fmt.Errorf("%w: ogg: %s", ErrInvalidAudio, fmt.Sprintf(format, args...))
	}
	var (
		info     AudioInfo
		serial   uint32
		preSkip  int64
		granule  int64 = -1
		pages    int
		audioPkt bool // a page after the identification header carries data
	)
	for off := 0; off < len(data); pages++ {
		if len(data)-off < 27 || !bytes.Equal(data[off:off+4], []byte("OggS")) {
			return bad("page %d: missing capture pattern at byte %d", pages, off)
		}
		h := data[off:]
		if h[4] != 0 {
			return bad("page %d: stream structure version %d", pages, h[4])
		}
		flags := h[5]
		pageGranule := int64(binary.LittleEndian.Uint64(h[6:14]))
		pageSerial := binary.LittleEndian.Uint32(h[14:18])
		nseg := int(h[26])
		if len(h) < 27+nseg {
			return bad("page %d: truncated segment table", pages)
		}
		bodyLen := 0
		for _, l := range h[27 : 27+nseg] {
			bodyLen += int(l)
		}
		pageLen := 27 + nseg + bodyLen
		if len(h) < pageLen {
			return bad("page %d: truncated (%d of %d bytes)", pages, len(h), pageLen)
		}
		if got, want := oggCRC(h[:pageLen]), binary.LittleEndian.Uint32(h[22:26]); got != want {
			return bad("page %d: checksum mismatch", pages)
		}
		body := h[27+nseg : pageLen]
		if pages == 0 {
			if flags&0x02 == 0 {
				return bad("first page lacks the beginning-of-stream flag")
			}
			serial = pageSerial
			switch {
			case len(body) >= 19 && bytes.HasPrefix(body, []byte("OpusHead")):
				if body[8]&0xF0 != 0 {
					return bad("OpusHead version %d", body[8])
				}
				info = AudioInfo{Format: FormatOgg, Codec: "opus", SampleRate: 48000, Channels: int(body[9])}
				preSkip = int64(binary.LittleEndian.Uint16(body[10:12]))
			case len(body) >= 30 && bytes.HasPrefix(body, []byte("\x01vorbis")):
				info = AudioInfo{
					Format:     FormatOgg,
					Codec:      "vorbis",
					Channels:   int(body[11]),
					SampleRate: int(binary.LittleEndian.Uint32(body[12:16])),
				}
			default:
				return bad("first packet is neither OpusHead nor a Vorbis identification header")
			}
			if info.Channels == 0 || info.SampleRate == 0 {
				return bad("identification header with %d channels at %d Hz", info.Channels, info.SampleRate)
			}
		} else if pageSerial == serial {
			if pageGranule >= 0 && pageGranule > granule {
				granule = pageGranule
			}
			if pageGranule > 0 {
				audioPkt = true
			}
		}
		off += pageLen
	}
	if !audioPkt {
		return bad("no audio pages")
	}
	samples := granule - preSkip
	if samples < 0 {
		samples = 0
	}
	info.Duration = time.Duration(samples * int64(time.Second) / int64(info.SampleRate))
	return info, nil
}
