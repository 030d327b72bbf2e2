package deliverylog

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults of [Options].
const (
	DefaultMaxBytes = 10 << 20 // per file
	DefaultMaxFiles = 3        // deliveries.jsonl, deliveries.1.jsonl, deliveries.2.jsonl
)

// File names in a log directory: the current file, and the rotated ones
// deliveries.1.jsonl (the newest) to deliveries.N.jsonl (the oldest).
const (
	fileBase = "deliveries"
	fileExt  = ".jsonl"
	lockName = "deliveries.lock"
)

// ErrNotFound is returned by [Find] when no record has the ID.
var ErrNotFound = errors.New("deliverylog: no such delivery")

// StateDirEnv names the environment variable that overrides [Dir].
const StateDirEnv = "DEVHOOK_STATE_DIR"

// Dir returns the directory devhook logs deliveries in: $DEVHOOK_STATE_DIR
// if set, else $XDG_STATE_HOME/devhook when XDG_STATE_HOME is an absolute
// path, else ~/.local/state/devhook. It does not create it.
func Dir() (string, error) {
	if d := os.Getenv(StateDirEnv); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "devhook"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("deliverylog: state directory: set %s or XDG_STATE_HOME: %w", StateDirEnv, err)
	}
	return filepath.Join(home, ".local", "state", "devhook"), nil
}

// Options configure [Open].
type Options struct {
	// MaxBytes is the size past which the current file is rotated; a
	// record is never split, so a single record larger than MaxBytes gets
	// a file of its own. Zero means [DefaultMaxBytes].
	MaxBytes int64
	// MaxFiles is how many files are kept, the current one included; the
	// oldest is deleted on rotation. Zero means [DefaultMaxFiles].
	MaxFiles int
	// Run prefixes the IDs this log assigns ("<run>-<seq>"). Two logs
	// open at once on one directory must have different runs. Empty means
	// a new random one, see [NewRun].
	Run string
}

// Log appends records to the files of one directory. Its methods are safe
// for concurrent use, and several processes may append to one directory
// at once: each record is one write(2) on a file opened with O_APPEND, so
// lines never interleave and a crash loses at most the line being
// written.
type Log struct {
	dir      string
	maxBytes int64
	maxFiles int
	run      string

	mu     sync.Mutex // guards f, fi, seq, closed, buf
	buf    []byte     // the last line's array, reused for the next
	f      *os.File
	fi     os.FileInfo // f's identity, to tell whether it is still the current file
	seq    int64
	closed bool
}

// maxKeptBuffer bounds the line buffer a Log keeps between appends: a
// record with large bodies gets a buffer of its own.
const maxKeptBuffer = 64 << 10

