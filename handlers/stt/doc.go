// Package stt turns voice notes into text through an OpenAI-compatible
// transcription API (OpenAI, Groq, or a whisper.cpp server).
//
// The [Client] posts multipart/form-data to {BaseURL}/audio/transcriptions,
// retries rate limits and 5xx answers with bounded exponential backoff, and
// reports every failure as an [*Error] whose Reason is a short, fixed label
// meant for a "failures by reason" metric. Backends that cannot decode Ogg/Opus
// (whisper.cpp without --convert) get 16 kHz mono 16-bit WAV made by ffmpeg
// ([ConvertToWAV]); [Inspect] reads WAV and Ogg headers in pure Go to decide
// whether conversion is needed and how long the audio is.
//
// The package never logs: errors carry no audio, no transcript text and no
// credentials, so callers may log them.
package stt
