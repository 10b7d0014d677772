package main

import (
	"io"
	"net/http"
)

// send performs one request and reads the whole response body, so the
// connection goes back to the keep-alive pool and the latency includes the
// body. It returns the HTTP status or statusTransport.
func send(client *http.Client, req *http.Request) int {
	resp, err := client.Do(req)
	if err != nil {
		return statusTransport
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return statusTransport
	}
	return resp.StatusCode
}

// runClosed runs the closed loop: cfg.concurrency workers, each sending its
// next request as soon as the previous one has been answered. Latency is
// measured from just before the send (the request is built beforehand).
func runClosed(cfg *config, client *http.Client) LoadResult {
	sched := newSchedule(cfg)
	perWorker := make([][]sample, cfg.concurrency)
	runWorkers(cfg.concurrency, func(w int) {
		var local []sample // per worker: no locking on the hot path
		for {
			ticket, ok := sched.next()
			if !ok {
				break
			}
			status := statusTransport
			start := now()
			if req, err := cfg.newRequest(); err == nil {
				start = now()
				status = send(client, req)
			}
			if ticket >= 0 {
				local = append(local, sample{start: start, end: now(), status: status})
			}
		}
		perWorker[w] = local
	})
	var all []sample
	for _, s := range perWorker {
		all = append(all, s...)
	}
	return summarizeLoad("closed", all)
}