// NewRun returns a new random run id: 6 lowercase letters and digits.
func NewRun() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 6)
	rand.Read(b) // never fails
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Open opens the log in dir, creating dir (mode 0700) and its current
// file (mode 0600) if needed. If the current file ends with a line torn by
// a crash, Open terminates it, so the torn line stays skipped by [Read]
// and the next record starts on a line of its own.
func Open(dir string, opts Options) (*Log, error) {
	l := &Log{dir: dir, maxBytes: opts.MaxBytes, maxFiles: opts.MaxFiles, run: opts.Run}
	if l.maxBytes <= 0 {
		l.maxBytes = DefaultMaxBytes
	}
	if l.maxFiles <= 0 {
		l.maxFiles = DefaultMaxFiles
	}
	if l.run == "" {
		l.run = NewRun()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("deliverylog: %w", err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := l.openLocked(); err != nil {
		return nil, err
	}
	if err := terminateTornLine(l.f); err != nil {
		l.f.Close()
		return nil, err
	}
	return l, nil
}

// Run returns the run id that prefixes the IDs this log assigns.
func (l *Log) Run() string { return l.run }

// Dir returns the directory of the log.
func (l *Log) Dir() string { return l.dir }

// Append completes r and writes it as one line: it sets r.ID to
// "<run>-<seq>", r.Time to now if zero, and bounds it with [Cap]. It rotates the files first when the
// line would take the current file past MaxBytes. It returns r as
// written.
func (l *Log) Append(r Record) (Record, error) {
	rs := [1]Record{r}
	if _, err := l.AppendAll(rs[:]); err != nil {
		return Record{}, err
	}
	return rs[0], nil
}

// AppendAll appends the records of rs in order, each as [Append] does,
// and sets each element to its record as written. Lines that fit in the
// current file go in one write(2), so a batch costs one system call, not
// one per record; a crash loses at most the lines of the write under way.
// It returns how many records were written: the first n of rs; on an
// error, the elements from n on are not written and may have been
// changed.
func (l *Log) AppendAll(rs []Record) (n int, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, errors.New("deliverylog: append to a closed log")
	}
	buf := l.buf[:0]
	ends := make([]int, 0, len(rs)) // ends[i]: where rs[i]'s line ends in buf
	var encodeErr error
	now := time.Time{}
	for i, r := range rs {
		l.seq++
		r.ID = l.run + "-" + strconv.FormatInt(l.seq, 10)
		if r.Time.IsZero() {
			if now.IsZero() {
				now = time.Now()
			}
			r.Time = now
		}
		r = Cap(r)
		line, err := AppendJSON(buf, r)
		if err != nil {
			encodeErr = fmt.Errorf("deliverylog: encode record %s: %w", r.ID, err)
			break // the records before it are written
		}
		buf = append(line, '\n')
		ends = append(ends, len(buf))
		rs[i] = r
	}
	if cap(buf) <= maxKeptBuffer {
		l.buf = buf
	}
	n, err = l.writeLinesLocked(buf, ends)
	if err != nil {
		return n, err
	}
	return n, encodeErr
}

// writeLinesLocked writes buf, whose lines end at ends, to the current
// file: as many lines in one write(2) as fit before MaxBytes, rotating
// between writes. On an O_APPEND file each write lands whole, after every
// line already written, whoever wrote it.
func (l *Log) writeLinesLocked(buf []byte, ends []int) (written int, err error) {
	for start, i := 0, 0; i < len(ends); {
		size, err := l.makeRoomLocked(int64(ends[i] - start))
		if err != nil {
			return i, err
		}
		j := i + 1
		for j < len(ends) && size+int64(ends[j]-start) <= l.maxBytes {
			j++
		}
		if _, err := l.f.Write(buf[start:ends[j-1]]); err != nil {
			return i, fmt.Errorf("deliverylog: write records: %w", err)
		}
		start, i = ends[j-1], j
	}
	return len(ends), nil
}

// AppendTo appends r to the log in dir, opened for this one record (with
// the default options), and returns r as written.
func AppendTo(dir string, r Record) (Record, error) {
	l, err := Open(dir, Options{})
	if err != nil {
		return Record{}, err
	}
	r, err = l.Append(r)
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	return r, err
}

// Close closes the log. Appends after Close fail.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("deliverylog: %w", err)
	}
	return nil
}

// fileName returns the path of file i: 0 is the current one.
func fileName(dir string, i int) string {
	if i == 0 {
		return filepath.Join(dir, fileBase+fileExt)
	}
	return filepath.Join(dir, fileBase+"."+strconv.Itoa(i)+fileExt)
}

func (l *Log) openLocked() error {
	f, err := os.OpenFile(fileName(l.dir, 0), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("deliverylog: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("deliverylog: %w", err)
	}
	l.f, l.fi = f, fi
	return nil
}

// makeRoomLocked makes l.f the directory's current file (another process
// may have rotated it away) and rotates it when n more bytes would take it
// past maxBytes. It returns the current file's size.
func (l *Log) makeRoomLocked(n int64) (size int64, err error) {
	size, current, err := l.currentSizeLocked()
	if err != nil {
		return 0, err
	}
	if current && (size == 0 || size+n <= l.maxBytes) {
		return size, nil
	}
	unlock, err := lockDir(l.dir)
	if err != nil {
		return 0, err
	}
	defer unlock()
	// Under the lock, look again: another process may have rotated
	// meanwhile.
	if size, current, err = l.currentSizeLocked(); err != nil {
		return 0, err
	}
	if current && size > 0 && size+n > l.maxBytes {
		if err := l.rotateLocked(); err != nil {
			return 0, err
		}
	}
	l.f.Close()
	if err := l.openLocked(); err != nil {
		return 0, err
	}
	return l.fi.Size(), nil
}

// currentSizeLocked reports whether l.f is still the directory's current
// file and, when it is, its size. One stat(2) of the current file's name
// tells both: l.f's identity does not change.
func (l *Log) currentSizeLocked() (size int64, current bool, err error) {
	pi, err := os.Stat(fileName(l.dir, 0))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("deliverylog: %w", err)
	}
	if !os.SameFile(l.fi, pi) {
		return 0, false, nil
	}
	return pi.Size(), true, nil
}

