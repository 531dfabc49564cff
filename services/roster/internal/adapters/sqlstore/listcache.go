package sqlstore

import (
	"container/list"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/rmsuite/rmsuite/services/roster/internal/domain/customer"
)

// listCache keeps recently made customer list pages with the data version they
// were made at (the list_version row, which every write to customers, managers
// and org units moves on in its own transaction). A page is reused only while the
// version is unchanged, so a cached page is never older than the data: the
// version is read before the page, and a write that lands in between only makes
// the cached page newer than its version says. It holds pages of at most limit
// customers in all, dropping the least recently used.
type listCache struct {
	mu    sync.Mutex
	limit int // customers held in all pages
	held  int
	pages map[string]*list.Element
	order *list.List // front: most recently used
}

type cachedPage struct {
	key     string
	version int64
	list    []customer.Customer
	next    string
	total   int
}

func newListCache(limit int) *listCache {
	return &listCache{limit: limit, pages: map[string]*list.Element{}, order: list.New()}
}

// listKey identifies a page: the caller's scope and the request's filter, order,
// size and token.
func listKey(scope customer.Scope, filter, orderBy, token string, size int32) string {
	return fmt.Sprintf("%t\x00%s\x00%s\x00%s\x00%s\x00%s\x00%d", scope.All, scope.Path, scope.Self, filter, orderBy, token, size)
}

func (c *listCache) get(key string, version int64) (cachedPage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.pages[key]
	if !ok {
		return cachedPage{}, false
	}
	p := e.Value.(cachedPage)
	if p.version != version {
		c.drop(e)
		return cachedPage{}, false
	}
	c.order.MoveToFront(e)
	p.list = slices.Clone(p.list) // callers own what they get
	return p, true
}

func (c *listCache) put(p cachedPage) {
	if len(p.list) > c.limit/4 {
		return // a huge page would push out everything else
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p.list = slices.Clone(p.list)
	if e, ok := c.pages[p.key]; ok {
		c.drop(e)
	}
	c.pages[p.key] = c.order.PushFront(p)
	c.held += len(p.list)
	for c.held > c.limit {
		c.drop(c.order.Back())
	}
}

// drop forgets a page; c.mu is held.
func (c *listCache) drop(e *list.Element) {
	p := e.Value.(cachedPage)
	c.order.Remove(e)
	delete(c.pages, p.key)
	c.held -= len(p.list)
}

// listVersion reads the data version customer lists are made from.
func (r *Customers) listVersion(ctx context.Context) (int64, error) {
	var v int64
	err := r.db.Q(ctx).QueryRowContext(ctx, `SELECT version FROM list_version WHERE id = 1`).Scan(&v)
	return v, err
}
