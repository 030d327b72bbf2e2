package mockpodio

import "time"

// The rate limit counts each token's calls over the last hour (Podio's
// limits are per hour; its exact window is not documented). The mock
// counts them in rateBuckets buckets of rateBucket each, so a token's
// window takes the same memory at 10 calls an hour as at 10,000 a second:
// a call leaves the window when the bucket an hour after its own begins,
// up to one rateBucket before exactly an hour has passed, never after.
const (
	rateBucket  = time.Minute
	rateBuckets = int(time.Hour / rateBucket)
)

// rateKey is whose window a call counts in: the token's grantee and
// client, so a refreshed token keeps its window.
type rateKey struct {
	refType  string
	refID    int64
	clientID string
}

// rateWindow is one key's calls in the last hour.
type rateWindow struct {
	counts [rateBuckets]int32 // calls per bucket, by bucket number modulo rateBuckets
	newest int64              // the bucket number (time since the epoch / rateBucket) counts ends at
	total  int                // the sum of counts
}

func bucketOf(t time.Time) int64 { return t.UnixNano() / int64(rateBucket) }

// advance moves the window to now, forgetting the buckets that left it. A
// clock that moved back leaves the window where it was.
func (w *rateWindow) advance(now time.Time) {
	b := bucketOf(now)
	switch {
	case b <= w.newest:
		return
	case b-w.newest >= int64(rateBuckets):
		w.counts = [rateBuckets]int32{}
		w.total = 0
	default:
		for k := w.newest + 1; k <= b; k++ {
			i := int(k % int64(rateBuckets))
			w.total -= int(w.counts[i])
			w.counts[i] = 0
		}
	}
	w.newest = b
}

// add counts one call in the newest bucket.
func (w *rateWindow) add() {
	w.counts[int(w.newest%int64(rateBuckets))]++
	w.total++
}
