// A chat backend in Go: plain WebSockets with gorilla/websocket, served by net/http or by Gin, logging
// the way Go programs do — the standard `log` package, `log/slog` (text or JSON handler), and for Gin its
// own request logger and debug lines.
//
// Build (offline, GOPATH mode over Debian's /usr/share/gocode): see capture/harness.py `Harness.go_chat`.
// Usage: gochat -addr 127.0.0.1:PORT [-router nethttp|gin] [-log std|slog-text|slog-json]
//
//	[-origins https://a,https://b]   (CheckOrigin allow-list; default: gorilla's same-origin check)
package main

import (
	"flag"
	"log"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"
)

type hub struct {
	mu      sync.Mutex
	clients map[*websocket.Conn]string
}

func (h *hub) add(c *websocket.Conn, who string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clients[c] = who
	return len(h.clients)
}

func (h *hub) remove(c *websocket.Conn) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.clients, c)
	return len(h.clients)
}

func (h *hub) broadcast(from *websocket.Conn, msg []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		if c != from {
			_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			_ = c.WriteMessage(websocket.TextMessage, msg)
		}
	}
}

// logger hides which of the three logging styles the program was started with.
type logger struct {
	std *log.Logger
	sl  *slog.Logger
}

func (l logger) info(msg string, kv ...any) {
	if l.sl != nil {
		l.sl.Info(msg, kv...)
		return
	}
	l.std.Println(append([]any{msg}, kv...)...)
}

func (l logger) warn(msg string, kv ...any) {
	if l.sl != nil {
		l.sl.Warn(msg, kv...)
		return
	}
	l.std.Println(append([]any{msg}, kv...)...)
}

func (l logger) error(msg string, kv ...any) {
	if l.sl != nil {
		l.sl.Error(msg, kv...)
		return
	}
	l.std.Println(append([]any{msg}, kv...)...)
}

func newLogger(style string) logger {
	switch style {
	case "slog-text":
		return logger{sl: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	case "slog-json":
		return logger{sl: slog.New(slog.NewJSONHandler(os.Stderr, nil))}
	default:
		return logger{std: log.New(os.Stderr, "", log.LstdFlags)}
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	router := flag.String("router", "nethttp", "nethttp or gin")
	style := flag.String("log", "std", "std, slog-text or slog-json")
	origins := flag.String("origins", "", "comma-separated allowed origins (default: same origin)")
	flag.Parse()

	lg := newLogger(*style)
	upgrader := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024}
	if *origins != "" {
		allowed := strings.Split(*origins, ",")
		upgrader.CheckOrigin = func(r *http.Request) bool {
			origin := r.Header.Get("Origin")
			for _, a := range allowed {
				if origin == a {
					return true
				}
			}
			return false
		}
	}
	h := &hub{clients: map[*websocket.Conn]string{}}

	serveWS := func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			// gorilla has already answered the request with an HTTP error
			lg.error("upgrade failed", "remote", r.RemoteAddr, "err", err)
			return
		}
		defer conn.Close()
		n := h.add(conn, r.RemoteAddr)
		lg.info("client connected", "remote", r.RemoteAddr, "clients", n)
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				if websocket.IsUnexpectedCloseError(err, websocket.CloseGoingAway, websocket.CloseNormalClosure) {
					lg.warn("read error", "remote", r.RemoteAddr, "err", err)
				}
				n = h.remove(conn)
				lg.info("client disconnected", "remote", r.RemoteAddr, "reason", err, "clients", n)
				return
			}
			h.broadcast(conn, msg)
		}
	}
	rooms := `[{"id":1,"name":"general"},{"id":2,"name":"random"}]`

	if *router == "gin" {
		r := gin.Default()
		r.GET("/ws", func(c *gin.Context) { serveWS(c.Writer, c.Request) })
		r.GET("/api/rooms", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", []byte(rooms)) })
		if err := r.Run(*addr); err != nil {
			lg.error("server stopped", "err", err)
			os.Exit(1)
		}
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", serveWS)
	mux.HandleFunc("/api/rooms", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(rooms))
	})
	lg.info("listening", "addr", *addr)
	if err := http.ListenAndServe(*addr, mux); err != nil {
		lg.error("server stopped", "err", err)
		os.Exit(1)
	}
}
