// gogen: an independent load generator for ScaleChat (protocol version 1), written against
// gorilla/websocket, to check what `scalechat load` measures on the same server. It runs the
// same workload shape: clients in one room each, messages round the publishers on a fixed
// schedule (open model), text "#k#" padded to --size, latency from the scheduled send time.
// With --spread its JSON line also gives, per message, when the first and the last copy arrived
// and the spread between them. With --connect it measures the connect rate instead: --clients
// connections, --concurrency at a time, each saying hello and waiting for welcome; then it closes
// them all.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

type client struct {
	conn *websocket.Conn
	mu   sync.Mutex
	lat  []int64 // microseconds, measured deliveries only
	ks   []int64 // with --spread: the message number of each latency
}

func main() {
	url := flag.String("url", "ws://127.0.0.1:8080/ws", "server endpoint; clients connect to {url}/{room}")
	clients := flag.Int("clients", 1000, "clients")
	rooms := flag.Int("rooms", 1, "rooms")
	publishers := flag.Int("publishers", 10, "clients that send")
	rate := flag.Float64("rate", 100, "messages per second in total")
	size := flag.Int("size", 64, "text size in bytes")
	warmup := flag.Duration("warmup", 3*time.Second, "sending before measuring")
	duration := flag.Duration("duration", 15*time.Second, "time measured")
	drain := flag.Duration("drain", 5*time.Second, "longest wait for the last deliveries")
	connect := flag.Bool("connect", false, "measure the connect rate only")
	spread := flag.Bool("spread", false, "also report, per message, the first and the last recipient's latency and the spread between them")
	concurrency := flag.Int("concurrency", 64, "connects at a time (with --connect)")
	flag.Parse()
	if *connect {
		connectRate(*url, *clients, *concurrency)
		return
	}

	tag := strconv.FormatInt(time.Now().UnixNano(), 36) // names are held for a while after a run: a new tag each run
	cs := make([]*client, *clients)
	joined := make([]int64, *rooms)
	var wg sync.WaitGroup
	var delivered, expected, unparsable int64
	warmupMsgs := int64(warmup.Seconds() * *rate)
	total := warmupMsgs + int64(duration.Seconds()**rate)
	var start time.Time
	var started atomic.Bool
	perMsg := time.Duration(float64(time.Second) / *rate)
	key := []byte(`"text":"#`)
	// Each client's latencies go into a slice sized for every measured message of its room, with
	// its pages touched now. Grown by append instead, the slices of all clients doubled together
	// (every client gets the same messages); at a million deliveries a second, growing that much
	// memory at once (copies, page faults and the collections it set off) stalled every reader
	// for up to a third of a second, every second or two: latency the generator made, not the server.
	perRoom := make([]int, *rooms)
	for k := warmupMsgs; k < total; k++ {
		perRoom[int(k%int64(*publishers))%*rooms]++
	}

	for i := 0; i < *clients; i++ {
		room := i % *rooms
		d := websocket.Dialer{Subprotocols: []string{"scalechat.v1"}, ReadBufferSize: 4096, WriteBufferSize: 4096}
		// Waits for welcome before the next connect.
		c := &client{conn: dialHello(d, fmt.Sprintf("%s/load-%d", *url, room), fmt.Sprintf("go%s-%d", tag, i)),
			lat: presized(perRoom[room])}
		if *spread {
			c.ks = presized(perRoom[room])
		}
		cs[i] = c
		joined[room]++
		wg.Add(1)
		go func(c *client) {
			defer wg.Done()
			// One reusable buffer per client and no allocation per message, so that receiving
			// stays cheap at a million deliveries a second.
			buf := make([]byte, 0, 64*1024)
			for {
				_, r, err := c.conn.NextReader()
				if err != nil {
					return
				}
				buf = buf[:0]
				for {
					if len(buf) == cap(buf) {
						buf = append(buf, 0)[:len(buf)]
					}
					n, err := r.Read(buf[len(buf):cap(buf)])
					buf = buf[:len(buf)+n]
					if err == io.EOF {
						break
					}
					if err != nil {
						return
					}
				}
				now := time.Now()
				data := buf
				var got int64
				for len(data) > 0 {
					line := data
					if nl := bytes.IndexByte(data, '\n'); nl >= 0 {
						line, data = data[:nl], data[nl+1:]
					} else {
						data = nil
					}
					at := bytes.Index(line, key)
					if at < 0 {
						continue
					}
					rest := line[at+len(key):]
					k, digits := int64(0), 0
					for digits < len(rest) && rest[digits] >= '0' && rest[digits] <= '9' {
						k = k*10 + int64(rest[digits]-'0')
						digits++
					}
					if digits == 0 || digits == len(rest) || rest[digits] != '#' {
						atomic.AddInt64(&unparsable, 1)
						continue
					}
					if !started.Load() || k < warmupMsgs {
						continue
					}
					got++
					due := start.Add(time.Duration(k) * perMsg)
					c.lat = append(c.lat, now.Sub(due).Microseconds())
					if *spread {
						c.ks = append(c.ks, k)
					}
				}
				if got > 0 {
					atomic.AddInt64(&delivered, got)
				}
			}
		}(c)
	}

	pad := bytes.Repeat([]byte{'x'}, *size)
	start = time.Now().Add(10 * time.Millisecond)
	started.Store(true)
	var late []int64
	for k := int64(0); k < total; k++ {
		due := start.Add(time.Duration(k) * perMsg)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		late = append(late, time.Since(due).Microseconds())
		i := int(k % int64(*publishers))
		room := i % *rooms
		prefix := "#" + strconv.FormatInt(k, 10) + "#"
		text := prefix
		if *size > len(prefix) {
			text += string(pad[:*size-len(prefix)])
		}
		msg := fmt.Sprintf(`{"type":"send","ref":%d,"text":"%s","room":"load-%d"}`, k, text, room)
		if k >= warmupMsgs {
			expected += joined[room]
		}
		c := cs[i]
		c.mu.Lock()
		err := c.conn.WriteMessage(websocket.TextMessage, []byte(msg))
		c.mu.Unlock()
		if err != nil {
			fmt.Fprintln(os.Stderr, "send:", err)
		}
	}
	deadline := time.Now().Add(*drain)
	for atomic.LoadInt64(&delivered) < expected && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	got := atomic.LoadInt64(&delivered)
	for _, c := range cs {
		c.conn.Close()
	}
	wg.Wait()
	var all []int64
	for _, c := range cs {
		all = append(all, c.lat...)
	}
	sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
	sort.Slice(late, func(a, b int) bool { return late[a] < late[b] })
	pct := func(v []int64, p float64) float64 {
		if len(v) == 0 {
			return 0
		}
		return float64(v[int(float64(len(v)-1)*p)]) / 1000
	}
	result := map[string]any{
		"tool": "gogen", "expected": expected, "delivered": got, "lost": expected - got,
		"deliveriesPerSecond": float64(got) / duration.Seconds(),
		"p50Ms":               pct(all, 0.50), "p90Ms": pct(all, 0.90), "p99Ms": pct(all, 0.99), "p999Ms": pct(all, 0.999), "maxMs": pct(all, 1),
		"schedulerLateP99Ms": pct(late, 0.99), "unparsable": unparsable,
	}
	if *spread {
		// Per measured message: when its first and its last copy arrived, and the time between,
		// which tells a late start (the first copy) from a slow fan-out (the spread).
		n := total - warmupMsgs
		first, last := make([]int64, n), make([]int64, n)
		for i := range first {
			first[i], last[i] = -1, -1
		}
		for _, c := range cs {
			for i, k := range c.ks {
				at := k - warmupMsgs
				if at >= n {
					continue // a number the schedule never sent: counted, but it is no message of the run
				}
				if first[at] < 0 || c.lat[i] < first[at] {
					first[at] = c.lat[i]
				}
				if c.lat[i] > last[at] {
					last[at] = c.lat[i]
				}
			}
		}
		var firsts, lasts, spreads []int64
		for i := range first {
			if first[i] >= 0 {
				firsts, lasts, spreads = append(firsts, first[i]), append(lasts, last[i]), append(spreads, last[i]-first[i])
			}
		}
		summary := func(v []int64) map[string]float64 {
			sort.Slice(v, func(a, b int) bool { return v[a] < v[b] })
			return map[string]float64{"p10": pct(v, 0.10), "p50": pct(v, 0.50), "p90": pct(v, 0.90), "p99": pct(v, 0.99), "max": pct(v, 1)}
		}
		result["perMessage"] = map[string]any{"messages": len(firsts), "firstMs": summary(firsts), "lastMs": summary(lasts), "spreadMs": summary(spreads)}
	}
	out, _ := json.Marshal(result)
	fmt.Println(string(out))
}

