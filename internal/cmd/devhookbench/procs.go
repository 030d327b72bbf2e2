package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/devhookhq/devhook/fixtures"
)

// maxLifetime bounds every helper process: it exits after this long even
// if its parent forgot it.
const maxLifetime = 30 * time.Minute

// exitWithParent ends the process when stdin closes (the parent holds the
// other end of the pipe) or after maxLifetime.
func exitWithParent() {
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	time.AfterFunc(maxLifetime, func() { os.Exit(3) })
}

// listenLoopback listens on addr, which must be a loopback address.
func listenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("%s is not a loopback address", addr)
	}
	return net.Listen("tcp", addr)
}

// receive is a webhook receiver: it answers every POST 200 and counts the
// events, validates hook.verify against -mock when given, and serves
// GET /wait?n=N (answers once N events arrived since the last /reset) and
// POST /reset.
func receive(args []string) error {
	fs := flag.NewFlagSet("receive", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on")
	mock := fs.String("mock", "", "mock API URL to validate hook.verify against")
	token := fs.String("token", "", "OAuth2 token for -mock")
	if err := fs.Parse(args); err != nil {
		return err
	}
	l, err := listenLoopback(*addr)
	if err != nil {
		return err
	}
	exitWithParent()
	var (
		mu    sync.Mutex
		cond  = sync.NewCond(&mu)
		count int
	)
	client := &http.Client{Timeout: 10 * time.Second}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/wait":
			n, _ := strconv.Atoi(r.URL.Query().Get("n"))
			mu.Lock()
			for count < n {
				cond.Wait()
			}
			got := count
			mu.Unlock()
			fmt.Fprintln(w, got)
		case r.Method == http.MethodPost && r.URL.Path == "/reset":
			mu.Lock()
			count = 0
			mu.Unlock()
		case r.Method == http.MethodPost:
			if err := r.ParseForm(); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			if r.PostForm.Get("type") == fixtures.VerifyEvent {
				if *mock != "" {
					validate(client, *mock, *token, r.PostForm.Get("hook_id"), r.PostForm.Get("code"))
				}
				return
			}
			mu.Lock()
			count++
			cond.Broadcast()
			mu.Unlock()
		default:
			http.NotFound(w, r)
		}
	})
	fmt.Printf("listening http://%s\n", l.Addr())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(l)
}

func validate(c *http.Client, mock, token, hookID, code string) {
	body, _ := json.Marshal(map[string]string{"code": code})
	req, err := http.NewRequest(http.MethodPost, mock+"/hook/"+hookID+"/verify/validate", bytes.NewReader(body))
	if err != nil {
		fmt.Fprintf(os.Stderr, "receive: validate: %v\n", err)
		return
	}
	req.Header.Set("Authorization", "OAuth2 "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		fmt.Fprintf(os.Stderr, "receive: validate: %v\n", err)
		return
	}
	res.Body.Close()
}

// serve is the plain net/http baseline of an API call: it answers every
// GET with the bytes of -body and a JSON content type.
func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on")
	bodyFile := fs.String("body", "", "file with the bytes to answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		return err
	}
	l, err := listenLoopback(*addr)
	if err != nil {
		return err
	}
	exitWithParent()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(body)
	})
	fmt.Printf("listening http://%s\n", l.Addr())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(l)
}

// loadCmd sends one request -n times from -workers workers and prints the
// requests per second; for trying a server by hand.
func loadCmd(args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	url := fs.String("url", "", "loopback URL")
	method := fs.String("method", "GET", "method")
	body := fs.String("body", "", "request body")
	n := fs.Int("n", 10000, "requests")
	workers := fs.Int("workers", 16, "concurrent workers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !strings.HasPrefix(*url, "http://127.0.0.1:") {
		return errors.New("-url must be http://127.0.0.1:PORT/ and a path")
	}
	d, err := hammer(newClient(*workers), *workers, *n, func(int) (*http.Request, error) {
		return http.NewRequest(*method, *url, strings.NewReader(*body))
	})
	if err != nil {
		return err
	}
	fmt.Printf("%.0f req/s\n", float64(*n)/d.Seconds())
	return nil
}
