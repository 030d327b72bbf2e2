package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeValues are the fixed values of the README's commands that the
// scripts replace with what they started: the README's app on port 3000
// (or 8000) and its mock on 127.0.0.1:8080 are each script's own.
var readmeValues = map[string]string{
	"3000":                    "$APP_PORT",
	"http://localhost:3000":   "$APP_URL",
	"http://localhost:8000":   "$APP_URL",
	"http://127.0.0.1:8080":   "$MOCK",
	"http://127.0.0.1:3000":   "$APP_URL",
	"<ID>":                    "$ID",
	"CODE":                    "$CODE",
	"https://you.example.com": "$PUBLIC_URL",
	"$PODIO_APP_ID":           "$PODIO_APP_ID",
}

// readmeExempt are README commands no script runs, and why.
var readmeExempt = map[string]string{
	"go test -race ./...": "the test suite itself; a script cannot run it",
	"go install github.com/devhookhq/devhook/cmd/devhook@latest": "downloads the published module; tests stay off the network",
}

// TestREADMECommandsHaveScripts keeps the README true: every command in
// its ```sh blocks must appear, as written, in a script of
// testdata/script, which runs it and checks what it does. "As written"
// allows only what readmeNormalize does: `go run ./cmd/devhook` is the
// script's devhook, `export` is env, comments go, readmeValues become the
// script's own, and "..." in the README stands for any one word.
func TestREADMECommandsHaveScripts(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cmds := readmeCommands(string(readme))
	if len(cmds) < 20 {
		t.Fatalf("found only %d commands in README.md: is readmeCommands broken?", len(cmds))
	}
	scripts, err := filepath.Glob("testdata/script/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]string
	for _, f := range scripts {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, scriptCommandLines(string(b))...)
	}
	for _, c := range cmds {
		if _, ok := readmeExempt[strings.Join(c.words, " ")]; ok {
			continue
		}
		want := c.words
		found := false
		for _, l := range lines {
			if wordsMatch(want, l) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("README command %q: no script in testdata/script runs it (as %q)", c.text, want)
		}
	}
}

// readmeCommands returns the commands of the README's ```sh blocks,
// normalized: continuation lines joined, comments dropped, `go run
// ./cmd/devhook` as devhook, export as env, readmeValues replaced.
func readmeCommands(readme string) []readmeCommand {
	var out []readmeCommand
	in := false
	var cont string
	for _, line := range strings.Split(readme, "\n") {
		switch {
		case !in && strings.HasPrefix(line, "```sh"):
			in = true
			continue
		case in && strings.HasPrefix(line, "```"):
			in = false
			continue
		case !in:
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cont += strings.TrimSuffix(line, `\`) + " "
			continue
		}
		line, cont = cont+line, ""
		if w := readmeNormalize(line); len(w) > 0 {
			out = append(out, readmeCommand{strings.TrimSpace(line), w})
		}
	}
	return out
}

// readmeCommand is a command of the README: as written, and normalized
// to words.
type readmeCommand struct {
	text  string
	words []string
}

func readmeNormalize(line string) []string {
	words := shellWords(line, true)
	for i, w := range words {
		if strings.HasPrefix(w, "#") {
			words = words[:i]
			break
		}
	}
	if len(words) >= 3 && words[0] == "go" && words[1] == "run" && words[2] == "./cmd/devhook" {
		words = append([]string{"devhook"}, words[3:]...)
	}
	if len(words) > 0 && words[0] == "export" {
		words[0] = "env"
	}
	for i, w := range words {
		for from, to := range readmeValues {
			if strings.Contains(from, "://") {
				w = strings.ReplaceAll(w, from, to) // URLs, also inside a JSON body
			} else if w == from {
				w = to
			}
		}
		words[i] = w
	}
	return words
}

// scriptCommandLines returns the command lines of a script (not of its
// files) as words: `exec`, `!` and `bg NAME` prefixes and a trailing `&`
// dropped.
func scriptCommandLines(script string) [][]string {
	var out [][]string
	for _, line := range strings.Split(script, "\n") {
		if strings.HasPrefix(line, "-- ") {
			break // the archive's files
		}
		w := shellWords(line, false)
		if len(w) == 0 || strings.HasPrefix(w[0], "#") {
			continue
		}
		if w[0] == "!" {
			w = w[1:]
		}
		if len(w) > 0 && w[0] == "exec" {
			w = w[1:]
		}
		if len(w) > 2 && w[0] == "bg" {
			w = w[2:]
		}
		if n := len(w); n > 0 && regexp.MustCompile(`^&(\w+&)?$`).MatchString(w[n-1]) {
			w = w[:n-1]
		}
		out = append(out, w)
	}
	return out
}

// wordsMatch reports whether a script's words run the README's: equal,
// where the README's "..." matches any word and "K=..." any "K=" word.
func wordsMatch(readme, script []string) bool {
	if len(readme) != len(script) {
		return false
	}
	for i, w := range readme {
		switch {
		case w == "...":
		case strings.HasSuffix(w, "=...") && strings.HasPrefix(script[i], strings.TrimSuffix(w, "...")):
		case w != script[i]:
			return false
		}
	}
	return true
}

// shellWords splits a line into words: blanks separate, single quotes
// group, and so do double quotes when double is set (sh does, testscript
// does not).
func shellWords(line string, double bool) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || (double && r == '"'):
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
