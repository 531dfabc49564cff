package sqlstore

import (
	"testing"

	"github.com/rmsuite/rmsuite/services/roster/internal/domain/customer"
)

// The page cache holds at most its limit of customers, dropping the least
// recently used page; a page bigger than a quarter of it is not kept; a page is
// dropped when asked for at another version.
func TestListCacheBounds(t *testing.T) {
	c := newListCache(12)
	page := func(key string, n int) cachedPage {
		return cachedPage{key: key, version: 1, list: make([]customer.Customer, n)}
	}
	c.put(page("a", 3))
	c.put(page("b", 3))
	c.put(page("c", 3))
	if _, ok := c.get("a", 1); !ok { // a is now the most recently used
		t.Fatal("a missing")
	}
	c.put(page("d", 3))
	c.put(page("e", 3)) // 15 > 12: b, the least recently used, goes
	if _, ok := c.get("b", 1); ok {
		t.Fatal("b kept past the limit")
	}
	if c.held > 12 || len(c.pages) != 4 {
		t.Fatalf("held %d customers in %d pages", c.held, len(c.pages))
	}
	c.put(page("huge", 4))
	if _, ok := c.get("huge", 1); ok {
		t.Fatal("a page over a quarter of the limit was kept")
	}
	if _, ok := c.get("a", 2); ok {
		t.Fatal("a page served at another version")
	}
	if _, ok := c.get("a", 1); ok || c.held != 9 {
		t.Fatalf("a page asked for at another version is dropped: held %d", c.held)
	}
}