// presized returns an empty slice with room for n values whose pages are already faulted in, so
// that filling it during the run neither grows it nor faults.
func presized(n int) []int64 {
	s := make([]int64, n)
	for j := 0; j < n; j += 512 {
		s[j] = 1
	}
	return s[:0]
}

// connectRate opens n connections, c at a time, each to {url}/load-0 with hello and welcome, and
// prints how long that took as a JSON line; then closes them.
func connectRate(url string, n, c int) {
	tag := strconv.FormatInt(time.Now().UnixNano(), 36)
	conns := make([]*websocket.Conn, n)
	next := int64(-1)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := websocket.Dialer{Subprotocols: []string{"scalechat.v1"}, ReadBufferSize: 1024, WriteBufferSize: 1024}
			for i := atomic.AddInt64(&next, 1); i < int64(n); i = atomic.AddInt64(&next, 1) {
				conns[i] = dialHello(d, url+"/load-0", fmt.Sprintf("c%s-%d", tag, i))
			}
		}()
	}
	wg.Wait()
	seconds := time.Since(start).Seconds()
	out, _ := json.Marshal(map[string]any{"connected": n, "seconds": seconds, "perSecond": float64(n) / seconds})
	fmt.Println(string(out))
	for _, conn := range conns {
		conn.Close()
	}
}

// dialHello connects to url, says hello as name and returns once welcome has come; it ends the
// process on any failure.
func dialHello(d websocket.Dialer, url, name string) *websocket.Conn {
	conn, _, err := d.Dial(url, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connect:", err)
		os.Exit(2)
	}
	if err := conn.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf(`{"type":"hello","name":"%s"}`, name))); err != nil {
		os.Exit(2)
	}
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			fmt.Fprintln(os.Stderr, "welcome:", err)
			os.Exit(2)
		}
		if bytes.Contains(data, []byte(`"type":"welcome"`)) {
			return conn
		}
	}
}
