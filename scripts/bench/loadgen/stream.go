package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
)

// sseParser splits a text/event-stream into events incrementally, from
// arbitrary byte chunks. Lines end in LF, CRLF or CR (a CRLF split across two
// chunks is handled); an event ends at a blank line and is reported only if
// it carried at least one data field. Comments and other fields are ignored.
type sseParser struct {
	line    []byte // current line, possibly continued by the next chunk
	data    []byte // data field values of the current event, joined by LF
	hasData bool
	lastCR  bool // previous chunk ended in CR: a leading LF completes a CRLF
}

// feed consumes b and calls emit with the data of each event completed in it
// (the slice is only valid during the call). It returns the number of events.
func (p *sseParser) feed(b []byte, emit func(data []byte)) int {
	events := 0
	for len(b) > 0 {
		if p.lastCR && b[0] == '\n' {
			b = b[1:]
		}
		p.lastCR = false
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 {
			p.line = append(p.line, b...)
			break
		}
		line := b[:i]
		if len(p.line) > 0 {
			p.line = append(p.line, line...)
			line = p.line
		}
		if b[i] == '\r' {
			if i+1 < len(b) {
				if b[i+1] == '\n' {
					i++
				}
			} else {
				p.lastCR = true
			}
		}
		b = b[i+1:]
		if p.processLine(line, emit) {
			events++
		}
		p.line = p.line[:0]
	}
	return events
}

// processLine handles one complete line and reports whether it dispatched an event.
func (p *sseParser) processLine(line []byte, emit func([]byte)) bool {
	if len(line) == 0 { // blank line: end of event
		if !p.hasData {
			return false
		}
		emit(p.data)
		p.data, p.hasData = p.data[:0], false
		return true
	}
	if line[0] == ':' { // comment (keep-alive)
		return false
	}
	field, value, found := bytes.Cut(line, []byte(":"))
	if found && len(value) > 0 && value[0] == ' ' {
		value = value[1:]
	}
	if string(field) == "data" {
		if p.hasData {
			p.data = append(p.data, '\n')
		}
		p.data = append(p.data, value...)
		p.hasData = true
	}
	return false
}

// chatChunk is the part of an OpenAI chat.completion.chunk that is timed.
type chatChunk struct {
	Choices []struct {
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
	} `json:"choices"`
}

var doneData = []byte("[DONE]")

// streamSample is one measured streaming request. Durations are ns from the send.
type streamSample struct {
	outcome      string // "" when successful, otherwise the error kind
	ttfb         int64  // first body byte (not headers)
	firstContent int64  // end of the first event with non-empty delta.content
	total        int64  // end of the body
	events       int    // data events, including [DONE]
	batched      int    // body reads that completed more than one event
}

