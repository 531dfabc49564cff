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
// the cached page newer than its version says. It holds at most size pages,
// dropping the least recently used.
type listCache struct {
	mu    sync.Mutex
	size  int
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

func newListCache(size int) *listCache {
	return &listCache{size: size, pages: map[string]*list.Element{}, order: list.New()}
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
		c.order.Remove(e)
		delete(c.pages, key)
		return cachedPage{}, false
	}
	c.order.MoveToFront(e)
	p.list = slices.Clone(p.list) // callers own what they get
	return p, true
}

func (c *listCache) put(p cachedPage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p.list = slices.Clone(p.list)
	if e, ok := c.pages[p.key]; ok {
		e.Value = p
		c.order.MoveToFront(e)
		return
	}
	c.pages[p.key] = c.order.PushFront(p)
	for c.order.Len() > c.size {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.pages, old.Value.(cachedPage).key)
	}
}

// listVersion reads the data version customer lists are made from.
func (r *Customers) listVersion(ctx context.Context) (int64, error) {
	var v int64
	err := r.db.Q(ctx).QueryRowContext(ctx, `SELECT version FROM list_version WHERE id = 1`).Scan(&v)
	return v, err
}