// rotateLocked shifts deliveries.jsonl to deliveries.1.jsonl and so on,
// deleting the oldest. The caller holds the directory lock and reopens.
func (l *Log) rotateLocked() error {
	// Close first: some systems cannot rename an open file.
	l.f.Close()
	last := l.maxFiles - 1
	if err := os.Remove(fileName(l.dir, last)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deliverylog: rotate: %w", err)
	}
	for i := last - 1; i >= 0; i-- {
		err := os.Rename(fileName(l.dir, i), fileName(l.dir, i+1))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("deliverylog: rotate: %w", err)
		}
	}
	return nil
}

// terminateTornLine appends a newline to f if its last byte is not one.
func terminateTornLine(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("deliverylog: %w", err)
	}
	if fi.Size() == 0 {
		return nil
	}
	r, err := os.Open(f.Name())
	if err != nil {
		return fmt.Errorf("deliverylog: %w", err)
	}
	defer r.Close()
	last := make([]byte, 1)
	if _, err := r.ReadAt(last, fi.Size()-1); err != nil {
		return fmt.Errorf("deliverylog: %w", err)
	}
	if last[0] == '\n' {
		return nil
	}
	if _, err := f.Write([]byte{'\n'}); err != nil {
		return fmt.Errorf("deliverylog: %w", err)
	}
	return nil
}

// Skipped is a line [ReadAll] could not parse, typically one torn by a
// crash.
type Skipped struct {
	File string // path of the file
	Line int    // line number, from 1
	Err  error  // why it did not parse
}

// Contents is what [ReadAll] found in a log directory.
type Contents struct {
	// Records are the records, oldest first.
	Records []Record
	// Skipped are the lines that did not parse.
	Skipped []Skipped
}

// Read returns the records logged in dir, oldest first, skipping lines
// that do not parse (see [ReadAll] to learn which). A directory that does
// not exist holds no records.
func Read(dir string) ([]Record, error) {
	c, err := ReadAll(dir)
	return c.Records, err
}

// ReadAll returns the records logged in dir, oldest first, and the lines
// that did not parse, which it skips rather than failing. A directory that
// does not exist holds no records.
func ReadAll(dir string) (Contents, error) {
	files, err := logFiles(dir)
	if err != nil {
		return Contents{}, err
	}
	var c Contents
	for _, name := range files {
		if err := readFile(name, &c); err != nil {
			return c, err
		}
	}
	return c, nil
}

// Find returns the record with the given ID, or [ErrNotFound].
func Find(dir, id string) (Record, error) {
	recs, err := Read(dir)
	if err != nil {
		return Record{}, err
	}
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].ID == id {
			return recs[i], nil
		}
	}
	return Record{}, fmt.Errorf("find %q: %w", id, ErrNotFound)
}

// logFiles returns the log files in dir, oldest first.
func logFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("deliverylog: %w", err)
	}
	var rotated []int
	current := false
	for _, e := range entries {
		name := e.Name()
		if name == fileBase+fileExt {
			current = true
			continue
		}
		mid, ok := strings.CutPrefix(name, fileBase+".")
		if !ok {
			continue
		}
		if mid, ok = strings.CutSuffix(mid, fileExt); !ok {
			continue
		}
		if n, err := strconv.Atoi(mid); err == nil && n > 0 && strconv.Itoa(n) == mid {
			rotated = append(rotated, n)
		}
	}
	slices.Sort(rotated)
	slices.Reverse(rotated)
	var out []string
	for _, n := range rotated {
		out = append(out, fileName(dir, n))
	}
	if current {
		out = append(out, fileName(dir, 0))
	}
	return out, nil
}

func readFile(name string, c *Contents) error {
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // rotated away since the directory was listed
	}
	if err != nil {
		return fmt.Errorf("deliverylog: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var r Record
			jerr := json.Unmarshal(line, &r)
			if jerr == nil && r.ID == "" {
				jerr = errors.New("record has no id")
			}
			if jerr != nil {
				c.Skipped = append(c.Skipped, Skipped{File: name, Line: n, Err: jerr})
			} else {
				c.Records = append(c.Records, r)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("deliverylog: read %s: %w", name, err)
		}
	}
}