// streamOnce sends one streaming request and times it from the body reads.
// Every event completed by a read is stamped with that read's return time,
// which is when the client could have acted on it. gaps receives the spacing
// of consecutive content events; content, if not nil, their text.
func streamOnce(client *http.Client, req *http.Request, buf []byte, gaps *[]int64, content *strings.Builder) streamSample {
	var s streamSample
	start := now()
	resp, err := client.Do(req)
	if err != nil {
		s.outcome = "transport"
		return s
	}
	defer resp.Body.Close()
	if !isSuccess(resp.StatusCode) {
		io.Copy(io.Discard, resp.Body)
		s.outcome = statusKey(resp.StatusCode)
		return s
	}

	var (
		parser      sseParser
		readAt      int64
		lastContent int64 = -1
		badEvent    bool
	)
	emit := func(data []byte) {
		s.events++
		if bytes.Equal(data, doneData) {
			return
		}
		var chunk chatChunk
		if err := json.Unmarshal(data, &chunk); err != nil {
			badEvent = true
			return
		}
		if len(chunk.Choices) == 0 || chunk.Choices[0].Delta.Content == "" {
			return // role-only, usage or finish chunks
		}
		if lastContent < 0 {
			s.firstContent = readAt - start
		} else {
			*gaps = append(*gaps, readAt-lastContent)
		}
		lastContent = readAt
		if content != nil {
			content.WriteString(chunk.Choices[0].Delta.Content)
		}
	}
	for {
		n, err := resp.Body.Read(buf)
		readAt = now()
		if n > 0 {
			if s.ttfb == 0 {
				s.ttfb = max(readAt-start, 1)
			}
			if parser.feed(buf[:n], emit) > 1 {
				s.batched++
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			s.outcome = "transport"
			return s
		}
	}
	s.total = readAt - start
	switch {
	case badEvent:
		s.outcome = "bad_event" // a data event that is neither JSON nor [DONE]
	case lastContent < 0:
		s.outcome = "no_content"
	}
	return s
}

// StreamResult is what stream mode prints (StreamResult in types.ts).
type StreamResult struct {
	Mode           string  `json:"mode"`
	Requests       int     `json:"requests"`
	Errors         int     `json:"errors"`
	TTFBUS         Latency `json:"ttfb_us"`
	FirstContentUS Latency `json:"first_content_us"`
	TotalUS        Latency `json:"total_us"`
	EventsMin      int     `json:"events_min"`
	EventsMax      int     `json:"events_max"`
	BatchedReads   int     `json:"batched_reads"`
	GapUS          Latency `json:"gap_us"`
	ContentSample  string  `json:"content_sample"`
}

// runStream runs cfg.concurrency workers, each sending streaming requests one
// after another (warm-up and -d/-n as in closed mode). Timings, event counts
// and gaps are taken over the successful measured requests.
func runStream(cfg *config, client *http.Client) StreamResult {
	sched := newSchedule(cfg)
	type workerOut struct {
		samples []streamSample
		gaps    []int64
	}
	outs := make([]workerOut, cfg.concurrency)
	var sample strings.Builder // written only by the worker holding ticket 0
	runWorkers(cfg.concurrency, func(w int) {
		buf := make([]byte, 32<<10)
		var out workerOut
		var reqGaps []int64
		for {
			ticket, ok := sched.next()
			if !ok {
				break
			}
			req, err := cfg.newRequest()
			if err != nil {
				out.samples = append(out.samples, streamSample{outcome: "transport"})
				continue
			}
			var content *strings.Builder
			if ticket == 0 {
				content = &sample
			}
			reqGaps = reqGaps[:0]
			s := streamOnce(client, req, buf, &reqGaps, content)
			if ticket < 0 {
				continue
			}
			out.samples = append(out.samples, s)
			if s.outcome == "" {
				out.gaps = append(out.gaps, reqGaps...)
			}
		}
		outs[w] = out
	})

	res := StreamResult{Mode: "stream", ContentSample: sample.String()}
	var ttfb, first, total, gaps []int64
	failures := map[string]int{}
	for _, o := range outs {
		gaps = append(gaps, o.gaps...)
		for _, s := range o.samples {
			res.Requests++
			if s.outcome != "" {
				res.Errors++
				failures[s.outcome]++
				continue
			}
			ttfb = append(ttfb, s.ttfb)
			first = append(first, s.firstContent)
			total = append(total, s.total)
			if len(ttfb) == 1 || s.events < res.EventsMin {
				res.EventsMin = s.events
			}
			res.EventsMax = max(res.EventsMax, s.events)
			res.BatchedReads += s.batched
		}
	}
	res.TTFBUS, res.FirstContentUS, res.TotalUS = summarize(ttfb), summarize(first), summarize(total)
	res.GapUS = summarize(gaps)
	if res.Errors > 0 {
		kinds := make([]string, 0, len(failures))
		for k, n := range failures {
			kinds = append(kinds, fmt.Sprintf("%s=%d", k, n))
		}
		sort.Strings(kinds)
		fmt.Fprintf(os.Stderr, "loadgen: %d of %d streams failed: %s\n", res.Errors, res.Requests, strings.Join(kinds, " "))
	}
	return res
}
